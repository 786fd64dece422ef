"""CGM Feature 0x2AA8."""

from __future__ import annotations

import pytest

from gateway.codecs.cgm_feature import (
    CgmFeature,
    CgmFeatureBits,
    decode_cgm_feature,
    encode_cgm_feature,
)
from gateway.codecs.sample import LOCATION_SUBCUTANEOUS_TISSUE, TYPE_INTERSTITIAL_FLUID
from gateway.errors import CodecError, CrcError
from tests.gateway.codecs.reference import with_crc

# Calibration (bit0) + E2E-CRC (bit12) + trend (bit15) + quality (bit16) = 0x019001;
# type 9 (ISF) in the low nibble, location 5 (subcutaneous) in the high nibble = 0x59.
WITH_CRC = with_crc(bytes.fromhex("019001 59"))
WITH_CRC_FEATURE = CgmFeature(
    features=CgmFeatureBits.CALIBRATION
    | CgmFeatureBits.E2E_CRC
    | CgmFeatureBits.TREND_INFORMATION
    | CgmFeatureBits.QUALITY,
    fluid_type=TYPE_INTERSTITIAL_FLUID,
    sample_location=LOCATION_SUBCUTANEOUS_TISSUE,
)


def test_decode_feature_with_e2e_crc() -> None:
    decoded = decode_cgm_feature(WITH_CRC)
    assert decoded == WITH_CRC_FEATURE
    assert decoded.e2e_crc_supported


def test_decode_feature_without_e2e_crc_ignores_ffff_filler() -> None:
    decoded = decode_cgm_feature(bytes.fromhex("018001 59 ffff"))
    assert decoded == CgmFeature(
        features=CgmFeatureBits.CALIBRATION
        | CgmFeatureBits.TREND_INFORMATION
        | CgmFeatureBits.QUALITY,
        fluid_type=9,
        sample_location=5,
    )
    assert not decoded.e2e_crc_supported


def test_feature_crc_mismatch_raises_crc_error() -> None:
    corrupted = WITH_CRC[:-1] + bytes([WITH_CRC[-1] ^ 0xFF])
    with pytest.raises(CrcError):
        decode_cgm_feature(corrupted)


@pytest.mark.parametrize("length", [0, 5, 7])
def test_feature_of_wrong_length_raises(length: int) -> None:
    with pytest.raises(CodecError, match=f"expected 6 bytes, found {length}"):
        decode_cgm_feature(bytes(length))


@pytest.mark.parametrize("crc", [True, False])
def test_encode_feature_round_trips(crc: bool) -> None:
    feature = CgmFeature(
        CgmFeatureBits.HYPO_ALERTS | (CgmFeatureBits.E2E_CRC if crc else CgmFeatureBits(0)),
        fluid_type=9,
        sample_location=5,
    )
    assert decode_cgm_feature(encode_cgm_feature(feature)) == feature


def test_encode_feature_with_crc_matches_reference() -> None:
    assert encode_cgm_feature(WITH_CRC_FEATURE) == WITH_CRC
