"""Who is exported: consented participants with their quasi-identifiers and offsets.

Reads identifiable fields (birth year, sex, district) under the custodian role only to
derive the quasi-identifiers; names, phones and birth dates are never selected.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import psycopg

from ingest.export.dates import DatePolicy, random_week_offset_days, study_relative_offset_days
from ingest.export.projects import Project

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Person:
    """An exportable participant: quasi-identifiers at full detail, zone, day 0."""

    participant_id: uuid.UUID
    age: int
    sex: str
    district: str
    time_zone: str
    day_zero: dt.date

    def quasi_identifiers(self) -> dict[str, object]:
        return {"age": self.age, "sex": self.sex, "district": self.district}


def load_people(conn: Conn, project: Project) -> list[Person]:
    """Consented participants (of the project's study, if it names one).

    Age is taken at enrolment (enrolment year minus birth year: the pilot records the
    birth year, not the date), so repeated runs give the same bands.
    """
    rows = conn.execute(
        "SELECT p.participant_id, i.birth_year, i.sex, i.district, p.time_zone, p.enrolled_at"
        " FROM participants p JOIN participant_identity i USING (participant_id)"
        " WHERE p.consent_status = 'consented' AND (%s::text IS NULL OR p.study_id = %s)"
        " ORDER BY p.participant_id",
        (project.study_id, project.study_id),
    ).fetchall()
    people = []
    for pid, birth_year, sex, district, tz, enrolled in rows:
        assert isinstance(enrolled, dt.datetime)
        local = enrolled.astimezone(ZoneInfo(str(tz)))
        people.append(
            Person(
                participant_id=uuid.UUID(str(pid)),
                age=local.year - int(str(birth_year)),
                sex=str(sex),
                district=str(district),
                time_zone=str(tz),
                day_zero=local.date(),
            )
        )
    return people


def alert_profiles(conn: Conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The sensitive attribute when alerts are released: which physiological rules fired.

    A class in which everybody shares one profile (say, everybody had atrial
    fibrillation) discloses it; distinct l-diversity over this value guards that.
    """
    rows = conn.execute(
        "SELECT participant_id, string_agg(DISTINCT rule_id, '+' ORDER BY rule_id) FROM alerts"
        " WHERE kind = 'physiological' AND participant_id = ANY(%s) GROUP BY participant_id",
        (list(ids),),
    ).fetchall()
    found = {uuid.UUID(str(p)): str(v) for p, v in rows}
    return {pid: found.get(pid, "none") for pid in ids}


def date_offsets(conn: Conn, project: Project, people: Sequence[Person]) -> dict[uuid.UUID, int]:
    """Each person's day offset: stored ones are reused; new people get one now.

    Reuse keeps a participant's dates identical across runs of one project (needs the
    custodian role: the offsets live in the custodian schema).
    """
    rows = conn.execute(
        "SELECT participant_id, offset_days FROM custodian.date_offsets WHERE project_id = %s",
        (project.project_id,),
    ).fetchall()
    known: dict[uuid.UUID, int] = {uuid.UUID(str(p)): int(str(o)) for p, o in rows}
    new = {p.participant_id: _new_offset(project.date_policy, p) for p in people}
    new = {pid: off for pid, off in new.items() if pid not in known}
    if new:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO custodian.date_offsets (project_id, participant_id, offset_days)"
                " VALUES (%s, %s, %s)",
                [(project.project_id, pid, off) for pid, off in new.items()],
            )
    return {**known, **new}


def _new_offset(policy: DatePolicy, person: Person) -> int:
    if policy is DatePolicy.SHIFT_WEEKS:
        return random_week_offset_days()
    return study_relative_offset_days(person.day_zero)


def load_subjects(
    conn: Conn,
    subjects: Mapping[uuid.UUID, tuple[str, int, str]],
    device_pseudonyms: Mapping[uuid.UUID, str],
) -> None:
    """Fill the transaction's temporary tables the release queries join.

    ``subjects``: participant -> (pseudonym, offset days, time zone), released only;
    ``device_pseudonyms``: device -> pseudonym, for those participants' devices.
    """
    conn.execute(
        "CREATE TEMP TABLE export_subjects (participant_id uuid PRIMARY KEY,"
        " pseudonym text NOT NULL, offset_days integer NOT NULL, time_zone text NOT NULL)"
        " ON COMMIT DROP"
    )
    conn.execute(
        "CREATE TEMP TABLE export_devices (device_id uuid PRIMARY KEY, pseudonym text NOT NULL)"
        " ON COMMIT DROP"
    )
    with conn.cursor() as cur:
        with cur.copy("COPY export_subjects FROM STDIN") as copy:
            for pid, (pseudo, offset, tz) in subjects.items():
                copy.write_row((pid, pseudo, offset, tz))
        with cur.copy("COPY export_devices FROM STDIN") as copy:
            for did, pseudo in device_pseudonyms.items():
                copy.write_row((did, pseudo))
    conn.execute("ANALYZE export_subjects")
    conn.execute("ANALYZE export_devices")


def devices_of(conn: Conn, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Every device ever bound to these participants."""
    rows = conn.execute(
        "SELECT device_id FROM devices WHERE participant_id = ANY(%s) ORDER BY device_id",
        (list(ids),),
    ).fetchall()
    return [uuid.UUID(str(r[0])) for r in rows]
