import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from ingest.export.dates import (
    MAX_SHIFT_WEEKS,
    STUDY_DAY_ZERO,
    random_week_offset_days,
    shift,
    shift_date,
    study_day,
    study_relative_offset_days,
)

SEOUL = ZoneInfo("Asia/Seoul")


def test_week_offsets_are_whole_weeks_backwards_within_a_year() -> None:
    offsets = {random_week_offset_days() for _ in range(400)}
    assert all(o % 7 == 0 and -7 * MAX_SHIFT_WEEKS <= o <= -7 for o in offsets)
    assert len(offsets) > 20  # drawn at random, not one constant


def test_shift_keeps_weekday_time_of_day_and_intervals() -> None:
    times = [
        dt.datetime(2026, 3, 2, 23, 55, 1, 250000, tzinfo=SEOUL),
        dt.datetime(2026, 3, 3, 0, 0, 0, tzinfo=SEOUL),
        dt.datetime(2026, 3, 9, 7, 30, tzinfo=SEOUL),
    ]
    shifted = [shift(t, -21).astimezone(SEOUL) for t in times]
    assert [s.date() for s in shifted] == [
        dt.date(2026, 2, 9),
        dt.date(2026, 2, 10),
        dt.date(2026, 2, 16),
    ]
    assert [s.weekday() for s in shifted] == [t.weekday() for t in times]
    assert [s.timetz() for s in shifted] == [t.timetz() for t in times]
    assert [b - a for a, b in itertools.pairwise(shifted)] == [
        b - a for a, b in itertools.pairwise(times)
    ]


def test_shift_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        shift(dt.datetime(2026, 3, 2), -7)


def test_study_relative_moves_day_zero_to_the_anchor() -> None:
    enrolled = dt.date(2026, 11, 20)
    offset = study_relative_offset_days(enrolled)
    assert shift_date(enrolled, offset) == STUDY_DAY_ZERO
    assert study_day(shift_date(dt.date(2026, 11, 23), offset)) == 3
