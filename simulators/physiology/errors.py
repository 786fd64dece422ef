"""Errors raised by the physiology generators."""

from __future__ import annotations

from simulators.errors import SimulatorError


class PhysiologyError(SimulatorError):
    """Base class for errors raised on purpose by ``simulators.physiology``."""


class ParameterError(PhysiologyError, ValueError):
    """A model parameter or a requested interval is out of its valid range."""


class UnknownScenarioError(PhysiologyError, KeyError):
    """A scenario name is not in the registry."""
