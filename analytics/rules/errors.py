"""Errors raised by analytics.rules."""

from analytics.errors import AnalyticsError


class RuleInputError(AnalyticsError):
    """A rule was given a participant window, thresholds or a time it cannot use."""


class ThresholdError(RuleInputError):
    """A threshold set or a per-participant override is invalid."""
