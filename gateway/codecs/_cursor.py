"""Bounds-checked little-endian reads that fail with `CodecError`, never `struct.error`.

Every multi-byte GATT field is little-endian (Bluetooth Core Spec v5.4, Vol 3, Part G,
3.3.3.1; restated at the top of docs/ble.md). The decoders read optional,
flag-gated fields through one `ByteCursor` so that a short value always produces a
message naming the characteristic, the field, the offset and how many bytes were there.
"""

from __future__ import annotations

from struct import Struct
from typing import TypeAlias

from gateway.codecs.sfloat import Sfloat, decode_sfloat
from gateway.errors import CodecError

ByteData: TypeAlias = bytes | bytearray | memoryview
"""What bleak hands a notify callback (bytearray) or a read returns (bytearray/bytes)."""

UNPACK_UINT8 = Struct("<B").unpack_from
UNPACK_SINT8 = Struct("<b").unpack_from
UNPACK_UINT16_LE = Struct("<H").unpack_from
UNPACK_SINT16_LE = Struct("<h").unpack_from


class ByteCursor:
    """Read fields from ``data[start:end]`` left to right, checking every length.

    Parameters
    ----------
    data : bytes
        The whole characteristic value.
    what : str
        Characteristic name used as the prefix of every error message.
    start, end : int
        Window of `data` to read (a single record inside a multi-record notification).
    """

    __slots__ = ("_data", "_end", "_offset", "what")

    def __init__(self, data: bytes, what: str, start: int = 0, end: int | None = None) -> None:
        self._data = data
        self._offset = start
        self._end = len(data) if end is None else end
        self.what = what

    @property
    def offset(self) -> int:
        """Offset of the next unread byte within the whole value."""
        return self._offset

    @property
    def remaining(self) -> int:
        """Number of unread bytes left in the window."""
        return self._end - self._offset

    def _claim(self, size: int, field: str) -> int:
        if self.remaining < size:
            raise CodecError(
                f"{self.what}: expected {size} byte(s) for {field} at offset {self._offset}, "
                f"found {self.remaining}; the value is truncated or its flags are wrong"
            )
        start = self._offset
        self._offset += size
        return start

    def take(self, size: int, field: str) -> bytes:
        """Return the next `size` bytes."""
        start = self._claim(size, field)
        return self._data[start : start + size]

    def uint8(self, field: str) -> int:
        """Read an unsigned 8-bit integer."""
        value: int = UNPACK_UINT8(self._data, self._claim(1, field))[0]
        return value

    def sint8(self, field: str) -> int:
        """Read a signed 8-bit integer."""
        value: int = UNPACK_SINT8(self._data, self._claim(1, field))[0]
        return value

    def uint16(self, field: str) -> int:
        """Read an unsigned little-endian 16-bit integer."""
        value: int = UNPACK_UINT16_LE(self._data, self._claim(2, field))[0]
        return value

    def sint16(self, field: str) -> int:
        """Read a signed little-endian 16-bit integer."""
        value: int = UNPACK_SINT16_LE(self._data, self._claim(2, field))[0]
        return value

    def sfloat(self, field: str) -> Sfloat:
        """Read an IEEE-11073 16-bit SFLOAT."""
        return decode_sfloat(self.uint16(field))

    def expect_end(self) -> None:
        """Fail if unread bytes are left in the window."""
        if self.remaining:
            raise CodecError(
                f"{self.what}: expected the value to end at offset {self._offset}, "
                f"found {self.remaining} trailing byte(s); the flags do not describe the value"
            )


def as_bytes(data: ByteData, what: str) -> bytes:
    """Copy a bytes-like value into immutable bytes, rejecting anything else."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CodecError(f"{what}: expected bytes, found {type(data).__name__}")
    return bytes(data)
