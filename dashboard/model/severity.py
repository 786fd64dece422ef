"""Severity marks that never rely on colour alone: each priority has a shape and a word.

Colours come from the Okabe-Ito colour-blind-safe palette (Okabe M., Ito K., "Color
Universal Design", 2008), darkened where needed so that white text on them and they on
white meet WCAG 2.1 AA (contrast >= 4.5:1, success criterion 1.4.3); shapes differ in
outline, so the marks stay distinct in greyscale (WCAG 1.4.1, use of colour).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    priority: str | None
    glyph: str  # shown in text (HTML)
    plotly_symbol: str  # marker symbol in figures
    colour: str  # background of the badge (white text on it)


MARKS: dict[str | None, Mark] = {
    # vermillion, darkened: 5.9:1 against white
    "HIGH": Mark("HIGH", "▲", "triangle-up", "#B23C00"),
    # orange/yellow family, darkened to 4.9:1 against white
    "MEDIUM": Mark("MEDIUM", "◆", "diamond", "#8A5A00"),
    # blue: 6.2:1 against white
    "LOW": Mark("LOW", "●", "circle", "#005A9C"),
    None: Mark(None, "○", "circle-open", "#4D4D4D"),
}


def mark_for(priority: str | None) -> Mark:
    return MARKS.get(priority.upper() if priority else None, MARKS[None])


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours (definition of relative luminance)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
