"""FHIR R4 and Open mHealth outputs validate, with the codes and units they must carry.

FHIR: each resource through ``fhir.resources.R4B`` (structure and types; the models do
not check code systems), plus our own checks of codes, systems and units. Open mHealth:
each data point against data-point 1.0 and its body against the measure schema, using
the schemas in tests/fixtures/openmhealth (Apache-2.0, copied unchanged).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from ingest.export.projects import ProjectSpec, create_project
from ingest.export.run import run_export
from tests.ingest.export.conftest import Cohort

pytestmark = pytest.mark.db

SCHEMAS = Path(__file__).parents[2] / "fixtures" / "openmhealth"
LOINC, UCUM, MDC = "http://loinc.org", "http://unitsofmeasure.org", "urn:iso:std:iso:11073:10101"
EXPECTED_CODES = {
    ("8867-4",): "/min",
    ("147240", "8637-1"): "ms",
    ("99504-3",): "mg/dL",
    ("97507-8",): "mg/dL",
    ("97506-0",): "%",
    ("104638-2",): "%",
    ("104636-6",): "d",
    ("104637-4",): "%",
    ("48545-8",): "{score}",
}
TIR_PARTS = {"104642-4", "104641-6", "97510-2", "104640-8", "104639-0"}


@pytest.fixture
def out(cohort: Cohort, tmp_path: Path) -> Path:
    spec = ProjectSpec(
        name="interop",
        purpose="interoperability check",
        approval_id="IRB-1",
        recipient="rita.researcher",
        destroy_after=dt.date(2027, 1, 31),
        contents=("readings", "cgm_metrics", "checkins"),
        formats=("fhir", "omh"),
    )
    with psycopg.connect(cohort.url) as conn:
        create_project(conn, spec, actor="t", today=dt.date(2026, 12, 6))
        run_export(
            conn,
            "interop",
            tmp_path / "o",
            actor="t",
            now=lambda: dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
        )
    return tmp_path / "o"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fhir_resources_validate_and_carry_the_right_codes(out: Path) -> None:
    patients = _lines(out / "fhir/Patient.ndjson")
    devices = _lines(out / "fhir/Device.ndjson")
    observations = _lines(out / "fhir/Observation.ndjson")
    for p in patients:
        Patient.model_validate(p)
        assert set(p) <= {"resourceType", "id", "identifier", "extension"}
    for d in devices:
        Device.model_validate(d)
        assert "serialNumber" not in d
        assert "udiCarrier" not in d
    seen: set[str] = set()
    for o in observations:
        Observation.model_validate(o)
        codes = tuple(c["code"] for c in o["code"]["coding"])
        seen.update(codes)
        if "valueQuantity" in o:
            q = o["valueQuantity"]
            assert q["system"] == UCUM
            assert q["code"] == EXPECTED_CODES[codes], codes
        if codes == ("106793-3",):
            parts = {c["code"]["coding"][0]["code"] for c in o["component"]}
            assert parts <= TIR_PARTS
            assert len(parts) >= 3
        if codes == ("cgm-summary",):
            assert o["hasMember"]
        systems = {c["system"] for c in o["code"]["coding"]}
        assert systems <= {
            LOINC,
            MDC,
            "http://hl7.org/fhir/uv/cgm/CodeSystem/cgm-summary-codes-temporary",
        }
    assert {
        "8867-4",
        "147240",
        "99504-3",
        "106793-3",
        "97506-0",
        "104638-2",
        "104636-6",
        "104637-4",
        "cgm-summary",
    } <= seen
    ids = [o["id"] for o in observations]
    assert len(ids) == len(set(ids))


def test_fhir_check_ins_are_questionnaire_responses_with_the_gds15_score(
    cohort: Cohort, out: Path
) -> None:
    responses = _lines(out / "fhir/QuestionnaireResponse.ndjson")
    # One weekly GDS-15 per participant, the withdrawn participant left out (conftest:
    # participant i answers "yes" to items 1..i, so the score is i).
    assert len(responses) == len(cohort.checkins) - 1
    patients = {p["id"] for p in _lines(out / "fhir/Patient.ndjson")}
    scores = {
        o["derivedFrom"][0]["reference"]: o
        for o in _lines(out / "fhir/Observation.ndjson")
        if o["code"]["coding"][0]["code"] == "48545-8"
    }
    assert len(scores) == len(responses)
    for r in responses:
        QuestionnaireResponse.model_validate(r)
        assert r["questionnaire"] == "urn:wearmon:instrument:gds15|1.0.0"
        assert r["subject"]["reference"].removeprefix("Patient/") in patients
        items = [(int(i["linkId"]), i["answer"][0]["valueString"]) for i in r["item"]]
        assert [i for i, _ in items] == list(range(1, 16))
        yes = sum(answer == "yes" for _, answer in items)
        assert items == [(i, "yes" if i <= yes else "no") for i in range(1, 16)]
        score = scores[f"QuestionnaireResponse/{r['id']}"]
        Observation.model_validate(score)
        assert score["valueQuantity"]["value"] == yes
        assert score["valueQuantity"]["code"] == "{score}"
        assert score["effectiveDateTime"] == r["authored"]
        assert score["subject"] == r["subject"]
        # Times are shifted like every other table: not the stored completion time.
        assert dt.datetime.fromisoformat(r["authored"]) not in cohort.checkins.values()


def test_fhir_observation_ids_are_stable_across_runs(
    cohort: Cohort, out: Path, tmp_path: Path
) -> None:
    with psycopg.connect(cohort.url) as conn:
        run_export(
            conn,
            "interop",
            tmp_path / "again",
            actor="t",
            now=lambda: dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
        )
    first = [o["id"] for o in _lines(out / "fhir/Observation.ndjson")]
    second = [o["id"] for o in _lines(tmp_path / "again/fhir/Observation.ndjson")]
    assert first == second


def _registry() -> Registry:
    """Every fixture schema under its file name and, for the IEEE 1752.1 absolute ids
    blood-glucose-4.0 refers to, under that URL (resolved offline to the same file)."""
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        for uri in (
            f"https://w3id.org/openmhealth/schemas/omh/{path.name}",
            f"https://w3id.org/ieee/ieee-1752-schema/{path.name}",
        ):
            registry = registry.with_resource(uri, resource)
    return registry


def _validate(instance: object, schema_file: str, registry: Registry) -> None:
    uri = f"https://w3id.org/openmhealth/schemas/omh/{schema_file}"
    cls = jsonschema.validators.validator_for(registry.contents(uri))
    # A $ref to the registered URI, so relative $refs inside resolve against it.
    validator = cls({"$ref": uri}, registry=registry, format_checker=cls.FORMAT_CHECKER)
    validator.validate(instance)


@pytest.mark.parametrize(
    ("file", "schema", "prop", "unit"),
    [
        ("heart-rate.ndjson", "heart-rate-2.0.json", "heart_rate", "beats/min"),
        ("rr-interval.ndjson", "rr-interval-1.0.json", "rr_interval", "ms"),
        ("blood-glucose.ndjson", "blood-glucose-4.0.json", "blood_glucose", "mg/dL"),
    ],
)
def test_open_mhealth_data_points_validate(
    out: Path, file: str, schema: str, prop: str, unit: str
) -> None:
    registry = _registry()
    points = _lines(out / "omh" / file)
    assert points
    for point in points:
        _validate(point, "data-point-1.0.json", registry)
        _validate(point["header"], "header-1.2.json", registry)
        _validate(point["body"], schema, registry)
        assert point["body"][prop]["unit"] == unit
        assert point["header"]["schema_id"]["name"] == schema.rsplit("-", 1)[0]
        if prop == "blood_glucose":
            assert point["body"]["specimen_source"] == "interstitial fluid"


def test_schema_validation_can_fail(out: Path) -> None:
    point = _lines(out / "omh/blood-glucose.ndjson")[0]
    point["body"]["blood_glucose"]["unit"] = "mg"
    with pytest.raises(jsonschema.ValidationError, match="mg"):
        _validate(point["body"], "blood-glucose-4.0.json", _registry())
    del point["header"]["schema_id"]
    with pytest.raises(jsonschema.ValidationError, match="schema_id"):
        _validate(point["header"], "header-1.2.json", _registry())
