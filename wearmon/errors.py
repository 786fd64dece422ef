"""Errors of the composition root."""


class UsageError(Exception):
    """A command was given arguments it cannot use; the message says what to pass."""


class ChildExitedError(Exception):
    """A child process the command depends on (the demo's API server) stopped on its own."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code
