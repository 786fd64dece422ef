"""The 7-byte Date Time field (year uint16, month, day, hours, minutes, seconds).

Used by CGM Session Start Time 0x2AAA and Glucose Measurement base time (GSS "Date
Time" 0x2A08: year 1582-9999 or 0 unknown, month 1-12 or 0 unknown, day 1-31 or 0
unknown, hours 0-23, minutes 0-59, seconds 0-59).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from struct import Struct

from gateway.codecs._cursor import ByteCursor
from gateway.errors import CodecError

DATE_TIME_SIZE = 7  # GSS Date Time: uint16 + 5 x uint8
PACK_DATE_TIME = Struct("<HBBBBB").pack
UNPACK_DATE_TIME = Struct("<HBBBBB").unpack_from

_YEAR_MIN, _YEAR_MAX = 1582, 9999  # GSS Date Time; 0 means "not known"
# (field name, upper bound) for the one-octet fields; lower bound 0 for all of them.
_FIELD_LIMITS = (("month", 12), ("day", 31), ("hour", 23), ("minute", 59), ("second", 59))


@dataclass(frozen=True, slots=True)
class DeviceDateTime:
    """A wall-clock time as the device sent it (no zone; zeros mean unknown date parts)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int

    @property
    def date_known(self) -> bool:
        """False when year, month or day is 0 ("not known")."""
        return 0 not in (self.year, self.month, self.day)

    def to_naive(self, what: str) -> dt.datetime:
        """The value as a naive `datetime`; `CodecError` when unknown or impossible."""
        if not self.date_known:
            raise CodecError(f"{what}: the device sent an unknown date ({self}); set its clock")
        try:
            return dt.datetime(  # noqa: DTZ001 - naive on purpose: device wall clock
                self.year, self.month, self.day, self.hour, self.minute, self.second
            )
        except ValueError as exc:
            raise CodecError(f"{what}: impossible date {self}: {exc}") from None


def read_date_time(cursor: ByteCursor) -> DeviceDateTime:
    """Read and range-check a Date Time field from `cursor`."""
    raw = cursor.take(DATE_TIME_SIZE, "date time")
    value = DeviceDateTime(*UNPACK_DATE_TIME(raw))
    check_date_time(value, cursor.what)
    return value


def check_date_time(value: DeviceDateTime, what: str) -> None:
    """Raise `CodecError` when a field is outside the GSS Date Time range."""
    if value.year != 0 and not _YEAR_MIN <= value.year <= _YEAR_MAX:
        raise CodecError(f"{what}: expected year 1582-9999 or 0 (unknown), found {value.year}")
    for name, upper in _FIELD_LIMITS:
        if not 0 <= getattr(value, name) <= upper:
            raise CodecError(f"{what}: expected {name} 0-{upper}, found {getattr(value, name)}")


def pack_date_time(value: DeviceDateTime, what: str) -> bytes:
    """Encode a Date Time field after range-checking it."""
    check_date_time(value, what)
    return PACK_DATE_TIME(
        value.year, value.month, value.day, value.hour, value.minute, value.second
    )
