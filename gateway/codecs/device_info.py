"""Device Information Service 0x180A: the UTF-8 string characteristics.

Manufacturer Name 0x2A29, Model Number 0x2A24, Serial Number 0x2A25 and Firmware
Revision 0x2A26 are UTF-8 strings without a terminator (DIS v1.1, 3.1-3.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.codecs._cursor import ByteData, as_bytes
from gateway.errors import CodecError

_NUL = "\x00"  # not in the spec, but C firmware often sends a NUL-padded fixed buffer


@dataclass(frozen=True, slots=True)
class DeviceInformation:
    """What the gateway records per device at connect time (None when not exposed)."""

    manufacturer_name: str | None = None
    model_number: str | None = None
    serial_number: str | None = None
    firmware_revision: str | None = None


def decode_utf8_string(data: ByteData, *, characteristic: str = "utf8 string") -> str:
    """Decode a DIS string characteristic, dropping trailing NUL padding.

    Parameters
    ----------
    data : bytes
        The value read from the characteristic.
    characteristic : str
        Name used in the error message, e.g. ``"serial number"``.

    Raises
    ------
    CodecError
        When the bytes are not valid UTF-8.
    """
    value = as_bytes(data, characteristic)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodecError(
            f"{characteristic}: expected UTF-8 text, found invalid byte 0x{value[exc.start]:02X} "
            f"at offset {exc.start} in {value.hex(' ')}"
        ) from None
    return text.rstrip(_NUL)
