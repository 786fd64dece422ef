"""An enrolled cohort with identifying details, readings, alerts and researcher accounts."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import psycopg
import pytest

from ingest.db.pool import STAGING_DDL
from ingest.storage.enrolment import (
    ParticipantIdentity,
    enrol_device,
    enrol_gateway,
    enrol_participant,
    withdraw_participant,
)
from ingest.storage.readings import store_readings_sync

SEOUL = ZoneInfo("Asia/Seoul")
START = dt.datetime(2026, 11, 23, 22, 0, tzinfo=SEOUL)  # a Monday, 22:00 local
# 12 consenting participants: ages 70-79 and 80-89, two regions (서북권, 동남권).
PEOPLE = [
    (1950 - i % 6, "F" if i % 2 else "M", ["Mapo-gu", "Seodaemun-gu", "Gangnam-gu"][i % 3])
    for i in range(6)
] + [
    (1940 - i % 6, "F" if i % 2 else "M", ["Songpa-gu", "Eunpyeong-gu", "Seocho-gu"][i % 3])
    for i in range(6)
]


@dataclass
class Cohort:
    """What was enrolled, including every identifying value the scans look for."""

    url: str
    participants: list[uuid.UUID] = field(default_factory=list)
    devices: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # device -> participant
    withdrawn: uuid.UUID | None = None
    identifiers: list[str] = field(default_factory=list)
    readings: list[tuple[uuid.UUID, str, dt.datetime, float | None]] = field(default_factory=list)
    checkins: dict[uuid.UUID, dt.datetime] = field(default_factory=dict)  # completed_at


def _account(conn: psycopg.Connection[tuple[object, ...]], username: str, role: str) -> None:
    conn.execute(
        "INSERT INTO accounts (username, role, password_hash) VALUES (%s, %s, %s)",
        (username, role, "$argon2id$v=19$m=19456,t=2,p=1$test$test"),
    )


def build_cohort(url: str, *, accounts: bool = True) -> Cohort:
    cohort = Cohort(url)
    with psycopg.connect(url) as conn:
        conn.execute(STAGING_DDL)
        for i, (birth_year, sex, district) in enumerate([*PEOPLE, (1946, "F", "Mapo-gu")]):
            name, phone = f"Hong Gil-dong {i:02d}", f"010-5555-{1000 + i}"
            pid = enrol_participant(
                conn,
                study_id="seoul-pilot",
                identity=ParticipantIdentity(name, birth_year, sex, district, phone),
                time_zone="Asia/Seoul",
                actor="test",
            )
            birth = dt.date(birth_year, 3, 1 + i)
            conn.execute(
                "UPDATE participant_identity SET birth_date = %s WHERE participant_id = %s",
                (birth, pid),
            )
            serials = (f"SN-HR-7731{i:02d}", f"SN-CGM-8842{i:02d}")
            addresses = (f"C4:11:22:33:44:{i:02X}", f"D5:66:77:88:99:{i:02X}")
            hr = enrol_device(
                conn,
                participant_id=pid,
                kind="hr",
                address=addresses[0],
                model="HRM-1",
                serial=serials[0],
                actor="test",
            )
            cgm = enrol_device(
                conn,
                participant_id=pid,
                kind="cgm",
                address=addresses[1],
                model="CGM-1",
                serial=serials[1],
                actor="test",
            )
            gid, _ = enrol_gateway(conn, participant_ids=[pid], actor="test")
            ip = f"192.0.2.{10 + i}"
            conn.execute(
                "UPDATE gateways SET last_heartbeat = jsonb_build_object('ip', %s::text)"
                " WHERE gateway_id = %s",
                (ip, gid),
            )
            cohort.participants.append(pid)
            cohort.devices.update({hr: pid, cgm: pid})
            cohort.identifiers += [
                name,
                phone,
                birth.isoformat(),
                birth.strftime("%Y%m%d"),
                *serials,
                *addresses,
                ip,
                str(pid),
                pid.hex,
                str(hr),
                hr.hex,
                str(cgm),
                cgm.hex,
                str(gid),
            ]
            _readings(conn, cohort, pid, hr, cgm, i)
            _checkin(conn, cohort, pid, gid, i)
            conn.execute(
                "INSERT INTO alerts (participant_id, rule_id, rule_version, kind, priority,"
                " first_seen, last_seen, summary, evidence) VALUES"
                " (%s, %s, '1', 'physiological', 'HIGH', %s, %s, %s, %s)",
                (
                    pid,
                    "af_burden" if i % 2 else "hypo_nocturnal",
                    START,
                    START,
                    f"free text about {name} at home",
                    '{"note": "called ' + phone + '"}',
                ),
            )
        cohort.withdrawn = cohort.participants[-1]
        withdraw_participant(conn, participant_id=cohort.withdrawn, actor="test")
        if accounts:
            _account(conn, "rita.researcher", "researcher")
            _account(conn, "rob.researcher", "researcher")
            _account(conn, "cleo.clinician", "clinician")
    return cohort


def _readings(
    conn: psycopg.Connection[tuple[object, ...]],
    cohort: Cohort,
    pid: uuid.UUID,
    hr: uuid.UUID,
    cgm: uuid.UUID,
    i: int,
) -> None:
    rows: list[tuple[uuid.UUID, str, dt.datetime, uuid.UUID, float | None, str, int]] = []
    for m in range(0, 180, 3):  # three hours across local midnight
        at = (START + dt.timedelta(minutes=m, seconds=i)).astimezone(dt.UTC)
        rows.append((hr, "heart_rate", at, pid, 60.0 + i + m % 7, "/min", 0))
        rows.append((hr, "rr_interval", at, pid, 1000.0 - i - m % 7, "ms", 0))
        if m % 15 == 0:
            glucose = None if m == 90 else 90.0 + i + m / 3
            rows.append((cgm, "glucose", at, pid, glucose, "mg/dL", 0 if glucose else 2))
    store_readings_sync(conn, rows, app_rollup=True)
    conn.commit()
    cohort.readings += [(r[3], r[1], r[2], r[4]) for r in rows]


def _checkin(
    conn: psycopg.Connection[tuple[object, ...]],
    cohort: Cohort,
    pid: uuid.UUID,
    gid: uuid.UUID,
    i: int,
) -> None:
    """One weekly GDS-15 check-in of 15 answers, score i (as ingestion stores it)."""
    done = (START + dt.timedelta(hours=12, minutes=i)).astimezone(dt.UTC)
    row = conn.execute(
        "INSERT INTO checkins (participant_id, gateway_id, idempotency_key, body_sha256,"
        " instrument, instrument_version, completed_at, score, points, answered, skipped,"
        " prorated, positive, cutoff) VALUES (%s, %s, %s, '\\x00', 'gds15', '1.0.0', %s,"
        " %s, %s, 15, 0, false, %s, 8) RETURNING checkin_id",
        (pid, gid, f"key-{i}", done, i, i, i >= 8),
    ).fetchone()
    assert row is not None
    for item in range(1, 16):
        conn.execute(
            "INSERT INTO checkin_answers (checkin_id, item, answer, answered_at)"
            " VALUES (%s, %s, %s, %s)",
            (row[0], item, "yes" if item <= i else "no", done - dt.timedelta(seconds=16 - item)),
        )
    conn.commit()
    cohort.checkins[pid] = done


@pytest.fixture
def cohort(db_url: str) -> Cohort:
    return build_cohort(db_url)
