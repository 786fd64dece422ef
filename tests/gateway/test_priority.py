"""The upload order (gateway.priority.choose_batch) as a pure function."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.priority import FRESH_S, Pending, Stream, choose_batch, epoch_us

NOW = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
NOW_US = epoch_us(NOW)
HR: Stream = ("hr-1", "heart_rate")
RR: Stream = ("hr-1", "rr_interval")
CGM: Stream = ("cgm-1", "glucose")
BATTERY: Stream = ("hr-1", "battery")


class Ids:
    """Outbox ids in arrival order, like SQLite's AUTOINCREMENT."""

    def __init__(self) -> None:
        self._next = itertools.count(1)

    def readings(self, ages_s: list[float]) -> list[Pending]:
        """Readings measured ``age`` seconds before NOW, returned newest first."""
        made = [Pending(next(self._next), NOW_US - round(a * 1e6)) for a in ages_s]
        return sorted(made, key=lambda p: (-p.measured_us, -p.reading_id))


def ages(start_s: float, count: int, step_s: float = 1.0) -> list[float]:
    return [start_s + i * step_s for i in range(count)]


def test_fresh_and_glucose_go_before_a_larger_older_backlog() -> None:
    ids = Ids()
    backlog = ids.readings(ages(3600, 1000))  # an hour ago and older: arrived first
    cgm = ids.readings([7200.0, 300.0])  # glucose, however old
    live = ids.readings([0.5, 1.5])
    chosen = choose_batch({HR: live + backlog, CGM: cgm}, now=NOW, size=8)
    urgent = {p.reading_id for p in live + cgm}
    assert urgent <= set(chosen)
    assert len(chosen) == 8
    assert set(chosen) - urgent == {p.reading_id for p in backlog[:4]}  # newest of the rest


def test_backlog_drains_newest_first_within_a_stream() -> None:
    ids = Ids()
    backlog = ids.readings(ages(600, 50))
    chosen = choose_batch({HR: backlog}, now=NOW, size=10)
    assert chosen == tuple(sorted(p.reading_id for p in backlog[:10]))


def test_backlog_places_are_shared_equally_between_streams() -> None:
    ids = Ids()
    hr = ids.readings(ages(600, 500))
    rr = ids.readings(ages(600, 500, 0.8))
    chosen = set(choose_batch({HR: hr, RR: rr}, now=NOW, size=100))
    assert len(chosen & {p.reading_id for p in hr}) == 50
    assert len(chosen & {p.reading_id for p in rr}) == 50


def test_a_small_stream_passes_its_unused_share_to_the_others() -> None:
    ids = Ids()
    hr = ids.readings(ages(600, 500))
    rr = ids.readings(ages(600, 500))
    battery = ids.readings([900.0, 1800.0])
    chosen = set(choose_batch({HR: hr, RR: rr, BATTERY: battery}, now=NOW, size=100))
    assert {p.reading_id for p in battery} <= chosen
    assert len(chosen & {p.reading_id for p in hr}) == 49
    assert len(chosen & {p.reading_id for p in rr}) == 49


def test_urgent_readings_leave_a_quarter_of_the_batch_to_a_waiting_backlog() -> None:
    ids = Ids()
    backlog = ids.readings(ages(3600, 100))
    live = ids.readings(ages(0, 40, 0.1))
    chosen = set(choose_batch({HR: live + backlog}, now=NOW, size=20))
    assert len(chosen & {p.reading_id for p in live}) == 15
    assert len(chosen & {p.reading_id for p in backlog}) == 5
    # The newest live readings are the ones that went.
    assert chosen & {p.reading_id for p in live} == {p.reading_id for p in live[:15]}


def test_urgent_readings_fill_the_batch_when_no_backlog_waits() -> None:
    ids = Ids()
    live = ids.readings(ages(0, 40, 0.1))
    assert len(choose_batch({HR: live}, now=NOW, size=20)) == 20


def test_a_reading_exactly_fresh_s_old_is_still_fresh() -> None:
    ids = Ids()
    edge = ids.readings([FRESH_S])
    backlog = ids.readings(ages(FRESH_S + 1, 10))
    chosen = choose_batch({HR: edge + backlog}, now=NOW, size=4)
    assert edge[0].reading_id in chosen


def test_the_choice_comes_back_in_arrival_order() -> None:
    ids = Ids()
    readings = ids.readings(ages(0, 30, 7.0))
    chosen = choose_batch({HR: readings}, now=NOW, size=30)
    assert list(chosen) == sorted(chosen)


def test_nothing_waiting_gives_an_empty_batch() -> None:
    assert choose_batch({}, now=NOW, size=10) == ()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"size": 0}, "size must be at least 1"),
        ({"size": 5, "reserve": 1.0}, "reserve must be in"),
        ({"size": 5, "now": NOW.replace(tzinfo=None)}, "time zone-aware"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], problem: str) -> None:
    args: dict[str, object] = {"now": NOW, **kwargs}
    with pytest.raises(ValueError, match=problem):
        choose_batch({HR: []}, **args)  # type: ignore[arg-type]


def test_live_readings_never_wait_for_a_second_batch_while_a_day_of_backlog_drains() -> None:
    """Simulate the uploader: each round 3 live readings arrive, then a batch is formed."""
    ids = Ids()
    pending: dict[Stream, list[Pending]] = {
        HR: ids.readings(ages(120, 86_400)),
        RR: ids.readings(ages(120, 100_000, 0.86)),
    }
    now_us, size, rounds = NOW_US, 500, 0
    while any(pending.values()):
        rounds += 1
        now_us += 1_000_000
        live = [Pending(next(ids._next), now_us - k * 300_000) for k in range(3)]
        pending[HR] = live + pending[HR]
        now = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=now_us)
        chosen = set(choose_batch(pending, now=now, size=size))
        assert {p.reading_id for p in live} <= chosen, f"round {rounds}"
        pending = {s: [p for p in ps if p.reading_id not in chosen] for s, ps in pending.items()}
    # Everything drained, about as fast as full batches allow (3 live readings a round).
    assert rounds <= (86_400 + 100_000) / (size - 3) + 2


_pending = st.lists(st.integers(min_value=0, max_value=10_000), max_size=60)


@given(
    hr=_pending,
    cgm=_pending,
    size=st.integers(min_value=1, max_value=80),
    reserve=st.floats(min_value=0.0, max_value=0.99),
)
def test_a_batch_never_exceeds_its_size_and_fills_up_when_it_can(
    hr: list[int], cgm: list[int], size: int, reserve: float
) -> None:
    ids = Ids()
    streams = {HR: ids.readings([float(a) for a in hr]), CGM: ids.readings([float(a) for a in cgm])}
    chosen = choose_batch(streams, now=NOW, size=size, reserve=reserve)
    waiting = {p.reading_id for ps in streams.values() for p in ps}
    assert len(chosen) == len(set(chosen)) == min(size, len(waiting))
    assert set(chosen) <= waiting
