"""Request and response bodies of the ingestion API: the gateway contract (JSON schema).

Only structure is checked here (types, required and unknown fields: 422 naming the field).
Whether a reading is plausible is judged per reading by ``ingest.validation`` so that one
bad reading never costs the good ones beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict


class _Strict(BaseModel):
    # docs/privacy.md "Ingestion hygiene": unknown fields rejected. NaN/inf are let through
    # the schema so that the per-reading rules can reject that reading alone.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=True, frozen=True)


class ReadingIn(TypedDict):
    """One measurement from one device.

    A TypedDict rather than a model: a batch holds thousands of readings and pydantic
    validates plain dicts about twice as fast as it builds model instances.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=True)  # type: ignore[misc]

    device_id: Annotated[str, Field(description="device id issued at enrolment (UUID)")]
    metric: Annotated[str, Field(description="heart_rate | rr_interval | glucose | battery")]
    measured_at: Annotated[dt.datetime, Field(description="device time, ISO 8601 with offset")]
    value: Annotated[float | None, Field(description="number in `unit`; null only when censored")]
    unit: Annotated[str, Field(description="/min | ms | mg/dL | %")]
    flags: NotRequired[
        Annotated[
            list[str], Field(description="backfilled | censored_low | censored_high | no_contact")
        ]
    ]


class BatchIn(_Strict):
    """A gateway's upload: readings from the devices bound to its participants."""

    gateway_id: str
    sequence: int = Field(ge=0, description="per-gateway counter, increasing")
    sent_at: dt.datetime = Field(description="gateway clock at sending, ISO 8601 with offset")
    readings: list[ReadingIn]


class RejectionOut(BaseModel):
    """Why one reading was not stored."""

    index: int
    field: str
    reason: str


class BatchResultOut(BaseModel):
    """Counts for the batch; the gateway deletes from its outbox what was acknowledged."""

    accepted: int = Field(description="readings stored now")
    duplicates: int = Field(description="readings already stored (replays); not an error")
    rejected: list[RejectionOut]


class DeviceStatusIn(_Strict):
    """What the gateway knows about one device."""

    device_id: str
    address: str | None = None
    last_seen_at: dt.datetime | None = None
    battery_percent: int | None = Field(None, ge=0, le=100)
    rssi_dbm: int | None = Field(None, ge=-127, le=20)
    connected: bool = False


class HeartbeatIn(_Strict):
    """Gateway liveness and the state of its hops (devices, outbox, uplink)."""

    gateway_id: str
    sent_at: dt.datetime
    devices: list[DeviceStatusIn] = Field(default_factory=list)
    outbox_depth: int = Field(ge=0)
    outbox_dropped: int = Field(ge=0)
    last_upload_at: dt.datetime | None = None


class OkOut(BaseModel):
    ok: Literal[True] = True


class HealthOut(BaseModel):
    """Liveness of the API and its database."""

    status: Literal["ok", "degraded"]
    database: Literal["reachable", "unreachable"]
    backend: str = Field(description="plain | timescaledb | timescaledb-apache")
    server_version: int | None = None
