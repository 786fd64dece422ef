"""Instruments as data: load and validate ``checkins/instruments/<id>.json``.

A file names the instrument, its version, its sources, per item the answer that scores a
point (``scores_on``: reversed items score on "no"), the wording in every language with a
plainer rephrasing, the dialogue's messages and the scoring rule (cut-off, how many
skipped items may be prorated). An item may carry ``risk``: the answer that ends the
dialogue with the calm message and raises a HIGH alert (none of the shipped instruments
asks about self-harm; see docs/checkins.md).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, Literal

LANGUAGES: Final = ("ko", "en")
MESSAGES: Final = ("greeting", "intro", "unsure_again", "stopped", "resume", "thanks", "risk")
_ID: Final = re.compile(r"^[a-z0-9_]{1,32}$")

YesNo = Literal["yes", "no"]


class InstrumentError(ValueError):
    """An instrument file is missing or malformed (the message names the field)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One question: its number in the published order and how it scores."""

    number: int
    scores_on: YesNo
    text: Mapping[str, str]
    rephrase: Mapping[str, str]
    risk_on: YesNo | None = None


@dataclass(frozen=True, slots=True)
class Instrument:
    """A versioned questionnaire (see the module docstring)."""

    id: str
    version: str
    title: Mapping[str, str]
    schedule: str
    items: tuple[Item, ...]
    cutoff: int | None
    max_skipped: int
    messages: Mapping[str, Mapping[str, str]]
    sources: tuple[str, ...]

    def item(self, number: int) -> Item:
        """The item numbered ``number`` (KeyError if there is none)."""
        for it in self.items:
            if it.number == number:
                return it
        raise KeyError(number)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(it.number for it in self.items)


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise InstrumentError(f"{where}: {what}")


def _texts(raw: Any, where: str) -> Mapping[str, str]:
    _need(isinstance(raw, dict), where, "expected an object of language -> text")
    for lang in LANGUAGES:
        _need(isinstance(raw.get(lang), str) and raw[lang].strip() != "", where, f"no {lang} text")
    return MappingProxyType(dict(raw))


def _yes_no(raw: Any, where: str) -> YesNo:
    _need(raw in ("yes", "no"), where, f"expected 'yes' or 'no', got {raw!r}")
    return "yes" if raw == "yes" else "no"


def parse_instrument(doc: Any, name: str = "instrument") -> Instrument:
    """Validate a decoded instrument document; raise InstrumentError naming the field."""
    _need(isinstance(doc, dict), name, "expected a JSON object")
    iid = doc.get("id")
    _need(isinstance(iid, str) and bool(_ID.match(iid)), f"{name}.id", "expected [a-z0-9_]{1,32}")
    version = doc.get("version")
    _need(isinstance(version, str) and version != "", f"{name}.version", "missing")
    raw_items = doc.get("items")
    _need(isinstance(raw_items, list) and len(raw_items) > 0, f"{name}.items", "expected a list")
    items = []
    for i, raw in enumerate(raw_items):
        where = f"{name}.items[{i}]"
        _need(isinstance(raw, dict), where, "expected an object")
        _need(raw.get("item") == i + 1, f"{where}.item", f"expected {i + 1} (published order)")
        risk = raw.get("risk")
        items.append(
            Item(
                i + 1,
                _yes_no(raw.get("scores_on"), f"{where}.scores_on"),
                _texts(raw.get("text"), f"{where}.text"),
                _texts(raw.get("rephrase"), f"{where}.rephrase"),
                None if risk is None else _yes_no(risk, f"{where}.risk"),
            )
        )
    scoring = doc.get("scoring")
    _need(isinstance(scoring, dict), f"{name}.scoring", "expected an object")
    cutoff = scoring.get("cutoff")
    _need(
        cutoff is None or (isinstance(cutoff, int) and 0 < cutoff <= len(items)),
        f"{name}.scoring.cutoff",
        f"expected null or 1-{len(items)}",
    )
    max_skipped = scoring.get("max_skipped_for_prorating")
    _need(
        isinstance(max_skipped, int) and 0 <= max_skipped < len(items),
        f"{name}.scoring.max_skipped_for_prorating",
        f"expected 0-{len(items) - 1}",
    )
    raw_messages = doc.get("messages")
    _need(isinstance(raw_messages, dict), f"{name}.messages", "expected an object")
    messages = {}
    for lang in LANGUAGES:
        texts = raw_messages.get(lang)
        _need(isinstance(texts, dict), f"{name}.messages.{lang}", "missing")
        for key in MESSAGES:
            _need(isinstance(texts.get(key), str), f"{name}.messages.{lang}.{key}", "missing")
        messages[lang] = MappingProxyType(dict(texts))
    sources = doc.get("sources")
    _need(isinstance(sources, list) and len(sources) > 0, f"{name}.sources", "cite the source")
    return Instrument(
        id=iid,
        version=version,
        title=_texts(doc.get("title"), f"{name}.title"),
        schedule=str(doc.get("schedule", "")),
        items=tuple(items),
        cutoff=cutoff,
        max_skipped=max_skipped,
        messages=MappingProxyType(messages),
        sources=tuple(str(s) for s in sources),
    )


@functools.cache
def load_instrument(instrument_id: str) -> Instrument:
    """The shipped instrument ``instrument_id`` (``gds15``, ``daily2``)."""
    if not _ID.match(instrument_id):
        raise InstrumentError(f"instrument {instrument_id!r}: not a valid id")
    path = resources.files("checkins") / "instruments" / f"{instrument_id}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(
            f"instrument {instrument_id!r} is unknown; expected one of: {', '.join(known())}"
        ) from None
    return parse_instrument(json.loads(text), instrument_id)


def known() -> tuple[str, ...]:
    """Ids of the shipped instruments."""
    folder = resources.files("checkins") / "instruments"
    return tuple(
        sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))
    )
