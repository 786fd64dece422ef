"""Gateway configuration: one frozen dataclass, loadable from a JSON file.

Example file::

    {"gateway_id": "gw-0001", "token": "...", "api_url": "https://api.example",
     "outbox_path": "/var/lib/wearmon/outbox.sqlite3",
     "devices": [{"device_id": "2f0c...", "kind": "hr", "address": "C4:7C:8D:6A:11:22"}],
     "batch_size": 500}

An optional ``"home"`` object serves the check-in page on the home network::

    "home": {"participants": [{"participant_id": "8c1e...", "name": "영자"}],
             "host": "0.0.0.0", "port": 8088}

Every other field has a default; unknown keys are refused so a typo is not silently ignored.
"""

from __future__ import annotations

import dataclasses
import json
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, cast

from gateway.errors import ConfigError
from gateway.policy import ConnectionPolicy

DeviceKind = Literal["hr", "cgm"]
_KINDS: Final = ("hr", "cgm")
# The ingestion API accepts at most 5000 readings per batch (ingest contract, "Max 5000").
MAX_BATCH_SIZE: Final = 5000


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One wearable this gateway reads.

    Attributes
    ----------
    device_id : str
        The id the server knows the device by (sent with every reading).
    kind : {"hr", "cgm"}
        Heart-rate strap (Heart Rate Service) or continuous glucose monitor (CGMS).
    address : str
        Bluetooth address (a CoreBluetooth UUID on macOS) matched against advertisements.
    """

    device_id: str
    kind: DeviceKind
    address: str


@dataclass(frozen=True, slots=True)
class HomeParticipant:
    """A participant paired with this gateway, offered on the home check-in page.

    Attributes
    ----------
    participant_id : str
        The server's id (the API refuses check-ins of participants not bound to the
        gateway).
    name : str
        The name they chose to be greeted by (kept on the gateway: no network needed).
    """

    participant_id: str
    name: str


@dataclass(frozen=True, slots=True)
class HomeConfig:
    """The home check-in page (docs/home-checkin.md).

    Attributes
    ----------
    participants : tuple of HomeParticipant
        Who the page offers; nobody else can start a check-in here.
    host, port : str, int
        Address the page listens on. ``0.0.0.0`` (every interface of the gateway) lets
        the tablet or TV on the home network reach it; put the gateway's home-network
        address to refuse other interfaces.
    speech_dir : pathlib.Path or None
        Cache of the spoken prompts; None: ``speech/`` next to the outbox.
    espeak : str
        The espeak-ng program (offline text-to-speech).
    time_zone : str
        The participants' IANA time zone (dates on the page).
    """

    participants: tuple[HomeParticipant, ...]
    host: str = "0.0.0.0"
    # 8088: unprivileged, easy to type on a TV remote, clear of the API's 8000.
    port: int = 8088
    speech_dir: Path | None = None
    espeak: str = "espeak-ng"
    time_zone: str = "Asia/Seoul"

    def __post_init__(self) -> None:
        _check(0 <= self.port <= 65535, "home.port", "0..65535", self.port)
        _check(bool(self.host), "home.host", "an address such as 0.0.0.0", self.host)
        ids = [p.participant_id for p in self.participants]
        _check(bool(ids), "home.participants", "at least one participant", ids)
        _check(len(ids) == len(set(ids)), "home.participants", "unique participant_id", ids)
        names = [p.name for p in self.participants]
        _check(all(n.strip() for n in names), "home.participants", "non-empty names", names)
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            _check(False, "home.time_zone", "an IANA time zone such as Asia/Seoul", self.time_zone)


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything one home gateway needs to run.

    Attributes
    ----------
    gateway_id, token, api_url : str
        Identity, bearer credential (never logged) and base URL of the ingestion API.
    devices : tuple of DeviceConfig
        The wearables to keep connected.
    outbox_path : pathlib.Path
        SQLite file of the durable outbox.
    batch_size : int
        Readings per upload batch (1..5000).
    outbox_max_rows : int
        Bound on stored readings; beyond it the oldest are dropped and counted.
    upload_interval_s, heartbeat_interval_s, battery_interval_s : float
        Pause between upload rounds when the outbox is empty, between heartbeats, and
        between battery reads on a connected device.
    halt_retry_s : float or None
        After a 401/403 the uploader stops; it probes again after this many seconds
        (None: never, until restarted).
    policy : ConnectionPolicy
        BLE connection timeouts, backoff and limits.
    home : HomeConfig or None
        The home check-in page; None: not served.
    """

    gateway_id: str
    token: str = field(repr=False)
    api_url: str
    devices: tuple[DeviceConfig, ...]
    outbox_path: Path
    batch_size: int = 500
    # 7 days of one HR strap with RR (~1 HR + ~1.2 RR per second) plus a CGM every
    # 5 minutes is ~1.4 M rows; the privacy spec's buffer window is 7 days.
    outbox_max_rows: int = 1_500_000
    # 5 s keeps the upload latency well below the 5-minute CGM cadence.
    upload_interval_s: float = 5.0
    # One heartbeat a minute: the server can tell a dead gateway within minutes.
    heartbeat_interval_s: float = 60.0
    # Battery drains over days; a read every 10 minutes costs nothing and is plenty.
    battery_interval_s: float = 600.0
    # An hour between probes after a revoked credential or unbound device: the
    # operator fixes it on the server, the gateway resumes without a visit.
    halt_retry_s: float | None = 3600.0
    policy: ConnectionPolicy = field(default_factory=ConnectionPolicy)
    home: HomeConfig | None = None

    def __post_init__(self) -> None:
        _check(bool(self.gateway_id), "gateway_id", "a non-empty string", self.gateway_id)
        _check(bool(self.token), "token", "a non-empty bearer token", "an empty string")
        _check(
            self.api_url.startswith(("http://", "https://")),
            "api_url",
            "an http(s) URL",
            self.api_url,
        )
        _check(1 <= self.batch_size <= MAX_BATCH_SIZE, "batch_size", "1..5000", self.batch_size)
        _check(
            self.outbox_max_rows >= 2 * self.batch_size,
            "outbox_max_rows",
            f"at least twice batch_size ({2 * self.batch_size})",
            self.outbox_max_rows,
        )
        ids = [d.device_id for d in self.devices]
        _check(len(ids) == len(set(ids)), "devices", "unique device_id values", ids)


def _check(ok: bool, name: str, expected: str, found: object) -> None:
    if not ok:
        raise ConfigError(f"gateway config field {name!r}: expected {expected}, found {found!r}")


def load_config(path: Path) -> GatewayConfig:
    """Read a :class:`GatewayConfig` from a JSON file.

    Parameters
    ----------
    path : pathlib.Path
        JSON object with the fields of :class:`GatewayConfig`; ``devices`` is a list of
        objects and ``policy`` an optional object of :class:`ConnectionPolicy` fields.

    Returns
    -------
    GatewayConfig

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed, a field is unknown, missing or invalid.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read gateway config {path}: {exc}; fix the file") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"gateway config {path} must hold a JSON object, found {raw!r}")
    return config_from_mapping(raw)


def config_from_mapping(raw: Mapping[str, Any]) -> GatewayConfig:
    """Build a :class:`GatewayConfig` from parsed JSON (see :func:`load_config`)."""
    values = dict(raw)
    _refuse_unknown(values, GatewayConfig, "gateway config")
    try:
        values["devices"] = tuple(_device(d) for d in values.get("devices", ()))
        values["outbox_path"] = Path(values["outbox_path"])
        if "policy" in values:
            _refuse_unknown(values["policy"], ConnectionPolicy, "policy")
            values["policy"] = ConnectionPolicy(**values["policy"])
        if values.get("home") is not None:
            values["home"] = _home(values["home"])
        return GatewayConfig(**values)
    except KeyError as exc:
        raise ConfigError(f"gateway config is missing the field {exc.args[0]!r}") from exc
    except TypeError as exc:
        raise ConfigError(f"gateway config is incomplete or mistyped: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"gateway config holds an invalid value: {exc}") from exc


def _device(raw: Mapping[str, Any]) -> DeviceConfig:
    _refuse_unknown(raw, DeviceConfig, "device")
    kind = raw["kind"]
    if kind not in _KINDS:
        raise ConfigError(
            f"device {raw.get('device_id')!r}: kind must be 'hr' or 'cgm', found {kind!r}"
        )
    return DeviceConfig(str(raw["device_id"]), cast(DeviceKind, kind), str(raw["address"]))


def _home(raw: Mapping[str, Any]) -> HomeConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"gateway config field 'home' must be an object, found {raw!r}")
    values = dict(raw)
    _refuse_unknown(values, HomeConfig, "home")
    people = []
    for person in values.get("participants", ()):
        if not isinstance(person, Mapping):
            raise ConfigError(f"home.participants: expected objects, found {person!r}")
        _refuse_unknown(person, HomeParticipant, "home participant")
        people.append(HomeParticipant(str(person["participant_id"]), str(person["name"])))
    values["participants"] = tuple(people)
    if values.get("speech_dir") is not None:
        values["speech_dir"] = Path(values["speech_dir"])
    return HomeConfig(**values)


def _refuse_unknown(raw: Mapping[str, Any], cls: type[Any], what: str) -> None:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{what} has unknown fields {unknown}; known fields: {sorted(known)}")
