"""Errors raised by the analytics package."""


class AnalyticsError(ValueError):
    """Base class: an analytics function was given input it cannot use."""


class GlycemicInputError(AnalyticsError):
    """A glycaemic (CGM) function was given times, glucose values or a time zone it cannot use."""


class CardiacInputError(AnalyticsError):
    """A cardiac function was given RR intervals, times, heart rates or parameters it cannot use."""
