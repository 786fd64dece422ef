"""Constants shared by the gateway benchmarks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

TAG = "gateway"
OUT_DIR = Path(__file__).resolve().parent / "out"
# bleak on BlueZ asks for ATT MTU 517 and the simulated strap grants it
# (simulators/ble/backend_client.py REQUESTED_ATT_MTU); notifications carry MTU - 3 bytes.
ATT_MTU = 517
BURST = 64  # notifications per outbox transaction in the "burst" feed
CGM_DAYS = 14  # a full sensor store (simulators/ble/peripherals/cgm.py STORE_DAYS)
T0 = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
HR_PERIOD_S = 1.0  # a strap notifies once a second (HRS 1.0 3.1.1; simulators' default)


# A step is sustained when all of these hold (the gateway keeps up in real time):
MAX_LOSS = 0.01  # at most 1 % of notifications without a stored reading
MAX_LAG_P99_MS = 250.0  # a quarter of the notification period: beyond, notifications queue
MAX_GATEWAY_CORES = 0.9  # one Python event loop uses at most one core; keep 10 % headroom
# A reading kept up with reaches PostgreSQL within one upload pause (upload_interval_s)
# plus a batch round trip; 2 s covers the round trip on this machine with a wide margin.
DELIVERY_SLACK_S = 2.0
# Real time needs headroom on a shared machine: plan for 70 % of the cores (queueing
# delay at 70 % utilisation is ~2.3x the service time, M/M/1; it explodes towards 100 %).
PLANNING_UTILISATION = 0.7
