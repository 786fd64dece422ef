"""Request and response bodies of the ingestion API: the gateway contract (JSON schema).

Only structure is checked here (types, required and unknown fields: 422 naming the field).
Whether a reading is plausible is judged per reading by ``ingest.validation`` so that one
bad reading never costs the good ones beside it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Final, Literal, NotRequired

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

# PostgreSQL's bigint: a larger sequence could not be stored ("bigint out of range").
BIGINT_MAX: Final = 2**63 - 1


def _storable(text: str) -> str:
    # PostgreSQL text and jsonb cannot hold U+0000 (SQLSTATE 22P05): refuse it here, as
    # a 422 naming the field, rather than at the INSERT.
    if "\x00" in text:
        raise ValueError("must not contain the NUL character (\\u0000)")
    return text


# A string that is stored as sent (ids, addresses): bounded and storable.
StoredText = Annotated[str, Field(max_length=200), AfterValidator(_storable)]


class _Strict(BaseModel):
    # docs/privacy.md "Ingestion hygiene": unknown fields rejected; no coercion ("72" is not a
    # number, true is not a sequence, an epoch number is not a timestamp). NaN/inf are let
    # through the schema so that the per-reading rules can reject that reading alone.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=True, frozen=True, strict=True)


class ReadingIn(TypedDict):
    """One measurement from one device.

    A TypedDict rather than a model: a batch holds thousands of readings and pydantic
    validates plain dicts about twice as fast as it builds model instances.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=True, strict=True)  # type: ignore[misc]

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

    gateway_id: StoredText
    sequence: int = Field(ge=0, le=BIGINT_MAX, description="per-gateway counter, increasing")
    sent_at: AwareDatetime = Field(description="gateway clock at sending, ISO 8601 with offset")
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

    device_id: uuid.UUID = Field(description="device id issued at enrolment")
    address: StoredText | None = None
    last_seen_at: AwareDatetime | None = None
    battery_percent: int | None = Field(None, ge=0, le=100)
    rssi_dbm: int | None = Field(None, ge=-127, le=20)
    connected: bool = False


class HeartbeatIn(_Strict):
    """Gateway liveness and the state of its hops (devices, outbox, uplink)."""

    gateway_id: StoredText
    sent_at: AwareDatetime
    devices: list[DeviceStatusIn] = Field(default_factory=list, max_length=64)
    outbox_depth: int = Field(ge=0, le=BIGINT_MAX)
    outbox_dropped: int = Field(ge=0, le=BIGINT_MAX)
    last_upload_at: AwareDatetime | None = None


class ProblemOut(BaseModel):
    """Why a request was refused: a sentence, or for a malformed body the fields at fault
    (``loc``, ``msg``, ``type``; never the request's content)."""

    detail: str | list[dict[str, Any]]


class OkOut(BaseModel):
    ok: Literal[True] = True


class HealthOut(BaseModel):
    """Liveness of the API and its database."""

    status: Literal["ok", "degraded"]
    database: Literal["reachable", "unreachable"]
    backend: str = Field(description="plain | timescaledb | timescaledb-apache")
    server_version: int | None = None
