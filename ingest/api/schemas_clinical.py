"""Response bodies of the clinical read API (the care team's clinicians only).

These models carry identity (name, phone, device serials): they are returned only to a
clinician whose care team holds the participant. Nothing researcher-facing uses them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

Priority = Literal["HIGH", "MEDIUM", "LOW"]


class GlucoseGlanceOut(BaseModel):
    """14-day CGM figures for the triage row (percent of readings)."""

    readings: int
    tbr54_pct: float | None = Field(description="readings < 54 mg/dL, % (LOW counts)")
    tbr70_pct: float | None = Field(description="readings < 70 mg/dL, %")
    tir_pct: float | None = Field(description="readings 70-180 mg/dL, %")
    sufficiency_pct: float = Field(description="5-min slots with a reading, %")
    sufficient: bool = Field(description="sufficiency >= 70 % (14-day consensus report)")


class TriageItemOut(BaseModel):
    participant_id: uuid.UUID
    display_name: str | None
    last_seen: dt.datetime | None
    heart_rate_last_seen: dt.datetime | None
    glucose_last_seen: dt.datetime | None
    wear_pct_24h: float = Field(description="5-min slots of the last 24 h with heart rate, %")
    battery_pct: float | None = Field(description="lowest battery in the newest battery bucket")
    highest_priority: Priority | None
    alerts: dict[str, dict[str, int]] = Field(
        description="unresolved alerts: kind -> priority -> count"
    )
    unacknowledged: int
    glucose_14d: GlucoseGlanceOut
    last_reviewed_by: str | None
    last_reviewed_at: dt.datetime | None
    af_burden_pct_24h: float | None = Field(
        description="highest share of monitored time in AF-like rhythm over the af_burden "
        "rule's 1-h look-back, among its alerts seen in the last 24 h, %; null: no such alert"
    )


class TriageOut(BaseModel):
    """Most urgent first: highest unresolved priority (physiological before technical at
    equal priority), then 14-day share below 54 mg/dL (desc), then CGM sufficiency (asc)."""

    items: list[TriageItemOut]


class ReviewOut(BaseModel):
    participant_id: uuid.UUID
    review_id: int
    reviewed_by: str
    reviewed_at: dt.datetime | None
    undone: bool = False


class IdentityOut(BaseModel):
    full_name: str
    birth_year: int
    sex: str
    district: str
    phone: str | None
    study_id: str
    time_zone: str
    consent_status: str
    enrolled_at: dt.datetime


class DeviceOut(BaseModel):
    device_id: uuid.UUID
    kind: str
    model: str | None
    serial: str | None
    ble_address: str | None
    last_seen: dt.datetime | None
    battery_pct: float | None
    battery_at: dt.datetime | None


class BucketOut(BaseModel):
    bucket: dt.datetime = Field(description="start of the 5-minute bucket")
    n: int
    mean: float | None
    min: float | None
    max: float | None


class CheckinOut(BaseModel):
    """One wellbeing check-in's result (the GDS-15 score trend)."""

    completed_at: dt.datetime
    instrument: str = Field(description="gds15 (weekly) or daily2 (daily)")
    instrument_version: str
    score: int | None = Field(description="null when more than 3 items were skipped")
    cutoff: int | None
    positive: bool | None = Field(description="score >= cutoff; a screen, not a diagnosis")
    scoring: str = Field(description="complete | prorated | incomplete")
    risk: bool


class ParticipantOut(BaseModel):
    participant_id: uuid.UUID
    identity: IdentityOut
    devices: list[DeviceOut]
    gateway: dict[str, Any] = Field(description="data path state; failing_hop names the link")
    window: dict[str, dt.datetime]
    trends: dict[str, list[BucketOut]] = Field(description="heart_rate and rr_interval")
    heart: dict[str, Any] = Field(
        description="HRV (median of 5-min windows) and AF burden over the newest `hours` "
        "(the heart_hours asked for)"
    )
    glucose: dict[str, Any] = Field(description="14-day metrics, AGP, sufficiency")
    data_quality: dict[str, Any]
    open_alerts: list[dict[str, Any]]
    checkins: list[CheckinOut] = Field(
        default_factory=list, description="wellbeing check-ins of the last year, oldest first"
    )


class ReadingOut(BaseModel):
    measured_at: dt.datetime
    value: float | None
    flags: list[str]


class ReadingsOut(BaseModel):
    participant_id: uuid.UUID
    metric: str
    start: dt.datetime = Field(alias="from")
    end: dt.datetime = Field(alias="to")
    items: list[ReadingOut]

    model_config = {"populate_by_name": True}
