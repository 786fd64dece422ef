"""The stylesheet's and the figures' colours meet WCAG 2.1 AA contrast (1.4.3, 1.4.11).

Colours are read from the files the browser gets (``assets/style.css`` custom properties
and hex literals, ``figures/style.py``), so a colour changed there is checked here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.figures import style as figure_style
from dashboard.model.severity import MARKS, contrast_ratio

CSS = Path(figure_style.__file__).parents[1] / "assets" / "style.css"
# WCAG 2.1 success criterion 1.4.3 (text) and 1.4.11 (graphics, component boundaries).
TEXT = 4.5
GRAPHIC = 3.0


def _variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", CSS.read_text(encoding="utf-8"))
    assert root is not None, "style.css has no :root block of colours"
    found = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))
    assert {"ink", "muted", "line", "bg", "panel", "accent", "ok", "warn", "focus"} <= set(found)
    return found


# (foreground, background, minimum, where it is used)
_PAIRS = [
    ("ink", "bg", TEXT, "body text"),
    ("ink", "panel", TEXT, "header, table heads, messages"),
    ("muted", "bg", TEXT, "hints, labels, counts"),
    ("muted", "panel", TEXT, "metric labels on panels"),
    ("accent", "bg", TEXT, "links, secondary buttons"),
    ("accent", "panel", TEXT, "navigation links in the header"),
    ("#ffffff", "accent", TEXT, "primary buttons"),
    ("ok", "bg", TEXT, "targets met"),
    ("warn", "bg", TEXT, "targets missed, technical problems"),
    ("warn", "panel", TEXT, "errors in messages"),
    ("line", "bg", GRAPHIC, "input and table borders"),
    ("ink", "focus", GRAPHIC, "focus ring: outline on the glow"),
]


@pytest.mark.parametrize(("fg", "bg", "minimum", "use"), _PAIRS)
def test_stylesheet_colours_meet_wcag_aa(fg: str, bg: str, minimum: float, use: str) -> None:
    colours = _variables()
    ratio = contrast_ratio(colours.get(fg, fg), colours.get(bg, bg))
    assert ratio >= minimum, f"{fg} on {bg} ({use}): {ratio:.2f}:1 < {minimum}:1"


def test_hover_and_hard_coded_backgrounds_keep_text_readable() -> None:
    colours = _variables()
    literals = set(re.findall(r"background:\s*(#[0-9a-fA-F]{6})", CSS.read_text(encoding="utf-8")))
    assert literals  # e.g. the row hover colour
    for background in literals:
        for text in ("ink", "accent", "warn", "ok"):
            ratio = contrast_ratio(colours[text], background)
            assert ratio >= TEXT, f"{text} on {background}: {ratio:.2f}:1"


def test_figure_colours_meet_wcag_aa_on_white() -> None:
    assert contrast_ratio(figure_style.INK, "#FFFFFF") >= TEXT
    for name in ("HR_COLOUR", "GLUCOSE_COLOUR", "BAND_EDGE"):
        colour = getattr(figure_style, name)
        assert contrast_ratio(colour, "#FFFFFF") >= GRAPHIC, name
    for mark in MARKS.values():
        assert contrast_ratio("#FFFFFF", mark.colour) >= TEXT, mark
