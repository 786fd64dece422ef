"""RACP server helpers (the procedure itself is exercised through bleak in test_cgm)."""

from __future__ import annotations

from simulators.ble.peripherals.racp_server import pack_records


def test_pack_records_respects_payload_limit_and_order() -> None:
    records = [bytes([12]) * 12 for _ in range(5)]
    payloads = pack_records(records, max_payload=30)
    assert [len(p) for p in payloads] == [24, 24, 12]
