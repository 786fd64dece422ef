"""Bodies of the check-in routes: the gateway's upload and the participant's week.

Structure only (types, required and unknown fields, ranges): 422 naming the field.
Whether the answers fit the instrument (item numbers, every item once) is judged by
``ingest.checkins`` against the instrument file, also as a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from ingest.api.schemas import StoredText, _Strict


class CheckinAnswerIn(_Strict):
    """One item's answer, in the instrument's published item order."""

    item: int = Field(ge=1, le=15, description="item number, 1-15 in the published GDS-15 order")
    answer: Literal["yes", "no", "skip"]
    answered_at: AwareDatetime = Field(description="when it was answered, ISO 8601 with offset")


class CheckinIn(_Strict):
    """A completed check-in from the home gateway."""

    gateway_id: StoredText
    participant_id: uuid.UUID
    instrument: Literal["gds15", "daily2"] = Field(
        description="gds15 (weekly GDS-15) or daily2 (daily mood and loneliness)"
    )
    instrument_version: StoredText = Field(description="version of the instrument file used")
    completed_at: AwareDatetime = Field(description="when the last item was answered")
    answers: list[CheckinAnswerIn] = Field(min_length=1, max_length=15)


class CheckinResultOut(BaseModel):
    """The server's scoring of the check-in (the same on a replay of the same key)."""

    checkin_id: uuid.UUID
    status: Literal["stored", "duplicate"]
    score: int | None = Field(description="total, prorated for <= 3 skips; null if incomplete")
    scoring: Literal["complete", "prorated", "incomplete"]
    positive: bool | None = Field(description="at or above the cut-off (never shown at home)")
    cutoff: int | None


class LastCheckinOut(BaseModel):
    completed_at: dt.datetime
    seen_by_care_team: bool


class WeekOut(BaseModel):
    """A participant's week in plain numbers for their home page (never raw alarms)."""

    participant_id: uuid.UUID
    display_name: str | None = Field(description="the name they chose to be greeted by")
    wear_time_hours_7d: float = Field(description="hours with heart-rate data, last 7 days")
    time_in_range_pct_7d: float | None = Field(
        description="% of CGM readings 70-180 mg/dL, last 7 days (null without readings)"
    )
    last_checkin: LastCheckinOut | None
