"""Peripheral-side byte encoders shared by the virtual wearables.

Pure functions: values in, ``bytes`` out. Layouts follow the Bluetooth SIG GATT
characteristic definitions as summarised in the project sheet ``docs/ble.md``
(IEEE 11073-20601 SFLOAT, CRC-16/MCRF4XX, Heart Rate Service 1.0, Battery Service 1.0,
Record Access Control Point). CGM formats are in :mod:`simulators.ble.cgm_encoding`.
All multi-byte fields are little-endian.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence

from simulators.ble.errors import EncodingError

# --- IEEE 11073-20601 16-bit SFLOAT -------------------------------------------------------
# bits 15..12 exponent (4-bit two's complement), bits 11..0 mantissa (12-bit two's
# complement); mantissas 0x7FE..0x802 with exponent 0 are the special values.
SFLOAT_MIN_EXPONENT = -8
SFLOAT_MAX_EXPONENT = 7
SFLOAT_MAX_MANTISSA = 2045  # largest normal mantissa (0x7FD); 0x7FE.. are reserved


class SfloatSpecial(enum.IntEnum):
    """SFLOAT reserved values (IEEE 11073-20601 Table A.3, exponent 0)."""

    NAN = 0x07FF
    NRES = 0x0800
    POSITIVE_INFINITY = 0x07FE
    NEGATIVE_INFINITY = 0x0802
    RESERVED = 0x0801


def encode_sfloat(value: float | SfloatSpecial, exponent: int | None = None) -> int:
    """Encode a number as a 16-bit IEEE 11073 SFLOAT.

    Parameters
    ----------
    value : float or SfloatSpecial
        The number; ``nan`` and ``±inf`` map to the reserved NaN and ±INF codes.
    exponent : int, optional
        Fixed base-10 exponent (-8..7). By default the smallest exponent whose mantissa
        fits (the most precise representation) is used.

    Returns
    -------
    int
        The 16-bit code (``0xF4B0`` for 120.0).

    Raises
    ------
    EncodingError
        If the value cannot be represented (magnitude above 2045e7 or exponent too small).
    """
    if isinstance(value, SfloatSpecial):
        return int(value)
    if math.isnan(value):
        return int(SfloatSpecial.NAN)
    if math.isinf(value):
        return int(
            SfloatSpecial.POSITIVE_INFINITY if value > 0 else SfloatSpecial.NEGATIVE_INFINITY
        )
    exponents = (
        range(SFLOAT_MIN_EXPONENT, SFLOAT_MAX_EXPONENT + 1) if exponent is None else (exponent,)
    )
    for exp in exponents:
        mantissa = round(value / 10.0**exp)
        if abs(mantissa) <= SFLOAT_MAX_MANTISSA:
            return ((exp & 0x0F) << 12) | (mantissa & 0x0FFF)
    raise EncodingError(
        f"expected a value representable as SFLOAT (|mantissa| <= {SFLOAT_MAX_MANTISSA}, "
        f"exponent {exponent if exponent is not None else '-8..7'}); found {value!r}; "
        "use SfloatSpecial.POSITIVE_INFINITY / NEGATIVE_INFINITY for out-of-range readings"
    )


# --- CRC-16/MCRF4XX (CGMS E2E-CRC) ----------------------------------------------------------
# CGMS 1.0.1 section 2.7: poly 0x1021, init 0xFFFF, reflected in/out, no final xor;
# 0x8408 is 0x1021 bit-reversed (reflected algorithm).
_CRC16_MCRF4XX_POLY_REFLECTED = 0x8408
_CRC16_MCRF4XX_INIT = 0xFFFF


def crc16_mcrf4xx(data: bytes) -> int:
    """CRC-16/MCRF4XX of ``data`` (check value for ASCII "123456789" is 0x6F91)."""
    crc = _CRC16_MCRF4XX_INIT
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC16_MCRF4XX_POLY_REFLECTED if crc & 1 else crc >> 1
    return crc


def append_crc(body: bytes) -> bytes:
    """Return ``body`` followed by its little-endian CRC-16/MCRF4XX."""
    return body + struct.pack("<H", crc16_mcrf4xx(body))


# --- Heart Rate Measurement 0x2A37 ----------------------------------------------------------
# HRS 1.0 section 3.1.1 flags.
HRM_FLAG_HR_UINT16 = 0x01
HRM_FLAG_CONTACT_DETECTED = 0x02
HRM_FLAG_CONTACT_SUPPORTED = 0x04
HRM_FLAG_ENERGY_EXPENDED = 0x08
HRM_FLAG_RR_INTERVALS = 0x10
RR_UNITS_PER_S = 1024  # HRS 1.0 3.1.1.5: RR-Interval resolution 1/1024 s
_UINT8_MAX = 0xFF
_UINT16_MAX = 0xFFFF


def rr_ms_to_1024(rr_ms: float) -> int:
    """Convert an RR interval in ms to the 1/1024 s units of the HRM characteristic."""
    rr_1024 = round(rr_ms * RR_UNITS_PER_S / 1000.0)
    if not 0 <= rr_1024 <= _UINT16_MAX:
        raise EncodingError(f"expected an RR interval between 0 and 63999 ms; found {rr_ms!r} ms")
    return rr_1024


def hrm_max_rr_count(att_mtu: int, hr_bpm: int, energy_present: bool = False) -> int:
    """How many RR intervals fit in one HRM notification at this ATT MTU.

    A notification carries at most ``att_mtu - 3`` bytes (Core 5.4 Vol 3 Part F 3.4.7.1).
    """
    header = 1 + (2 if hr_bpm > _UINT8_MAX else 1) + (2 if energy_present else 0)
    return max(0, (att_mtu - 3 - header) // 2)


def encode_heart_rate_measurement(
    hr_bpm: int,
    contact: bool | None = None,
    rr_1024: Sequence[int] = (),
    energy_kj: int | None = None,
) -> bytes:
    """Encode one Heart Rate Measurement value.

    Parameters
    ----------
    hr_bpm : int
        Heart rate in beats per minute; values above 255 use the uint16 format.
    contact : bool or None
        Sensor contact detected; ``None`` when the sensor does not support contact detection.
    rr_1024 : sequence of int
        RR intervals in 1/1024 s, oldest first (see :func:`rr_ms_to_1024`).
    energy_kj : int, optional
        Energy expended in kJ.

    Returns
    -------
    bytes
        ``1e 48 f401 3303 6603`` for 72 bpm, contact, 500 kJ, RR 819 and 870.
    """
    if not 0 <= hr_bpm <= _UINT16_MAX:
        raise EncodingError(f"expected a heart rate of 0-65535 bpm; found {hr_bpm!r}")
    flags = 0
    if hr_bpm > _UINT8_MAX:
        flags |= HRM_FLAG_HR_UINT16
        body = struct.pack("<H", hr_bpm)
    else:
        body = struct.pack("<B", hr_bpm)
    if contact is not None:
        flags |= HRM_FLAG_CONTACT_SUPPORTED | (HRM_FLAG_CONTACT_DETECTED if contact else 0)
    if energy_kj is not None:
        flags |= HRM_FLAG_ENERGY_EXPENDED
        body += struct.pack("<H", energy_kj)
    if rr_1024:
        flags |= HRM_FLAG_RR_INTERVALS
        body += struct.pack(f"<{len(rr_1024)}H", *rr_1024)
    return bytes([flags]) + body


# --- Record Access Control Point 0x2A52 ----------------------------------------------------
# RACP op codes and response codes (CGMS 1.0.1 section 3.8 / GLS 1.0 section 3.9).
RACP_OP_REPORT_RECORDS = 0x01
RACP_OP_DELETE_RECORDS = 0x02
RACP_OP_ABORT = 0x03
RACP_OP_REPORT_NUMBER = 0x04
RACP_OP_NUMBER_RESPONSE = 0x05
RACP_OP_RESPONSE_CODE = 0x06


class RacpResponseCode(enum.IntEnum):
    """RACP response code values."""

    SUCCESS = 0x01
    OP_CODE_NOT_SUPPORTED = 0x02
    INVALID_OPERATOR = 0x03
    OPERATOR_NOT_SUPPORTED = 0x04
    INVALID_OPERAND = 0x05
    NO_RECORDS_FOUND = 0x06
    ABORT_UNSUCCESSFUL = 0x07
    PROCEDURE_NOT_COMPLETED = 0x08


def encode_racp_response(request_op_code: int, code: RacpResponseCode) -> bytes:
    """``06 00 <request op> <code>``."""
    return bytes([RACP_OP_RESPONSE_CODE, 0x00, request_op_code, int(code)])


def encode_racp_number_response(count: int) -> bytes:
    """``05 00 <count uint16>``."""
    return bytes([RACP_OP_NUMBER_RESPONSE, 0x00]) + struct.pack("<H", count)


# --- Battery Level 0x2A19 -------------------------------------------------------------------
def encode_battery_level(percent: int) -> bytes:
    """Battery Level: one uint8 percentage 0-100 (BAS 1.0 section 3.1)."""
    if not 0 <= percent <= 100:
        raise EncodingError(f"expected a battery level of 0-100 %; found {percent!r}")
    return bytes([percent])
