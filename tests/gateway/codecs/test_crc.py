"""CRC-16/MCRF4XX (CGMS E2E-CRC): spec vectors and agreement with a bitwise reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.crc import append_crc, crc16_mcrf4xx, strip_crc
from gateway.errors import CodecError, CrcError
from tests.gateway.codecs.reference import crc16_mcrf4xx_bitwise


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (bytes.fromhex("3E010203040506070809"), 0x2F01),  # docs/ble.md
        (b"123456789", 0x6F91),  # docs/ble.md (catalogue check value)
        (b"", 0xFFFF),  # init value, no final XOR
    ],
)
def test_crc16_mcrf4xx_matches_vector(data: bytes, crc: int) -> None:
    assert crc16_mcrf4xx(data) == crc


@settings(derandomize=True, max_examples=300, print_blob=True)
@given(st.binary(max_size=64))
def test_table_crc_agrees_with_bitwise_reference(data: bytes) -> None:
    assert crc16_mcrf4xx(data) == crc16_mcrf4xx_bitwise(data)


def test_append_crc_puts_crc_little_endian_after_payload() -> None:
    assert append_crc(b"123456789") == b"123456789\x91\x6f"


def test_strip_crc_returns_payload_when_crc_matches() -> None:
    assert strip_crc(b"123456789\x91\x6f", "test") == b"123456789"


def test_strip_crc_raises_crc_error_with_both_values() -> None:
    with pytest.raises(CrcError, match="0x6F90") as excinfo:
        strip_crc(b"123456789\x90\x6f", "test")
    assert (excinfo.value.received, excinfo.value.computed) == (0x6F90, 0x6F91)


def test_strip_crc_rejects_value_shorter_than_crc() -> None:
    with pytest.raises(CodecError, match="2-byte E2E-CRC, found 1"):
        strip_crc(b"\x01", "test")
