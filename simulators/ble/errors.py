"""Errors raised by the simulated BLE radio, its peripherals and encoders."""

from bleak.exc import BleakError

from simulators.errors import SimulatorError


class BleSimulatorError(SimulatorError):
    """Base class for errors of the simulated BLE layer."""


class EncodingError(BleSimulatorError, ValueError):
    """A value cannot be encoded in (or decoded from) its GATT characteristic format."""


class RadioError(BleSimulatorError):
    """The virtual radio was used in a way it does not support (e.g. not started)."""


class BleakConnectTimeoutError(BleakError, TimeoutError):
    """No connection within the timeout: the peripheral did not answer (out of range,
    not advertising, or busy).

    Raised by the bleak backend, so it is a ``BleakError`` (what bleak users catch) and a
    ``TimeoutError`` (what bleak's BlueZ backend raises on a connect timeout), not a
    ``SimulatorError``: the gateway must not need to know it runs on a simulator.
    """
