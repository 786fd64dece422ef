"""Battery Level 0x2A19, Device Information strings and the UUID table."""

from __future__ import annotations

import pytest

from gateway.codecs import uuids
from gateway.codecs.battery import decode_battery_level, encode_battery_level
from gateway.codecs.device_info import decode_utf8_string
from gateway.errors import CodecError


@pytest.mark.parametrize("level", [0, 57, 100])
def test_battery_level_round_trips(level: int) -> None:
    assert decode_battery_level(encode_battery_level(level)) == level


def test_battery_level_decodes_byte() -> None:
    assert decode_battery_level(b"\x64") == 100


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\x65", "0-100, found 101"), (b"", "1 byte, found 0"), (b"\x01\x02", "found 2")],
)
def test_battery_level_rejects_malformed(data: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        decode_battery_level(data)


def test_utf8_string_decodes_korean_text() -> None:
    assert decode_utf8_string("웨어몬 HR-1".encode()) == "웨어몬 HR-1"


def test_utf8_string_drops_trailing_nul_padding() -> None:
    assert decode_utf8_string(b"1.2.3\x00\x00") == "1.2.3"


def test_invalid_utf8_raises_codec_error_naming_offset() -> None:
    with pytest.raises(CodecError, match=r"serial number: .*0xFF at offset 2"):
        decode_utf8_string(b"AB\xffC", characteristic="serial number")


@pytest.mark.parametrize(
    ("uuid", "short"),
    [
        (uuids.HEART_RATE_MEASUREMENT, "2a37"),
        (uuids.CGM_MEASUREMENT, "2aa7"),
        (uuids.RECORD_ACCESS_CONTROL_POINT, "2a52"),
        (uuids.BATTERY_LEVEL, "2a19"),
    ],
)
def test_uuids_expand_with_bluetooth_base_uuid(uuid: str, short: str) -> None:
    assert uuid == f"0000{short}-0000-1000-8000-00805f9b34fb"
