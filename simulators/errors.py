"""Errors raised by the simulators package."""


class SimulatorError(Exception):
    """Base class for every error the simulators raise on purpose."""
