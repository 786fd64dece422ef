"""Settings come from the environment; unsafe production defaults are refused at start."""

from __future__ import annotations

import pydantic
import pytest

from ingest.settings import ServerSettings


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/wearmon")
    monkeypatch.setenv("WEARMON_PORT", "9001")
    settings = ServerSettings()
    assert settings.database_url == "postgresql://db.example/wearmon"
    assert settings.port == 9001


def test_production_refuses_a_blank_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/wearmon")
    with pytest.raises(pydantic.ValidationError, match="WEARMON_SECRET_KEY"):
        ServerSettings(mode="production")


def test_production_refuses_the_embedded_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(pydantic.ValidationError, match="DATABASE_URL"):
        ServerSettings(mode="production", secret_key="x" * 40)
