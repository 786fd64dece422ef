"""The API's participant page: a day of RR intervals behind its heart summary vs six hours.

``GET /api/v1/participants/{id}?hours=336`` reads 14 days of trends and CGM and, for the
HRV and AF summary, the newest ``heart_hours`` of raw RR intervals, which it analyses
per request (per-beat AF detection, 5-minute HRV windows). The dashboard asks for six
hours (its largest heart window); the baseline is the API's default, a whole day:
about 100,000 beats at 70 bpm. One participant with 24 h of RR at ~70 bpm and 14 days
of 5-minute CGM is written with set-based SQL (untimed); then the same server answers
both kinds of request in alternation, so the ratio is measured under the same load.

    python -m bench.participant_api [--repeats 7] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time

import httpx
import psycopg

from bench._common import fresh_database, progress
from ingest.auth.passwords import hash_password
from wearmon.api_process import api_process

TAG = "participant_api"
PID = "00000000-0000-4000-8000-00000000000a"
PASSWORD = "bench-Nurse-Password-9"

_WRITE = """
INSERT INTO studies (study_id) VALUES ('bench') ON CONFLICT DO NOTHING;
INSERT INTO participants (participant_id, study_id) VALUES (%(pid)s, 'bench');
INSERT INTO participant_identity (participant_id, full_name, birth_year, sex, district)
    VALUES (%(pid)s, 'P', 1945, 'F', 'Mapo-gu');
INSERT INTO devices (device_id, participant_id, kind)
    SELECT gen_random_uuid(), %(pid)s, k FROM unnest('{hr,cgm}'::text[]) k;
INSERT INTO care_teams (name) VALUES ('bench-team');
INSERT INTO accounts (username, role, password_hash)
    VALUES ('bench.nurse', 'clinician', %(hash)s);
INSERT INTO team_members SELECT team_id, account_id FROM care_teams, accounts;
INSERT INTO team_participants (team_id, participant_id)
    SELECT team_id, participant_id FROM care_teams, participants;
-- One beat every 857 ms (70 bpm) with a little variability, for 24 hours.
INSERT INTO readings (device_id, metric, measured_at, participant_id, received_at, value, unit)
SELECT d.device_id, 'rr_interval', %(now)s::timestamptz - i * interval '857 milliseconds',
       %(pid)s, %(now)s, 857 + 40 * sin(i / 7.0), 'ms'
FROM devices d, generate_series(1, 100800) i WHERE d.kind = 'hr';
INSERT INTO readings (device_id, metric, measured_at, participant_id, received_at, value, unit)
SELECT d.device_id, 'glucose', %(now)s::timestamptz - i * interval '5 minutes',
       %(pid)s, %(now)s, 140 + 50 * sin(i / 40.0), 'mg/dL'
FROM devices d, generate_series(1, 4032) i WHERE d.kind = 'cgm';
INSERT INTO readings_5m (participant_id, metric, bucket, n, total, min_value, max_value)
SELECT %(pid)s, 'heart_rate', b, 300, 300 * 70, 60, 80
FROM generate_series(date_bin('5 minutes', %(now)s::timestamptz - interval '14 days',
                              '2000-01-03'), %(now)s, interval '5 minutes') b;
"""


def _timed(client: httpx.Client, headers: dict[str, str], heart_hours: int) -> float:
    started = time.perf_counter()
    response = client.get(
        f"/api/v1/participants/{PID}",
        headers=headers,
        params={"hours": "336", "heart_hours": str(heart_hours)},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:300]
    assert response.json()["heart"]["hours"] == heart_hours
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    now = dt.datetime.now(dt.UTC)
    with fresh_database(args.database_url, TAG) as db:
        progress(TAG, "writing 24 h of RR (100,800 beats) and 14 days of CGM")
        with psycopg.connect(db.url) as conn:
            params = {"pid": PID, "now": now, "hash": hash_password(PASSWORD)}
            for statement in filter(str.strip, _WRITE.split(";\n")):
                conn.execute(statement, {k: v for k, v in params.items() if k in statement})
            conn.commit()
        with psycopg.connect(db.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        with (
            api_process(db.url, quiet=True) as api,
            httpx.Client(base_url=api.url, timeout=120) as client,
        ):
            token = client.post(
                "/api/v1/auth/token", json={"username": "bench.nurse", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            _timed(client, headers, 24)  # warm-up: imports, caches, plans
            day, six = [], []
            for round_ in range(args.repeats):
                day.append(_timed(client, headers, 24))
                six.append(_timed(client, headers, 6))
                progress(
                    TAG,
                    f"round {round_ + 1}/{args.repeats}: 24 h {day[-1]:.3f} s, 6 h {six[-1]:.3f} s",
                )
    result = {
        "day_s_median": round(statistics.median(day), 4),
        "six_hours_s_median": round(statistics.median(six), 4),
        "ratio": round(statistics.median(six) / statistics.median(day), 3),
        "load_avg_1m": os.getloadavg()[0],
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores",
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
