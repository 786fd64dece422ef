"""GatewayConfig: JSON loading, defaults, and refusal of bad values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.config import DeviceConfig, GatewayConfig, load_config
from gateway.errors import ConfigError
from gateway.policy import ConnectionPolicy

pytestmark = pytest.mark.timeout(5)

MINIMAL = {
    "gateway_id": "gw-0001",
    "token": "secret-token",
    "api_url": "https://api.example",
    "outbox_path": "/tmp/outbox.sqlite3",
    "devices": [
        {"device_id": "d-hr", "kind": "hr", "address": "AA:BB:CC:DD:EE:01"},
        {"device_id": "d-cgm", "kind": "cgm", "address": "AA:BB:CC:DD:EE:02"},
    ],
}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_minimal_file_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.devices == (
        DeviceConfig("d-hr", "hr", "AA:BB:CC:DD:EE:01"),
        DeviceConfig("d-cgm", "cgm", "AA:BB:CC:DD:EE:02"),
    )
    assert (config.batch_size, config.outbox_path) == (500, Path("/tmp/outbox.sqlite3"))
    assert config.policy == ConnectionPolicy()


def test_policy_fields_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, {**MINIMAL, "policy": {"max_connections": 1}}))
    assert config.policy.max_connections == 1


def test_token_is_not_in_the_repr(tmp_path: Path) -> None:
    assert "secret-token" not in repr(load_config(write(tmp_path, MINIMAL)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"batch_size": 6000}, "batch_size"),
        ({"api_url": "ftp://x"}, "api_url"),
        ({"batch_sise": 10}, "unknown fields"),
        ({"devices": [{"device_id": "d", "kind": "ecg", "address": "x"}]}, "kind"),
        ({"policy": {"max_conections": 2}}, "unknown fields"),
        ({"outbox_max_rows": 10}, "outbox_max_rows"),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, {**MINIMAL, **change}))


def test_missing_required_field_is_refused(tmp_path: Path) -> None:
    data = {k: v for k, v in MINIMAL.items() if k != "token"}
    with pytest.raises(ConfigError, match="token"):
        load_config(write(tmp_path, data))


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.json")


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    with pytest.raises(AttributeError):
        config.batch_size = 1  # type: ignore[misc]
    assert isinstance(config, GatewayConfig)


HOME = {"participants": [{"participant_id": "p-1", "name": "영자"}]}


def test_home_section_is_read_with_documented_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, {**MINIMAL, "home": HOME}))
    assert config.home is not None
    assert [(p.participant_id, p.name) for p in config.home.participants] == [("p-1", "영자")]
    assert (config.home.host, config.home.port) == ("0.0.0.0", 8088)
    assert (config.home.time_zone, config.home.speech_dir) == ("Asia/Seoul", None)
    assert load_config(write(tmp_path, MINIMAL)).home is None


@pytest.mark.parametrize(
    ("home", "named"),
    [
        ({**HOME, "colour": "red"}, "colour"),
        ({**HOME, "port": 70000}, "home.port"),
        ({**HOME, "time_zone": "Mars/Olympus"}, "home.time_zone"),
        ({"participants": []}, "home.participants"),
        ({"participants": [{"participant_id": "p-1", "name": " "}]}, "home.participants"),
        ({"participants": [{"participant_id": "p-1"}]}, "name"),
        ("yes", "home"),
    ],
)
def test_bad_home_sections_are_refused_naming_the_field(
    tmp_path: Path, home: object, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        load_config(write(tmp_path, {**MINIMAL, "home": home}))
