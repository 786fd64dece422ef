"""Open mHealth data points (data-point 1.0, header 1.2) as NDJSON, one file per schema.

Bodies follow heart-rate 2.0, rr-interval 1.0 and blood-glucose 4.0 (specimen source
"interstitial fluid": a CGM measures interstitial glucose) from the Open mHealth schema
library (https://www.openmhealth.org/documentation/#/schema-docs/schema-library).
Censored CGM readings (sensor LOW/HIGH, no number) have no Open mHealth form and are
left out; the tabular outputs carry them with their flag.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TextIO

from ingest.export.pseudonym import pseudonym
from ingest.export.tables import Column

#: metric -> (schema name, version, body property, unit as the schema spells it).
SCHEMAS: Final = {
    "heart_rate": ("heart-rate", "2.0", "heart_rate", "beats/min"),
    "rr_interval": ("rr-interval", "1.0", "rr_interval", "ms"),
    "glucose": ("blood-glucose", "4.0", "blood_glucose", "mg/dL"),
}


def data_point(
    *,
    point_id: str,
    user: str,
    metric: str,
    at: dt.datetime,
    value: float,
    created: dt.datetime,
) -> dict[str, object]:
    """One data point with its header; ``at`` already shifted and in local time."""
    name, version, prop, unit = SCHEMAS[metric]
    body: dict[str, object] = {
        prop: {"value": value, "unit": unit},
        "effective_time_frame": {"date_time": at.isoformat()},
    }
    if metric == "glucose":
        body["specimen_source"] = "interstitial fluid"
    return {
        "header": {
            "id": point_id,
            "creation_date_time": created.isoformat(),
            "schema_id": {"namespace": "omh", "name": name, "version": version},
            "acquisition_provenance": {"source_name": "wearmon", "modality": "sensed"},
            "user_id": user,
        },
        "body": body,
    }


class _ReadingsSink:
    def __init__(self, owner: OmhFormat) -> None:
        self._owner = owner

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        o = self._owner
        for user, device, metric, at, value, _unit, _flags in rows:
            if value is None or metric not in SCHEMAS:
                continue
            assert isinstance(at, dt.datetime)
            local = at.astimezone(o.tz)
            point = data_point(
                point_id=pseudonym(o.key, "observation", f"{device}|{metric}|{local.isoformat()}"),
                user=str(user),
                metric=str(metric),
                at=local,
                value=float(str(value)),
                created=o.created,
            )
            o.line(str(metric), point)

    def finish(self) -> None:
        return None


class OmhFormat:
    """Raw readings as Open mHealth data points (the other tables have no OMH schema)."""

    def __init__(self, folder: Path, key: bytes, tz: dt.tzinfo, created: dt.datetime) -> None:
        self.folder, self.key, self.tz, self.created = folder, key, tz, created
        self._files: dict[str, TextIO] = {}
        self._counts: dict[Path, int] = {}

    def open(self, table: str, columns: Sequence[Column]) -> _ReadingsSink | None:
        return _ReadingsSink(self) if table == "readings" else None

    def line(self, metric: str, point: dict[str, object]) -> None:
        """Append one data point to its schema's file."""
        path = self.folder / f"{SCHEMAS[metric][0]}.ndjson"
        if metric not in self._files:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._files[metric] = path.open("w", encoding="utf-8")
            self._counts[path] = 0
        self._files[metric].write(json.dumps(point, separators=(",", ":")) + "\n")
        self._counts[path] += 1

    def close(self) -> dict[Path, int]:
        for f in self._files.values():
            f.close()
        return dict(self._counts)
