"""Advertising payloads: what the wearables send and what the scanner backend parses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.ble.backend_scanner import parse_advertising_data
from simulators.ble.errors import BleSimulatorError
from simulators.ble.peripherals.common import build_advertising_data

HRS = "0000180d-0000-1000-8000-00805f9b34fb"


def test_built_advertisement_parses_to_name_and_services() -> None:
    parsed = parse_advertising_data(build_advertising_data("HRM-7", [0x180D, 0x180F]))
    assert (parsed.local_name, parsed.service_uuids[0]) == ("HRM-7", HRS)


def test_parser_reads_manufacturer_data_and_tx_power() -> None:
    parsed = parse_advertising_data(bytes.fromhex("05ff4c0001020 20af6".replace(" ", "")))
    assert (parsed.manufacturer_data, parsed.tx_power) == ({0x004C: b"\x01\x02"}, -10)


def test_parser_stops_at_truncated_structure() -> None:
    parsed = parse_advertising_data(bytes.fromhex("0409414243" + "09"))
    assert parsed.local_name == "ABC"


def test_duplicate_service_uuids_are_reported_once() -> None:
    parsed = parse_advertising_data(bytes.fromhex("03030d18" * 2))
    assert parsed.service_uuids == [HRS]


def test_advertisement_longer_than_31_bytes_is_refused() -> None:
    with pytest.raises(BleSimulatorError, match="shorter name"):
        build_advertising_data("X" * 30, [0x180D])


@given(st.binary(max_size=62))
def test_any_payload_parses_without_crashing(data: bytes) -> None:
    parsed = parse_advertising_data(data)
    assert all(len(uuid) == 36 for uuid in parsed.service_uuids)
