"""Server time to render the dashboard's heaviest pages, and the weight sent to the browser.

    python -m bench.dashboard [--participants 1000] [--repeat 5]

Measures the dashboard process alone: the clinical API's answers (the JSON of its
schemas for 1,000 triage rows, and for one participant with 14 days of 1 Hz heart rate
summarised in 5-minute buckets, 14 days of 5-minute CGM, an hour of raw RR) are served
in-process, so the figures are the dashboard's own cost: parsing, layout, figures and
the JSON of the Dash callback response, as ``POST /_dash-update-component`` returns it.
The API's own time for the same pages is measured by the API's benchmarks.
Targets: triage list < 0.5 s, participant page < 1 s (server time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from dashboard.app import create_dashboard
from dashboard.session import CSRF_HEADER, SESSION_COOKIE, csrf_for

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
PID = "00000000-0000-4000-8000-000000000001"
TOKEN = "bench-token"


def _iso(t: dt.datetime) -> str:
    return t.isoformat()


def triage_items(n: int) -> list[dict[str, Any]]:
    items = []
    for i in range(n):
        high = i < n // 50
        items.append(
            {
                "participant_id": f"00000000-0000-4000-8000-{i:012d}",
                "display_name": f"대상자 {i:04d}",
                "last_seen": _iso(NOW - dt.timedelta(minutes=i % 90)),
                "heart_rate_last_seen": _iso(NOW),
                "glucose_last_seen": _iso(NOW),
                "wear_pct_24h": 90.0 + i % 10,
                "battery_pct": float(10 + i % 90),
                "highest_priority": "HIGH" if high else None,
                "alerts": {"physiological": {"HIGH": 1}} if high else {},
                "unacknowledged": int(high),
                "glucose_14d": {
                    "readings": 4000,
                    "tbr54_pct": 0.1 * (i % 7),
                    "tbr70_pct": 0.3 * (i % 9),
                    "tir_pct": 50.0 + i % 40,
                    "sufficiency_pct": 60.0 + i % 40,
                    "sufficient": i % 40 >= 10,
                },
                "last_reviewed_by": None,
                "last_reviewed_at": None,
                "af_burden_pct_24h": 20.0 + i % 50 if i % 25 == 0 else None,
            }
        )
    return items


def buckets(days: int, fn: Any) -> list[dict[str, Any]]:
    n = days * 288
    start = NOW - dt.timedelta(minutes=5 * n)
    return [
        {
            "bucket": _iso(start + dt.timedelta(minutes=5 * i)),
            "n": 300,
            "mean": fn(i),
            "min": fn(i) - 4,
            "max": fn(i) + 4,
        }
        for i in range(n)
    ]


def participant() -> dict[str, Any]:
    def hr(i: int) -> float:
        return 70 + 12 * math.sin(2 * math.pi * i / 288)

    minutes = [5 * (i + 1) for i in range(288)]
    return {
        "participant_id": PID,
        "identity": {
            "full_name": "김영자",
            "birth_year": 1946,
            "sex": "F",
            "district": "Mapo-gu",
            "phone": None,
            "study_id": "S",
            "time_zone": "Asia/Seoul",
            "consent_status": "active",
            "enrolled_at": _iso(NOW),
        },
        "devices": [
            {
                "device_id": "d1",
                "kind": "hr",
                "model": "HRM",
                "serial": "S1",
                "ble_address": None,
                "last_seen": _iso(NOW),
                "battery_pct": 60,
                "battery_at": _iso(NOW),
            }
        ],
        "gateway": {
            "gateway_id": "g",
            "last_heartbeat": _iso(NOW),
            "ok": True,
            "failing_hop": None,
            "problems": [],
        },
        "window": {"from": _iso(NOW - dt.timedelta(days=14)), "to": _iso(NOW)},
        "trends": {
            "heart_rate": buckets(14, hr),
            "rr_interval": buckets(14, lambda i: 60000 / hr(i)),
        },
        "heart": {
            "hours": 6,
            "beats": 25200,
            "hrv": {
                "windows": 288,
                "sdnn_ms": 45.0,
                "rmssd_ms": 30.0,
                "mean_nn_ms": 850.0,
                "pnn50_pct": 8.0,
            },
            "af": {"burden_pct": 3.0, "minutes_last_hour": 6.0, "episodes": 2},
        },
        "glucose": {
            "readings": 4032,
            "sufficiency": {"active_pct": 95.0, "sufficient": True},
            "metrics": {
                "mean": 150.0,
                "CV": 31.0,
                "GMI": 6.9,
                "below_54": 0.5,
                "below_70": 2.0,
                "in_range_70_180": 65.0,
                "above_180": 33.0,
                "above_250": 6.0,
                "active_percent": 95.0,
            },
            "agp": {
                "minute_of_day": minutes,
                "percentiles": [5, 25, 50, 75, 95],
                "glucose_mg_dl": [[100 + 20 * k for k in range(5)] for _ in minutes],
                "n_days": [14] * 288,
            },
        },
        "data_quality": {"heart_rate_coverage_pct": 98.0, "glucose_active_pct_14d": 95.0},
        "open_alerts": [],
    }


def alert() -> dict[str, Any]:
    return {
        "id": "a1",
        "participant_id": PID,
        "rule_id": "hypo_level2",
        "rule_version": "1",
        "kind": "physiological",
        "priority": "HIGH",
        "state": "OPEN",
        "retrospective": False,
        "first_seen": _iso(NOW - dt.timedelta(minutes=40)),
        "last_seen": _iso(NOW),
        "occurrence_count": 3,
        "worst_value": 44.0,
        "unit": "mg/dL",
        "evidence": {},
    }


def readings(metric: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    items = []
    if metric == "glucose":
        t, k = start, 0
        while t < end:
            items.append(
                {"measured_at": _iso(t), "value": 140 + 40 * math.sin(k / 40), "flags": []}
            )
            t += dt.timedelta(minutes=5)
            k += 1
    else:  # rr_interval: one beat per ~0.85 s
        t, k = start, 0
        while t < end:
            rr = 850 + 30 * math.sin(k / 7)
            items.append({"measured_at": _iso(t), "value": rr, "flags": []})
            t += dt.timedelta(milliseconds=rr)
            k += 1
    return {
        "participant_id": PID,
        "metric": metric,
        "from": _iso(start),
        "to": _iso(end),
        "items": items,
    }


def api(n_triage: int) -> httpx.MockTransport:
    # Pre-encoded answers: the API's serialisation is not the dashboard's cost.
    triage_body = json.dumps({"items": triage_items(n_triage)}).encode()
    participant_body = json.dumps(participant()).encode()

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/triage":
            return httpx.Response(200, content=triage_body)
        if path == f"/api/v1/participants/{PID}":
            return httpx.Response(200, content=participant_body)
        if path.endswith("/readings"):
            q = request.url.params
            body = readings(
                q["metric"],
                dt.datetime.fromisoformat(q["from"]),
                dt.datetime.fromisoformat(q["to"]),
            )
            return httpx.Response(200, json=body)
        if path == "/api/v1/alerts":
            open_ = request.url.params.get("state") == "OPEN"
            return httpx.Response(200, json={"items": [alert()] if open_ else []})
        if path.endswith("/history"):
            return httpx.Response(200, json={"items": []})
        return httpx.Response(404, json={"detail": "Not Found"})

    return httpx.MockTransport(handle)


def route_body(pathname: str) -> dict[str, Any]:
    return {
        "output": "..page.children...redirect.children...languages.children..",
        "outputs": [
            {"id": "page", "property": "children"},
            {"id": "redirect", "property": "children"},
            {"id": "languages", "property": "children"},
        ],
        "inputs": [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": ""},
        ],
        "changedPropIds": ["url.pathname"],
        "state": [],
    }


def heart_body() -> dict[str, Any]:
    """The callback that draws HRV, AF share and Poincaré just after the page."""
    return {
        "output": "..hrv.figure...af-share.figure...poincare.figure..",
        "outputs": [
            {"id": "hrv", "property": "figure"},
            {"id": "af-share", "property": "figure"},
            {"id": "poincare", "property": "figure"},
        ],
        "inputs": [
            {"id": "participant-id", "property": "data", "value": PID},
            {"id": "timeline", "property": "relayoutData", "value": None},
        ],
        "state": [{"id": "heart-end", "property": "data", "value": _iso(NOW)}],
        "changedPropIds": ["participant-id.data"],
    }


def measure(
    client: Any, body_json: dict[str, Any], repeat: int
) -> tuple[list[float], list[float], bytes]:
    """Wall-clock and CPU seconds of ``repeat`` callback requests, and the last response."""
    walls, cpus, body = [], [], b""
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(
            "/_dash-update-component", json=body_json, headers={CSRF_HEADER: csrf_for(TOKEN)}
        )
        body = response.get_data()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, body[:300]
    return walls, cpus, body


def static_weight(client: Any) -> tuple[int, int]:
    """Bytes of the index page and every script and stylesheet it loads (raw, gzip)."""
    import re

    index = client.get("/").get_data()
    raw, packed = len(index), len(gzip.compress(index))
    for src in re.findall(rb'(?:src|href)="/dashboard/([^"]+\.(?:js|css))"', index):
        data = client.get("/" + src.decode()).get_data()
        raw += len(data)
        packed += len(gzip.compress(data))
    return raw, packed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = create_dashboard("http://api.bench", transport=api(args.participants), clock=lambda: NOW)
    client = app.server.test_client()
    client.set_cookie(SESSION_COOKIE, TOKEN)
    print(
        f"dashboard render benchmark: {args.participants} triage rows, {args.repeat} runs "
        "(median, max); API answers served in-process",
        flush=True,
    )
    rows = [
        ("triage list (first page of 50 rows)", route_body("/dashboard/"), 0.5),
        (
            "participant page (14 d HR/RR trends, 14 d CGM from 14 reads, alerts)",
            route_body(f"/dashboard/participant/{PID}"),
            1.0,
        ),
        ("participant heart window (1 h raw RR: HRV, AF share, Poincaré)", heart_body(), 1.0),
    ]
    for label, request, target in rows:
        measure(client, request, 1)  # warm-up: imports, caches
        walls, cpus, body = measure(client, request, args.repeat)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        verdict = "ok" if wall < target else "OVER TARGET"
        print(
            f"  {label}: {wall:.3f} s wall, {cpu:.3f} s CPU (max {max(walls):.3f}; "
            f"target < {target} s, {verdict}); response {len(body) / 1024:.0f} KiB, "
            f"gzip {len(gzip.compress(body)) / 1024:.0f} KiB",
            flush=True,
        )
    from dashboard.api import ClinicalApi
    from dashboard.i18n import Translator
    from dashboard.views import Context, triage_rows

    ctx = Context(ClinicalApi("http://api.bench", transport=api(args.participants)), lambda: NOW)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        triage_rows(ctx, TOKEN, Translator("ko"), [], None, None)
        times.append(time.perf_counter() - started)
    print(
        f"  triage list, all {args.participants} rows at once (layout only, no JSON): "
        f"{statistics.median(times):.3f} s",
        flush=True,
    )
    raw, packed = static_weight(client)
    # plotly.js is fetched by the first page with a chart (then cached by the browser).
    import plotly

    bundle = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    raw += len(bundle)
    packed += len(gzip.compress(bundle))
    print(
        f"  first load (index, scripts, styles, plotly.js; cached afterwards): {raw / 1e6:.2f} MB, "
        f"gzip {packed / 1e6:.2f} MB",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
