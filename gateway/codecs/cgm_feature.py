"""CGM Feature 0x2AA8: what a CGM sensor supports (read it before anything else).

Layout (CGMS v1.0.1, 3.2; docs/ble.md): 24-bit feature bits, little-endian; one
Type-Sample Location octet; a uint16 E2E-CRC that is always present and is 0xFFFF when
the sensor does not support E2E-CRC.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from struct import Struct

from gateway.codecs._cursor import ByteData, as_bytes
from gateway.codecs.crc import append_crc, strip_crc
from gateway.codecs.sample import join_type_location, split_type_location
from gateway.errors import CodecError

_WHAT = "cgm feature"
CGM_FEATURE_SIZE = 6  # 3 feature octets + type/location + uint16 CRC (CGMS 3.2)
_CRC_NOT_SUPPORTED = 0xFFFF  # CGMS 3.2: CRC field "0xFFFF if E2E-CRC not supported"
# Feature bits as a little-endian 24-bit integer split into uint16 + uint8.
UNPACK_CGM_FEATURE = Struct("<HBBH").unpack_from
PACK_CGM_FEATURE_WITHOUT_CRC = Struct("<HBB").pack


class CgmFeatureBits(enum.IntFlag):
    """CGM Feature bits (CGMS v1.0.1 Table 3.2; bits 17-23 reserved)."""

    CALIBRATION = 1 << 0
    PATIENT_HIGH_LOW_ALERTS = 1 << 1
    HYPO_ALERTS = 1 << 2
    HYPER_ALERTS = 1 << 3
    RATE_OF_INCREASE_DECREASE_ALERTS = 1 << 4
    DEVICE_SPECIFIC_ALERT = 1 << 5
    SENSOR_MALFUNCTION_DETECTION = 1 << 6
    SENSOR_TEMPERATURE_HIGH_LOW_DETECTION = 1 << 7
    SENSOR_RESULT_HIGH_LOW_DETECTION = 1 << 8
    LOW_BATTERY_DETECTION = 1 << 9
    SENSOR_TYPE_ERROR_DETECTION = 1 << 10
    GENERAL_DEVICE_FAULT = 1 << 11
    E2E_CRC = 1 << 12
    MULTIPLE_BOND = 1 << 13
    MULTIPLE_SESSIONS = 1 << 14
    TREND_INFORMATION = 1 << 15
    QUALITY = 1 << 16


@dataclass(frozen=True, slots=True)
class CgmFeature:
    """Decoded CGM Feature: supported features, fluid type and sample location."""

    features: CgmFeatureBits
    fluid_type: int
    sample_location: int

    @property
    def e2e_crc_supported(self) -> bool:
        """True when every CGM record and control-point value carries an E2E-CRC."""
        return CgmFeatureBits.E2E_CRC in self.features


def decode_cgm_feature(data: ByteData) -> CgmFeature:
    """Decode CGM Feature (0x2AA8).

    The CRC field is checked only when the feature bits announce E2E-CRC; otherwise it is
    ignored (it should be 0xFFFF, but a wrong filler harms nothing).

    Raises
    ------
    CodecError
        When the value is not 6 bytes long.
    CrcError
        When E2E-CRC is announced and the CRC does not match.
    """
    value = as_bytes(data, _WHAT)
    if len(value) != CGM_FEATURE_SIZE:
        raise CodecError(f"{_WHAT}: expected {CGM_FEATURE_SIZE} bytes, found {len(value)}")
    low16, high8, type_location, _crc = UNPACK_CGM_FEATURE(value)
    features = CgmFeatureBits(low16 | high8 << 16)
    if CgmFeatureBits.E2E_CRC in features:
        strip_crc(value, _WHAT)
    fluid_type, location = split_type_location(type_location)
    return CgmFeature(features=features, fluid_type=fluid_type, sample_location=location)


def encode_cgm_feature(feature: CgmFeature) -> bytes:
    """Encode CGM Feature (for tests and fakes), with a real CRC or the 0xFFFF filler."""
    bits = int(feature.features)
    if not 0 <= bits < 1 << 24:
        raise CodecError(f"{_WHAT}: expected 24 feature bits, found 0x{bits:X}")
    payload = PACK_CGM_FEATURE_WITHOUT_CRC(
        bits & 0xFFFF,
        bits >> 16,
        join_type_location(feature.fluid_type, feature.sample_location),
    )
    if feature.e2e_crc_supported:
        return append_crc(payload)
    return payload + _CRC_NOT_SUPPORTED.to_bytes(2, "little")
