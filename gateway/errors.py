"""Errors raised by the gateway package."""


class GatewayError(Exception):
    """Base class for every error the gateway raises on purpose."""


class CodecError(GatewayError):
    """A GATT characteristic value does not match its specified byte format."""


class CrcError(CodecError):
    """An E2E-CRC does not match the bytes it protects (corrupted or forged value)."""

    def __init__(self, message: str, *, received: int, computed: int) -> None:
        super().__init__(message)
        self.received = received
        self.computed = computed


class ConfigError(GatewayError):
    """The gateway configuration file is missing a field or holds an invalid value."""


class OutboxError(GatewayError):
    """The durable outbox database cannot be opened or holds unexpected content."""


class UploadError(GatewayError):
    """The ingestion API refused a batch in a way retrying will not fix."""


class BleSessionError(GatewayError):
    """A BLE session with one wearable failed; the supervisor reconnects."""


class DeviceNotFoundError(BleSessionError):
    """No advertisement from the wearable was seen within the scan timeout."""


class CharacteristicMissingError(BleSessionError):
    """The wearable's GATT table lacks a characteristic the session needs."""


class RacpError(BleSessionError):
    """The Record Access Control Point back-fill failed or did not finish in time."""


class SessionStalledError(BleSessionError):
    """A connected wearable sent nothing for longer than the watchdog allows."""
