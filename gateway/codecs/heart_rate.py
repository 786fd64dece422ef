"""Heart Rate Service 0x180D: Heart Rate Measurement 0x2A37 and Body Sensor Location 0x2A38.

Layout from docs/ble.md (SIG GATT Specification Supplement, "Heart Rate
Measurement"), cross-checked against Bumble's `heart_rate_service.py` flag bits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gateway.codecs._cursor import ByteCursor, ByteData, as_bytes
from gateway.errors import CodecError

_WHAT = "heart rate measurement"

# Flags octet (docs/ble.md, HRS table; Bumble's HeartRateMeasurement.Flag agrees)
_FLAG_HR_UINT16 = 0x01  # bit0: heart rate is uint16, else uint8
_FLAG_CONTACT_SHIFT, _FLAG_CONTACT_MASK = 1, 0x3  # bits1-2: sensor contact status
_FLAG_ENERGY_EXPENDED = 0x08  # bit3: energy expended (uint16 kJ) present
_FLAG_RR_INTERVALS = 0x10  # bit4: one or more RR intervals present

RR_UNITS_PER_S = 1024  # RR-Interval resolution is 1/1024 s (HRS v1.0, 3.1.1.5)
_MS_PER_S = 1000


class SensorContact(enum.Enum):
    """Sensor contact status, bits 1-2 of the flags (0 and 1 both mean unsupported)."""

    UNSUPPORTED = "unsupported"
    NOT_DETECTED = "not_detected"
    DETECTED = "detected"


# 2-bit field value -> meaning (docs/ble.md: "0/1 unsupported, 2 not detected,
# 3 detected"; i.e. bit2 = feature supported, bit1 = contact detected).
_CONTACT_BY_BITS = {
    0: SensorContact.UNSUPPORTED,
    1: SensorContact.UNSUPPORTED,
    2: SensorContact.NOT_DETECTED,
    3: SensorContact.DETECTED,
}


class BodySensorLocation(enum.IntEnum):
    """Body Sensor Location 0x2A38 (docs/ble.md; values 7-255 are reserved)."""

    OTHER = 0
    CHEST = 1
    WRIST = 2
    FINGER = 3
    HAND = 4
    EAR_LOBE = 5
    FOOT = 6


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One Heart Rate Measurement notification.

    Attributes
    ----------
    heart_rate_bpm : int
        Heart rate as sent (uint8 or uint16); not checked for plausibility here.
    sensor_contact : SensorContact
    energy_expended_kj : int or None
        Accumulated energy expended, kJ, when the flags say it is present.
    rr_intervals_1024 : tuple of int
        RR intervals in the native unit of 1/1024 s, oldest first.
    rr_intervals_ms : tuple of float
        The same intervals in milliseconds (``raw * 1000 / 1024``).
    """

    heart_rate_bpm: int
    sensor_contact: SensorContact
    energy_expended_kj: int | None = None
    rr_intervals_1024: tuple[int, ...] = ()
    rr_intervals_ms: tuple[float, ...] = ()


def rr_1024_to_ms(rr_1024: int) -> float:
    """Convert an RR interval from 1/1024 s units to milliseconds."""
    return rr_1024 * _MS_PER_S / RR_UNITS_PER_S


def decode_heart_rate_measurement(data: ByteData) -> HeartRateMeasurement:
    """Decode a Heart Rate Measurement (0x2A37) value.

    Parameters
    ----------
    data : bytes
        The notification payload.

    Returns
    -------
    HeartRateMeasurement

    Raises
    ------
    CodecError
        When the value is empty, shorter than its flags require, or carries bytes its
        flags do not account for (including half an RR interval).

    Examples
    --------
    >>> m = decode_heart_rate_measurement(bytes.fromhex("1e48f40133036603"))
    >>> m.heart_rate_bpm, m.energy_expended_kj, m.rr_intervals_1024
    (72, 500, (819, 870))
    """
    cursor = ByteCursor(as_bytes(data, _WHAT), _WHAT)
    flags = cursor.uint8("flags")
    if flags & _FLAG_HR_UINT16:
        heart_rate_bpm = cursor.uint16("heart rate (uint16)")
    else:
        heart_rate_bpm = cursor.uint8("heart rate (uint8)")
    contact = _CONTACT_BY_BITS[(flags >> _FLAG_CONTACT_SHIFT) & _FLAG_CONTACT_MASK]
    energy_kj = cursor.uint16("energy expended") if flags & _FLAG_ENERGY_EXPENDED else None
    rr_1024 = _read_rr_intervals(cursor) if flags & _FLAG_RR_INTERVALS else ()
    cursor.expect_end()
    return HeartRateMeasurement(
        heart_rate_bpm=heart_rate_bpm,
        sensor_contact=contact,
        energy_expended_kj=energy_kj,
        rr_intervals_1024=rr_1024,
        rr_intervals_ms=tuple(rr_1024_to_ms(rr) for rr in rr_1024),
    )


def _read_rr_intervals(cursor: ByteCursor) -> tuple[int, ...]:
    # HRS: "count = remaining bytes / 2"; zero intervals with the flag set is accepted
    # (some sensors set the flag on every notification) and yields an empty tuple.
    count, leftover = divmod(cursor.remaining, 2)
    if leftover:
        raise CodecError(
            f"{_WHAT}: flags say RR intervals present but 1 trailing byte is not a whole "
            f"uint16 (after {count} RR interval(s)); the notification was cut short"
        )
    return tuple(cursor.uint16("RR interval") for _ in range(count))


def decode_body_sensor_location(data: ByteData) -> BodySensorLocation:
    """Decode Body Sensor Location (0x2A38): one uint8, values 0-6."""
    value = as_bytes(data, "body sensor location")
    if len(value) != 1:
        raise CodecError(f"body sensor location: expected 1 byte, found {len(value)}")
    try:
        return BodySensorLocation(value[0])
    except ValueError:
        raise CodecError(
            f"body sensor location: expected 0-6, found reserved value {value[0]}"
        ) from None
