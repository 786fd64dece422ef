"""Enrol the virtual cohort exactly as an admin would (participants, devices, gateways)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from ingest.storage.enrolment import (
    ParticipantIdentity,
    enrol_device,
    enrol_gateway,
    enrol_participant,
)
from simulators.physiology.cohort import ParticipantSpec

STUDY_ID = "seoul-pilot-demo"
ACTOR = "demo"


@dataclass(frozen=True, slots=True)
class EnrolledHome:
    """One participant's home: the simulated person and what the server issued."""

    spec: ParticipantSpec
    participant_id: uuid.UUID
    hr_device_id: uuid.UUID
    cgm_device_id: uuid.UUID
    gateway_id: uuid.UUID
    token: str

    def manifest_entry(self) -> dict[str, object]:
        """What the manifest says about this home (no token: it is a credential)."""
        return {
            "participant_id": str(self.participant_id),
            "label": self.spec.participant_id,
            "scenario": self.spec.scenario.name,
            "scenario_description": self.spec.scenario.description,
            "hr_device_id": str(self.hr_device_id),
            "cgm_device_id": str(self.cgm_device_id),
            "gateway_id": str(self.gateway_id),
            "hr_address": self.spec.hr_device.address,
            "cgm_address": self.spec.cgm_device.address,
        }


def enrol_cohort(
    conn: psycopg.Connection[tuple[object, ...]], specs: Sequence[ParticipantSpec]
) -> list[EnrolledHome]:
    """Enrol every participant with an HR sensor, a CGM and a gateway of their own."""
    return [_enrol(conn, spec) for spec in specs]


def _enrol(conn: psycopg.Connection[tuple[object, ...]], spec: ParticipantSpec) -> EnrolledHome:
    identity = ParticipantIdentity(
        full_name=f"Demo participant {spec.participant_id}",
        birth_year=spec.birth_year,
        sex=spec.sex,
        district=spec.district,
        preferred_name=spec.participant_id,
    )
    pid = enrol_participant(
        conn, study_id=STUDY_ID, identity=identity, time_zone="Asia/Seoul", actor=ACTOR
    )
    hr = enrol_device(
        conn,
        participant_id=pid,
        kind="hr",
        address=spec.hr_device.address,
        model="wearmon virtual HRM",
        serial=spec.hr_device.serial,
        actor=ACTOR,
    )
    cgm = enrol_device(
        conn,
        participant_id=pid,
        kind="cgm",
        address=spec.cgm_device.address,
        model="wearmon virtual CGM",
        serial=spec.cgm_device.serial,
        actor=ACTOR,
    )
    gateway_id, token = enrol_gateway(conn, participant_ids=[pid], actor=ACTOR)
    return EnrolledHome(spec, pid, hr, cgm, gateway_id, token)
