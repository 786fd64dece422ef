"""Errors raised by analytics.quality."""

from analytics.errors import AnalyticsError


class QualityInputError(AnalyticsError):
    """A data-quality function was given times, values or parameters it cannot use."""
