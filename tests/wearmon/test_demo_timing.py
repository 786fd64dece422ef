"""The demo's timing: risk events just before the run, a radio loss in the history, and
what the rules find in the history the gateways back-fill first."""

from __future__ import annotations

import datetime as dt
import json
import operator
from pathlib import Path

import numpy as np
import pytest

from analytics.rules import ParticipantWindow, evaluate_participant
from gateway.outbox import Outbox
from simulators.physiology import GlucoseModel, HeartModel, cohort
from simulators.physiology.cohort import ParticipantSpec
from simulators.physiology.scenarios import FaultKind, FaultWindow
from wearmon.demo.backfill import HistoryJob, pieces, write_histories
from wearmon.demo.faults import history_radio_losses, play_faults
from wearmon.demo.history import MARGINAL_S, heard, heart_history
from wearmon.demo.timing import EVENT_LEAD_S, GLUCOSE_EVENT_LEAD_S, retimed

RUN_START_S = 1_796_000_000.0  # an arbitrary instant (2026-11-30, afternoon in Seoul)
COHORT = cohort(20, 2026)
# The alert worker's look-backs before "now" (ingest.alerts.loader): heart 75 min,
# glucose 135 min.
HEART_LOOKBACK_S = 75 * 60.0
GLUCOSE_LOOKBACK_S = 135 * 60.0
EVENT_OF = {
    "paroxysmal_af": "af",
    "bradycardia": "bradycardia",
    "tachycardia": "tachycardia",
}


def member(scenario: str) -> ParticipantSpec:
    return next(s for s in COHORT if s.scenario.name == scenario)


@pytest.mark.parametrize("scenario", sorted(EVENT_OF))
def test_a_heart_event_starts_45_min_before_the_run(scenario: str) -> None:
    spec = retimed(member(scenario), RUN_START_S)
    model = HeartModel(spec.heart, spec.seed)
    starts = [
        e.start_s
        for e in model.episodes(RUN_START_S - 2 * 3600, RUN_START_S)
        if e.kind.value == EVENT_OF[scenario]
    ]
    # utc_offset_s is whole seconds: the event lands within a second of its place.
    assert min(abs(s - (RUN_START_S - EVENT_LEAD_S)) for s in starts) <= 1.0


def test_the_nocturnal_hypo_starts_90_min_before_the_run() -> None:
    spec = retimed(member("nocturnal_hypo"), RUN_START_S)
    trace = GlucoseModel(spec.glucose, spec.seed).generate(RUN_START_S - 3 * 3600, 3 * 3600)
    starts = [e.start_s for e in trace.episodes if e.kind.value == "hypo_level2"]
    assert min(abs(s - (RUN_START_S - GLUCOSE_EVENT_LEAD_S)) for s in starts) <= 1.0


def test_participants_without_a_risk_event_keep_their_day() -> None:
    for scenario in ("healthy", "gateway_outage", "noisy_sensor"):
        spec = member(scenario)
        assert retimed(spec, RUN_START_S) is spec


def _heart_window(
    spec: ParticipantSpec, now_s: float, run_start_s: float = RUN_START_S
) -> ParticipantWindow:
    losses = history_radio_losses(spec.faults, run_start_s)
    model = HeartModel(spec.heart, spec.seed)
    start_s = now_s - HEART_LOOKBACK_S
    readings = [r for c in heart_history("hr", model, start_s, run_start_s, losses) for r in c]
    hr = [r for r in readings if r.metric == "heart_rate" and "no_contact" not in r.flags]
    rr = sorted((r for r in readings if r.metric == "rr_interval"), key=lambda r: r.measured_at)
    return ParticipantWindow(
        start_s=start_s,
        hr_times_s=np.array([r.measured_at.timestamp() for r in hr]),
        hr_bpm=np.array([r.value for r in hr]),
        rr_times_s=np.array([r.measured_at.timestamp() for r in rr]),
        rr_ms=np.array([r.value for r in rr]),
    )


@pytest.mark.parametrize(
    ("scenario", "rule"),
    [
        ("paroxysmal_af", "af_burden"),
        ("bradycardia", "bradycardia"),
        ("tachycardia", "tachycardia"),
    ],
)
def test_the_rules_find_the_heart_event_in_the_back_filled_history(
    scenario: str, rule: str
) -> None:
    # Every member of the scenario, for demos started at several times of day (a demo
    # started at 18:32:32 UTC once picked a 3-min AF fragment and a marginal bradycardia).
    starts = [RUN_START_S + k * 4 * 3600.0 + 1_234.0 for k in range(6)]
    starts.append(dt.datetime(2026, 12, 6, 18, 32, 32, tzinfo=dt.UTC).timestamp())
    missed = []
    for member_spec in (s for s in COHORT if s.scenario.name == scenario):
        for run_start_s in starts:
            spec = retimed(member_spec, run_start_s)
            now_s = run_start_s + 60.0  # the first evaluation, once the newest history is in
            window = _heart_window(spec, now_s, run_start_s)
            if rule not in {f.rule_id for f in evaluate_participant(window, None, now_s)}:
                missed.append((spec.participant_id, run_start_s))
    assert missed == []


def test_the_rules_find_the_hypo_in_the_back_filled_glucose() -> None:
    spec = retimed(member("nocturnal_hypo"), RUN_START_S)
    now_s = RUN_START_S + 60.0
    trace = GlucoseModel(spec.glucose, spec.seed).generate(
        now_s - GLUCOSE_LOOKBACK_S, GLUCOSE_LOOKBACK_S
    )
    ok = np.isfinite(trace.glucose_mg_dl)
    window = ParticipantWindow(
        start_s=now_s - GLUCOSE_LOOKBACK_S,
        cgm_times_s=trace.time_s[ok],
        cgm_mg_dl=trace.glucose_mg_dl[ok],
    )
    assert "hypo_level2" in {f.rule_id for f in evaluate_participant(window, None, now_s)}


def test_the_radio_loss_in_the_history_raises_a_technical_finding_that_ended_long_before() -> None:
    spec = member("gateway_outage")
    now_s = RUN_START_S + 60.0
    findings = evaluate_participant(_heart_window(spec, now_s), None, now_s)
    coverage = [f for f in findings if f.rule_id == "low_coverage"]
    assert coverage
    assert all(f.kind.value == "technical" for f in coverage)
    # Ended more than 15 min before the data revealing it arrive: retrospective.
    assert all(f.end_s is not None and f.end_s < RUN_START_S - 15 * 60 for f in coverage)
    assert not [f for f in findings if f.kind.value == "physiological"]


def test_the_history_without_a_radio_loss_raises_no_coverage_finding() -> None:
    spec = member("healthy")
    now_s = RUN_START_S + 60.0
    findings = evaluate_participant(_heart_window(spec, now_s), None, now_s)
    assert findings == []


def test_a_radio_loss_is_silent_in_its_core_and_intermittent_at_its_edges() -> None:
    loss = (1000.0, 1000.0 + 40 * 60.0)
    t = np.arange(0.0, 4000.0, 0.5)
    kept = heard(t, [loss])
    inside = (t >= loss[0]) & (t < loss[1])
    edges = inside & ((t < loss[0] + MARGINAL_S) | (t >= loss[1] - MARGINAL_S))
    assert kept[~inside].all()
    assert not kept[inside & ~edges].any()
    assert 0.25 < kept[edges].mean() < 0.45


def test_faults_before_the_run_are_history_and_not_replayed() -> None:
    faults = [
        FaultWindow(-600.0, 300.0, FaultKind.RADIO_OUT_OF_RANGE),
        FaultWindow(-60.0, 120.0, FaultKind.API_DOWN),
        FaultWindow(100.0, 50.0, FaultKind.NETWORK_DOWN),
    ]
    assert history_radio_losses(faults, 10_000.0) == [(9_400.0, 9_700.0)]


async def test_a_fault_under_way_at_the_start_begins_at_once() -> None:
    slept: list[float] = []
    applied: list[tuple[float, FaultKind, bool]] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    async def apply(kind: FaultKind, begins: bool) -> None:
        applied.append((sum(slept), kind, begins))

    await play_faults(
        [
            FaultWindow(-600.0, 300.0, FaultKind.RADIO_OUT_OF_RANGE),
            FaultWindow(-60.0, 120.0, FaultKind.API_DOWN),
        ],
        apply,
        sleep,
    )
    assert applied == [(0.0, FaultKind.API_DOWN, True), (60.0, FaultKind.API_DOWN, False)]


def test_history_pieces_run_newest_first_on_whole_seconds_and_cover_the_span() -> None:
    got = list(pieces(100.0, 7300.5, 3600.0))
    assert got == [(3700.0, 7300.5), (100.0, 3700.0)]
    assert list(pieces(5.0, 5.0)) == []


def test_histories_written_newest_first_equal_the_whole_history_once(tmp_path: Path) -> None:
    spec = member("gateway_outage")
    end_s = RUN_START_S
    losses = tuple(history_radio_losses(spec.faults, end_s))
    job = HistoryJob(
        label=spec.participant_id,
        outbox_path=tmp_path / "outbox.sqlite3",
        gateway_id="gw",
        outbox_max_rows=100_000,
        device_id="hr",
        heart=spec.heart,
        seed=spec.seed,
        start_s=end_s - 2.5 * 3600,
        end_s=end_s,
        radio_losses=losses,
    )
    written = write_histories([job], chunk_s=3600.0)
    whole = [
        r.to_json()
        for c in heart_history("hr", HeartModel(spec.heart, spec.seed), job.start_s, end_s, losses)
        for r in c
    ]
    box = Outbox(job.outbox_path, gateway_id="gw", max_rows=100_000)
    sent = []
    try:
        while (batch := box.peek_batch(5000)) is not None:
            sent += json.loads(batch.body)["readings"]
            box.ack(batch.reading_ids)
    finally:
        box.close()
    assert written == len(whole) == len(sent)
    key = operator.itemgetter("metric", "measured_at")
    assert sorted(sent, key=key) == sorted(whole, key=key)
