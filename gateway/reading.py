"""One reading as the ingestion API receives it, and its JSON form (the HTTP contract).

The contract is JSON, not shared code: ``POST /api/v1/ingest/batch`` takes readings of
``{"device_id", "metric", "measured_at", "value", "unit", "flags"}``. Instants are sent in
UTC with microseconds and an explicit offset so that re-sent readings serialise to the same
natural key (device, metric, measured_at) on the server.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Final, Literal, get_args

Metric = Literal["heart_rate", "rr_interval", "glucose", "battery"]
Flag = Literal["backfilled", "censored_low", "censored_high", "no_contact"]

# Units per metric as the ingestion contract names them (UCUM: "/min" for heart rate).
UNIT_BY_METRIC: Final[dict[str, str]] = {
    "heart_rate": "/min",
    "rr_interval": "ms",
    "glucose": "mg/dL",
    "battery": "%",
}
KNOWN_FLAGS: Final[frozenset[str]] = frozenset(get_args(Flag))


@dataclass(frozen=True, slots=True)
class Reading:
    """One measurement bound for the ingestion API.

    Attributes
    ----------
    device_id : str
        The device's id as enrolled on the server (a UUID string).
    metric : Metric
        What was measured; fixes the unit.
    measured_at : datetime.datetime
        Time zone-aware instant of the measurement.
    value : float or None
        The number in the metric's unit; None only for censored glucose.
    flags : tuple of str
        Subset of :data:`KNOWN_FLAGS`, in a stable order.
    """

    device_id: str
    metric: Metric
    measured_at: dt.datetime
    value: float | None
    flags: tuple[Flag, ...] = ()

    def __post_init__(self) -> None:
        if self.measured_at.utcoffset() is None:
            raise ValueError(
                f"measured_at must be time zone-aware, got naive {self.measured_at!r}; "
                "build it with tzinfo=datetime.UTC"
            )
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"value must be finite or None, got {self.value!r}")

    @property
    def unit(self) -> str:
        """The contract's unit for this reading's metric."""
        return UNIT_BY_METRIC[self.metric]

    def to_json(self) -> dict[str, object]:
        """Return the reading as the contract's JSON object (``flags`` only when set)."""
        body: dict[str, object] = {
            "device_id": self.device_id,
            "metric": self.metric,
            "measured_at": format_instant(self.measured_at),
            "value": self.value,
            "unit": self.unit,
        }
        if self.flags:
            body["flags"] = list(self.flags)
        return body


def format_instant(instant: dt.datetime) -> str:
    """Format an aware datetime as ISO 8601 in UTC with microseconds, e.g. ``...00.000000+00:00``.

    Parameters
    ----------
    instant : datetime.datetime
        Time zone-aware instant.

    Returns
    -------
    str
        The instant in UTC, always with six fractional digits and a ``+00:00`` offset.
    """
    if instant.utcoffset() is None:
        raise ValueError(f"cannot send a naive datetime {instant!r}; attach a time zone")
    return instant.astimezone(dt.UTC).isoformat(timespec="microseconds")
