"""Settings come from the environment; unsafe production defaults are refused at start."""

from __future__ import annotations

import pydantic
import pytest

from ingest.settings import MIN_SECRET_BITS, ServerSettings, estimated_entropy_bits

# A secret as `secrets.token_urlsafe(48)` makes one (fixed here so the test is repeatable).
STRONG = "q3Vb0Jr7xKfN2mZs9TgYc1wL5hPaE8uRdA4oIiXkGvB6nMjQyWtHeC_-lSzFpUOD"


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
        ServerSettings(mode="production", secret_key=STRONG)


@pytest.mark.parametrize("weak", ["a" * 32, "ab" * 20, "password" * 4])
def test_production_refuses_a_low_entropy_secret(
    monkeypatch: pytest.MonkeyPatch, weak: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/wearmon")
    with pytest.raises(pydantic.ValidationError, match="bits of entropy"):
        ServerSettings(mode="production", secret_key=weak)


def test_a_random_secret_is_strong_enough() -> None:
    import secrets

    assert estimated_entropy_bits(STRONG) > MIN_SECRET_BITS
    assert estimated_entropy_bits(secrets.token_hex(16)) > MIN_SECRET_BITS
    assert estimated_entropy_bits("a" * 32) == 0


def test_interactive_docs_are_off_in_production_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/wearmon")
    assert ServerSettings().docs_enabled
    production = ServerSettings(mode="production", secret_key=STRONG)
    assert not production.docs_enabled
    asked = ServerSettings(mode="production", secret_key=STRONG, docs=True)
    assert asked.docs_enabled
