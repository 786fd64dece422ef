"""Heart-rate sensor logic: beat grouping per period and HRM chunking at the MTU."""

from __future__ import annotations

from simulators.ble.peripherals.heart_rate import HeartRateReport, encode_report, group_beats

from ..wire import decode_hrm


def test_one_beat_per_second_gives_one_rr_per_report() -> None:
    reports = list(group_beats([(1000.0, 60, True)] * 5, period_s=1.0))
    assert [r.rr_1024 for r in reports] == [(1024,)] * 5


def test_fast_heart_puts_several_rr_in_one_report() -> None:
    reports = list(group_beats([(400.0, 150, True)] * 5, period_s=1.0))
    assert [len(r.rr_1024) for r in reports] == [2, 3]


def test_slow_heart_leaves_a_report_without_rr() -> None:
    # Beats end at 1.5 s, 3.0 s and 4.5 s: nothing ends in (3, 4].
    reports = list(group_beats([(1500.0, 40, True)] * 3, period_s=1.0))
    assert [r.rr_1024 for r in reports] == [(1536,), (1536,), (), (1536,)]


def test_report_carries_last_beat_rate_and_contact() -> None:
    (report,) = group_beats([(500.0, 120, True), (500.0, 118, False)], period_s=1.0)
    assert (report.hr_bpm, report.contact) == (118, False)


def test_rr_overflowing_the_mtu_continue_in_a_second_value_in_order() -> None:
    report = HeartRateReport(72, True, tuple(range(800, 812)))
    values = encode_report(report, att_mtu=23)
    rr = [v for value in values for v in decode_hrm(value).rr_1024]
    assert (len(values), rr) == (2, list(range(800, 812)))


def test_report_without_rr_encodes_heart_rate_only() -> None:
    (value,) = encode_report(HeartRateReport(45, True, ()), att_mtu=23)
    assert value == bytes([0x06, 45])
