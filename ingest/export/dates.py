"""Date transformation: a per-participant shift by whole weeks, or study-relative days.

Both policies reduce to a per-participant offset in whole days, added to every
timestamp of that participant (docs/privacy.md "Research export"):

* ``shift_weeks``: a random multiple of 7 days, so weekday, time of day and every
  interval within a participant are kept while the calendar dates are not;
* ``study_relative``: day 0 of the participant (the local date of enrolment) is moved to
  :data:`STUDY_DAY_ZERO`; time of day and intervals are kept, weekday is not.

The offsets are "additional information" under PIPA Art. 28-2 and live only in the
custodian's store. Shifting absolute (UTC) time keeps local time of day and weekday
exactly in zones without daylight saving time, such as Asia/Seoul.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Final


class DatePolicy(enum.StrEnum):
    """How an export moves dates."""

    SHIFT_WEEKS = "shift_weeks"
    STUDY_RELATIVE = "study_relative"


#: Study day 0 of every participant under ``study_relative``: a fixed Monday (the
#: origin the storage layer bins 5-minute buckets from), so synthetic dates count days.
STUDY_DAY_ZERO: Final = dt.date(2000, 1, 3)
#: Shifts are drawn from 1..52 weeks back: up to a year hides season and the calendar
#: events nearby (holidays, heat waves) while staying in the same weekday grid.
MAX_SHIFT_WEEKS: Final = 52


def random_week_offset_days(max_weeks: int = MAX_SHIFT_WEEKS) -> int:
    """A random backward shift of 1..``max_weeks`` whole weeks, in days (negative)."""
    if max_weeks < 1:
        raise ValueError(f"max_weeks must be >= 1, got {max_weeks}")
    return -7 * (1 + secrets.randbelow(max_weeks))


def study_relative_offset_days(day_zero: dt.date) -> int:
    """The offset that moves a participant's ``day_zero`` to :data:`STUDY_DAY_ZERO`."""
    return (STUDY_DAY_ZERO - day_zero).days


def shift(at: dt.datetime, offset_days: int) -> dt.datetime:
    """``at`` moved by ``offset_days`` (an aware datetime stays aware and in its zone)."""
    if at.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {at!r}")
    return at + dt.timedelta(days=offset_days)


def shift_date(day: dt.date, offset_days: int) -> dt.date:
    """A local calendar date moved by ``offset_days``."""
    return day + dt.timedelta(days=offset_days)


def study_day(shifted: dt.date) -> int:
    """Study day of a date already moved under ``study_relative`` (0 = enrolment day)."""
    return (shifted - STUDY_DAY_ZERO).days
