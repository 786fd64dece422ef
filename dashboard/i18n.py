"""Languages of the dashboard: message catalogs and locale-aware numbers and dates.

Every visible string comes from a catalog file ``dashboard/locales/<code>.json`` (a flat
map of message key to text with ``{name}`` placeholders); adding a language is adding a
file. Numbers, percentages and dates are formatted with the Unicode CLDR data shipped by
Babel, and every time is shown in the pilot's zone (Asia/Seoul) whatever the server's.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "ko"
# The pilot runs in Seoul; clinicians read local wall-clock times.
DISPLAY_ZONE = ZoneInfo("Asia/Seoul")


class CatalogError(ValueError):
    """A catalog file is missing, malformed, or lacks a key the code asks for."""


@functools.cache
def available_languages() -> tuple[str, ...]:
    """Language codes with a catalog, the default first."""
    codes = sorted(p.stem for p in LOCALES_DIR.glob("*.json"))
    return tuple(sorted(codes, key=lambda c: (c != DEFAULT_LANGUAGE, c)))


@functools.cache
def load_catalog(code: str) -> dict[str, str]:
    """The messages of language ``code`` (raises CatalogError naming the file)."""
    path = LOCALES_DIR / f"{code}.json"
    if code not in available_languages():
        raise CatalogError(
            f"no catalog for language {code!r}; expected one of {available_languages()} "
            f"(add {path.name} under {LOCALES_DIR})"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise CatalogError(f"{path} must be a JSON object of string keys to string messages")
    return data


def pick_language(requested: str | None) -> str:
    """``requested`` if a catalog exists for it, otherwise the default (Korean)."""
    if requested and requested in available_languages():
        return requested
    return DEFAULT_LANGUAGE


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@functools.cache
def _number_pattern(digits: int, percent: bool) -> babel_numbers.NumberPattern:
    # Parsing a CLDR pattern costs more than applying it; a triage list applies thousands.
    text = "#,##0" + ("." + "0" * digits if digits else "") + ("%" if percent else "")
    return babel_numbers.parse_pattern(text)


@dataclass(frozen=True)
class Translator:
    """Messages and formats for one language; pass it to layouts and figures."""

    lang: str

    def __call__(self, key: str, **params: object) -> str:
        messages = load_catalog(self.lang)
        try:
            text = messages[key]
        except KeyError:
            raise CatalogError(
                f"message {key!r} missing from {self.lang}.json; add it to every catalog"
            ) from None
        return text.format(**params) if params else text

    def get(self, key: str, default: str) -> str:
        """The message for ``key``, or ``default`` when no catalog has it (e.g. a new rule id)."""
        return load_catalog(self.lang).get(key, default)

    @property
    def language_name(self) -> str:
        return self("language.name")

    def number(self, value: float | None, digits: int = 0) -> str:
        """A decimal with ``digits`` fraction digits, or an em dash when unknown."""
        if value is None:
            return "—"
        return str(_number_pattern(digits, False).apply(value, _locale(self.lang)))

    def percent(self, value: float | None, digits: int = 0) -> str:
        """``value`` is already a percentage (e.g. 52.5 for 52.5%)."""
        if value is None:
            return "—"
        return str(_number_pattern(digits, True).apply(value / 100.0, _locale(self.lang)))

    def datetime(self, value: dt.datetime | None, *, short: bool = True) -> str:
        """Date and time in Asia/Seoul, in the language's CLDR pattern."""
        if value is None:
            return "—"
        local = value.astimezone(DISPLAY_ZONE)
        # CLDR "medium" date (four-digit year: "2026. 12. 6." / "Dec 6, 2026") with the
        # "short" time; seconds only where asked for.
        day = babel_dates.format_date(local, "medium", locale=_locale(self.lang))
        clock = babel_dates.format_time(
            local, "short" if short else "medium", locale=_locale(self.lang)
        )
        return f"{day} {clock}"

    def date(self, value: dt.datetime | None) -> str:
        if value is None:
            return "—"
        return babel_dates.format_date(
            value.astimezone(DISPLAY_ZONE), "medium", locale=_locale(self.lang)
        )

    def ago(self, value: dt.datetime | None, now: dt.datetime) -> str:
        """How long ago, e.g. "5분 전" / "5 minutes ago"."""
        if value is None:
            return self("never")
        return babel_dates.format_timedelta(
            value - now, add_direction=True, threshold=1.0, locale=_locale(self.lang)
        )

    def duration(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        return babel_dates.format_timedelta(
            dt.timedelta(seconds=seconds), threshold=1.0, locale=_locale(self.lang)
        )


def catalog_keys(code: str) -> set[str]:
    return set(load_catalog(code))
