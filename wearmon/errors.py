"""Errors of the composition root."""


class UsageError(Exception):
    """A command was given arguments it cannot use; the message says what to pass."""
