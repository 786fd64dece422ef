"""Catalogs are complete and consistent; numbers and dates follow the language and Seoul."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.i18n import CatalogError, Translator

ROOT = Path(i18n.__file__).parent


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_korean_is_the_default_and_english_exists() -> None:
    assert i18n.available_languages()[0] == "ko"
    assert "en" in i18n.available_languages()
    assert i18n.pick_language(None) == "ko"
    assert i18n.pick_language("xx") == "ko"
    assert i18n.pick_language("en") == "en"


def test_every_catalog_has_the_same_keys_and_placeholders() -> None:
    reference = i18n.load_catalog("ko")
    for code in i18n.available_languages():
        catalog = i18n.load_catalog(code)
        assert set(catalog) == set(reference), code
        for key, text in catalog.items():
            assert _placeholders(text) == _placeholders(reference[key]), (code, key)


def test_every_literal_key_used_in_the_code_is_in_the_catalog() -> None:
    used: set[str] = set()
    for path in ROOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", source))
    assert len(used) > 100
    missing = used - set(i18n.load_catalog("ko"))
    assert not missing


def test_a_missing_key_names_itself_and_the_file() -> None:
    with pytest.raises(CatalogError, match=r"'nope' missing from en.json"):
        Translator("en")("nope")
    assert Translator("en").get("rule.unknown_rule", "unknown_rule") == "unknown_rule"


def test_the_korean_catalog_is_korean() -> None:
    hangul = re.compile(r"[\uac00-\ud7a3]")
    catalog = i18n.load_catalog("ko")
    # Messages that are codes or numbers only (RR formula, percent ranges, "ID") aside.
    korean = [k for k, v in catalog.items() if hangul.search(v)]
    assert len(korean) / len(catalog) > 0.9


def test_dates_are_seoul_wall_clock_in_each_language() -> None:
    utc = dt.datetime(2026, 12, 5, 15, 30, tzinfo=dt.UTC)  # 00:30 on the 6th in Seoul
    assert Translator("ko").datetime(utc) == "2026. 12. 6. 오전 12:30"
    assert Translator("en").datetime(utc).replace("\u202f", " ") == "Dec 6, 2026 12:30 AM"
    assert Translator("ko").date(utc) == "2026. 12. 6."


def test_numbers_percentages_and_durations_follow_the_language() -> None:
    ko, en = Translator("ko"), Translator("en")
    assert ko.number(1234.56, 1) == "1,234.6"
    assert en.percent(52.34, 1) == "52.3%"
    assert ko.percent(None) == "—"
    now = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    assert ko.ago(now - dt.timedelta(minutes=5), now) == "5분 전"
    assert en.ago(now - dt.timedelta(minutes=5), now) == "5 minutes ago"
    assert ko.ago(None, now) == "기록 없음"
    assert ko.duration(7200) == "2시간"


def test_a_third_language_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for code in ("ko", "en"):
        (tmp_path / f"{code}.json").write_text(
            (ROOT / "locales" / f"{code}.json").read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "ja.json").write_text('{"language.name": "日本語"}', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.available_languages.cache_clear()
    i18n.load_catalog.cache_clear()
    try:
        assert i18n.available_languages() == ("ko", "en", "ja")
        assert Translator("ja").language_name == "日本語"
    finally:
        i18n.available_languages.cache_clear()
        i18n.load_catalog.cache_clear()


# Messages that are the same in every language: a language's own name, formulas, codes,
# percent ranges and patterns. Anything else without Hangul is an untranslated string.
_NEUTRAL = {
    "language.switch_to.en",
    "poincare.identity",
    "agp.p25_75",
    "agp.p5_95",
    "quality.col.id",
    "alert.by_at",
    "format.tick_minute",
}


def test_no_message_is_left_untranslated() -> None:
    hangul = re.compile(r"[\uac00-\ud7a3]")
    ko, en = i18n.load_catalog("ko"), i18n.load_catalog("en")
    untranslated = sorted(k for k, v in ko.items() if not hangul.search(v) and k not in _NEUTRAL)
    assert not untranslated, f"Korean catalog has messages without Korean: {untranslated}"
    korean_in_english = sorted(
        k for k, v in en.items() if hangul.search(v) and k != "language.switch_to.ko"
    )
    assert not korean_in_english, f"English catalog has Korean in: {korean_in_english}"
    # A language's own name is written in that language in every catalog.
    names = {k for k in ko if k.startswith("language.switch_to.")}
    same = sorted(k for k in ko if ko[k] == en[k] and k not in _NEUTRAL | names)
    assert not same, f"the same text in both languages: {same}"
