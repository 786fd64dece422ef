"""FHIR R4 resources as NDJSON (Bulk Data style: one file per resource type).

* Patient: the pseudonym as identifier and id, the age band in an extension; nothing
  else (no name, gender, birth date, address, telecom).
* Device: type and model only (no serial number, UDI or BLE address).
* Observation: heart rate (LOINC 8867-4, UCUM /min, vital-signs heartrate profile),
  RR interval (IEEE 11073-10101 MDC_ECG_TIME_PD_RR_GL 147240 and LOINC 8637-1, ms), CGM
  glucose (LOINC 99504-3, mg/dL, HL7 CGM IG profile cgm-sensor-reading-mass-per-volume),
  and per participant the HL7 CGM IG summary: times in ranges (LOINC 106793-3 with its
  five parts), mean glucose 97507-8, GMI 97506-0, CV 104638-2, days of wear 104636-6,
  sensor active 104637-4, grouped by a cgm-summary Observation (hasMember).
* QuestionnaireResponse: one per wellbeing check-in (docs/checkins.md), each item's
  answer under the item's number as linkId, the instrument and its version as the
  questionnaire; for GDS-15 also an Observation of its score (LOINC 48545-8, "Geriatric
  depression scale (GDS) short version total", in the GDS panel 48543-3) derived from it.

Ids are keyed pseudonyms of what the resource describes (device, metric, shifted time),
so a re-run of the project yields the same ids and a re-submission no duplicates.
Censored CGM readings (LOW/HIGH without a number) are left out here; the tabular
outputs carry them with their flag.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, TextIO

from ingest.export.pseudonym import pseudonym
from ingest.export.tables import Column

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
MDC: Final = "urn:iso:std:iso:11073:10101"
OBS_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
# HL7 FHIR CGM IG 1.0.0 (http://hl7.org/fhir/uv/cgm/): profiles and its code system.
CGM_IG: Final = "http://hl7.org/fhir/uv/cgm"
CGM_CODES: Final = f"{CGM_IG}/CodeSystem/cgm-summary-codes-temporary"
#: GDS-15 total score (LOINC 48545-8, unit {score}; LOINC 2.77).
GDS15_TOTAL: Final = {
    "system": "http://loinc.org",
    "code": "48545-8",
    "display": "Geriatric depression scale (GDS) short version total",
}
#: Canonical prefix of our instruments (checkins/instruments/<id>.json, version after |).
INSTRUMENT_CANONICAL: Final = "urn:wearmon:instrument:"
#: Extension carrying the released age band (no standard element holds a band).
AGE_BAND_EXTENSION: Final = "urn:wearmon:fhir:extension:age-band"
#: identifier.system of pseudonyms; the value is only meaningful within one project.
PSEUDONYM_SYSTEM: Final = "urn:wearmon:export:pseudonym"


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _quantity(value: float, unit: str) -> dict[str, object]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


#: metric -> (codings, UCUM unit, category, profile).
READING_CODES: Final[Mapping[str, tuple[list[dict[str, str]], str, str, str]]] = {
    "heart_rate": (
        [_coding(LOINC, "8867-4", "Heart rate")],
        "/min",
        "vital-signs",
        "http://hl7.org/fhir/StructureDefinition/heartrate",
    ),
    "rr_interval": (
        [
            _coding(MDC, "147240", "MDC_ECG_TIME_PD_RR_GL"),
            _coding(LOINC, "8637-1", "R-R interval by EKG"),
        ],
        "ms",
        "vital-signs",
        "",
    ),
    "glucose": (
        [_coding(LOINC, "99504-3", "Glucose [Mass/volume] in Interstitial fluid")],
        "mg/dL",
        "laboratory",
        f"{CGM_IG}/StructureDefinition/cgm-sensor-reading-mass-per-volume",
    ),
}

#: Times in ranges panel and its parts (LOINC; ranges of Battelino et al. 2019).
TIR_PANEL: Final = _coding(LOINC, "106793-3", "Glucose times in ranges panel")
TIR_PARTS: Final = (
    ("very_low_percent", _coding(LOINC, "104642-4", "Time in very low range")),
    ("low_percent", _coding(LOINC, "104641-6", "Time in low range")),
    ("in_range_percent", _coding(LOINC, "97510-2", "Time in target range")),
    ("high_percent", _coding(LOINC, "104640-8", "Time in high range")),
    ("very_high_percent", _coding(LOINC, "104639-0", "Time in very high range")),
)
#: Single-valued summary observations: column, coding, UCUM unit.
SUMMARY_VALUES: Final = (
    ("mean_mg_dl", _coding(LOINC, "97507-8", "Mean glucose"), "mg/dL"),
    ("gmi_percent", _coding(LOINC, "97506-0", "Glucose management indicator"), "%"),
    ("cv_percent", _coding(LOINC, "104638-2", "Glucose coefficient of variation"), "%"),
    ("days_of_wear", _coding(LOINC, "104636-6", "Days of CGM wear"), "d"),
    ("active_percent", _coding(LOINC, "104637-4", "CGM sensor active time"), "%"),
)


def _observation(
    oid: str, owner: str, category: str, codings: list[dict[str, str]], **fields: object
) -> dict[str, object]:
    """A final Observation of ``owner`` with its id as identifier, then ``fields``."""
    return {
        "resourceType": "Observation",
        "id": oid,
        "identifier": [{"system": PSEUDONYM_SYSTEM, "value": oid}],
        "status": "final",
        "category": [{"coding": [_coding(OBS_CATEGORY, category, category)]}],
        "code": {"coding": codings},
        "subject": {"reference": f"Patient/{owner}"},
        **fields,
    }


def patient(pseudo: str, age_band: str | None) -> dict[str, object]:
    """A Patient carrying only the pseudonym and (if released) the age band."""
    resource: dict[str, object] = {
        "resourceType": "Patient",
        "id": pseudo,
        "identifier": [{"system": PSEUDONYM_SYSTEM, "value": pseudo}],
    }
    if age_band is not None:
        resource["extension"] = [{"url": AGE_BAND_EXTENSION, "valueString": age_band}]
    return resource


def device(device_pseudo: str, owner: str, kind: str, model: str | None) -> dict[str, object]:
    """A Device without serial number or address."""
    coding = [_coding(MDC, "528409", "MDC_DEV_SPEC_PROFILE_CGM")] if kind == "cgm" else []
    resource: dict[str, object] = {
        "resourceType": "Device",
        "id": device_pseudo,
        "type": {"coding": coding, "text": "CGM" if kind == "cgm" else "heart-rate sensor"},
        "patient": {"reference": f"Patient/{owner}"},
    }
    if model:
        resource["modelNumber"] = model
    return resource


def reading(
    obs_id: str, owner: str, device_pseudo: str, metric: str, at: dt.datetime, value: float
) -> dict[str, object]:
    """One sensor reading as an Observation."""
    codings, unit, category, profile = READING_CODES[metric]
    resource = _observation(
        obs_id,
        owner,
        category,
        codings,
        device={"reference": f"Device/{device_pseudo}"},
        effectiveDateTime=at.isoformat(),
        valueQuantity=_quantity(value, unit),
    )
    if profile:
        resource["meta"] = {"profile": [profile]}
    return resource


def cgm_summary(key: bytes, row: Mapping[str, object], tz: dt.tzinfo) -> list[dict[str, object]]:
    """The CGM IG summary of one participant: member Observations, then the summary."""
    owner = str(row["pseudonym"])
    start, end = row["period_start"], row["period_end"]
    assert isinstance(start, dt.datetime)
    assert isinstance(end, dt.datetime)
    period = {"start": start.astimezone(tz).isoformat(), "end": end.astimezone(tz).isoformat()}

    def obs(tag: str, code: dict[str, str], **value: object) -> dict[str, object]:
        oid = pseudonym(key, "observation", f"{owner}|cgm-summary|{tag}|{period['start']}")
        return _observation(oid, owner, "laboratory", [code], effectivePeriod=period, **value)

    members = [
        obs(column, code, valueQuantity=_quantity(float(str(row[column])), unit))
        for column, code, unit in SUMMARY_VALUES
        if row[column] is not None
    ]
    parts = [
        {"code": {"coding": [code]}, "valueQuantity": _quantity(float(str(row[col])), "%")}
        for col, code in TIR_PARTS
        if row[col] is not None
    ]
    if parts:
        members.append(obs("times-in-ranges", TIR_PANEL, component=parts))
    summary = obs(
        "summary",
        _coding(CGM_CODES, "cgm-summary", "CGM Summary Report"),
        hasMember=[{"reference": f"Observation/{m['id']}"} for m in members],
    )
    summary["meta"] = {"profile": [f"{CGM_IG}/StructureDefinition/cgm-summary"]}
    return [*members, summary]


def checkin(
    key: bytes,
    owner: str,
    head: Mapping[str, object],
    answers: Sequence[tuple[int, str]],
    tz: dt.tzinfo,
) -> list[dict[str, object]]:
    """One check-in (``head``: a row of the checkins table) as a QuestionnaireResponse and,
    for GDS-15, the Observation of its score."""
    instrument, version = str(head["instrument"]), str(head["instrument_version"])
    done = head["completed_at"]
    assert isinstance(done, dt.datetime)
    authored = done.astimezone(tz).isoformat()
    qid = pseudonym(key, "questionnaire-response", f"{owner}|{instrument}|{authored}")
    response: dict[str, object] = {
        "resourceType": "QuestionnaireResponse",
        "id": qid,
        "identifier": {"system": PSEUDONYM_SYSTEM, "value": qid},
        "questionnaire": f"{INSTRUMENT_CANONICAL}{instrument}|{version}",
        "status": "completed",
        "subject": {"reference": f"Patient/{owner}"},
        "authored": authored,
        "item": [
            {"linkId": str(item), "answer": [{"valueString": answer}]} for item, answer in answers
        ],
    }
    score = head["score"]
    if instrument != "gds15" or score is None:
        return [response]
    oid = pseudonym(key, "observation", f"{owner}|{instrument}-score|{authored}")
    observation = _observation(
        oid,
        owner,
        "survey",
        [GDS15_TOTAL],
        effectiveDateTime=authored,
        valueQuantity=_quantity(float(str(score)), "{score}"),
        derivedFrom=[{"reference": f"QuestionnaireResponse/{qid}"}],
    )
    return [response, observation]


class _CheckinSink:
    """Rows of the checkins table (one per answer, in check-in order) to resources: the
    answers of a check-in are gathered until the next check-in's first row or the end."""

    def __init__(self, owner: FhirFormat, columns: Sequence[Column]) -> None:
        self._owner = owner
        self._names = [c.name for c in columns]
        self._head: dict[str, object] | None = None
        self._answers: list[tuple[int, str]] = []

    @staticmethod
    def _key(row: Mapping[str, object]) -> tuple[object, ...]:
        return (row["pseudonym"], row["instrument"], row["completed_at"])

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        for values in rows:
            row = dict(zip(self._names, values, strict=True))
            if self._head is not None and self._key(row) != self._key(self._head):
                self._flush()
            if self._head is None:
                self._head = row
            self._answers.append((int(str(row["item"])), str(row["answer"])))

    def _flush(self) -> None:
        if self._head is None:
            return
        o = self._owner
        owner = str(self._head["pseudonym"])
        for resource in checkin(o.key, owner, self._head, self._answers, o.tz):
            o.line(resource)
        self._head, self._answers = None, []

    def finish(self) -> None:
        self._flush()


class _Sink:
    def __init__(self, owner: FhirFormat, table: str, columns: Sequence[Column]) -> None:
        self._owner, self._table = owner, table
        self._names = [c.name for c in columns]

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        o = self._owner
        for row in rows:
            for resource in o.resources(self._table, dict(zip(self._names, row, strict=True))):
                o.line(resource)

    def finish(self) -> None:
        return None


class FhirFormat:
    """Patients, Devices, Observations and QuestionnaireResponses of an export, one
    NDJSON file per type."""

    TABLES: Final = ("participants", "devices", "readings", "cgm_metrics", "checkins")

    def __init__(
        self, folder: Path, key: bytes, tz: dt.tzinfo, labels: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.folder, self.key, self.tz, self.labels = folder, key, tz, labels
        self._files: dict[str, TextIO] = {}
        self._counts: dict[Path, int] = {}

    def open(self, table: str, columns: Sequence[Column]) -> _Sink | _CheckinSink | None:
        if table == "checkins":
            return _CheckinSink(self, columns)
        return _Sink(self, table, columns) if table in self.TABLES else None

    def resources(self, table: str, row: Mapping[str, object]) -> list[dict[str, object]]:
        """The resources one row of ``table`` becomes."""
        if table == "participants":
            return [patient(str(row["pseudonym"]), _band(row.get("age")))]
        if table == "devices":
            model = row["model"]
            return [
                device(
                    str(row["device"]),
                    str(row["pseudonym"]),
                    str(row["kind"]),
                    None if model is None else str(model),
                )
            ]
        if table == "readings":
            return self._reading(row)
        return cgm_summary(self.key, row, self.tz)

    def _reading(self, row: Mapping[str, object]) -> list[dict[str, object]]:
        metric, value, at = str(row["metric"]), row["value"], row["measured_at"]
        if value is None or metric not in READING_CODES:
            return []
        assert isinstance(at, dt.datetime)
        local = at.astimezone(self.tz)
        dev = str(row["device"])
        oid = pseudonym(self.key, "observation", f"{dev}|{metric}|{local.isoformat()}")
        return [reading(oid, str(row["pseudonym"]), dev, metric, local, float(str(value)))]

    def line(self, resource: dict[str, object]) -> None:
        """Append a resource to the file of its type."""
        kind = str(resource["resourceType"])
        path = self.folder / f"{kind}.ndjson"
        if kind not in self._files:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._files[kind] = path.open("w", encoding="utf-8")
            self._counts[path] = 0
        self._files[kind].write(json.dumps(resource, separators=(",", ":")) + "\n")
        self._counts[path] += 1

    def close(self) -> dict[Path, int]:
        for f in self._files.values():
            f.close()
        return dict(self._counts)


def _band(value: object) -> str | None:
    return None if value is None or value == "*" else str(value)
