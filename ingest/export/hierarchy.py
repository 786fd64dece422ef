"""Generalisation hierarchies of the quasi-identifiers: age, sex, district.

Each hierarchy maps a raw value to its label at a level; level 0 is the most detailed
released form and the last level drops the attribute ("*"), as ARX's value hierarchies
do (Prasser & Kohlmayer 2015, "Putting statistical disclosure control into practice:
the ARX data anonymization tool").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

#: Label of a dropped (fully generalised) attribute.
DROPPED: Final = "*"
#: Top band of the age hierarchy: ages 85 and over share one band (docs/privacy.md
#: "Research export"; the top-coding of Statistics Korea's 5-year age tables).
AGE_TOP_5Y: Final = 85
#: At the 10-year level the top band starts at 80, so no band is narrower than its level.
AGE_TOP_10Y: Final = 80

#: Seoul's five planning regions (생활권역) and their gu, as defined by the Seoul
#: Metropolitan Government's 2030 Seoul Plan (2030 서울플랜, 2014), chapter on regional
#: plans: 도심권 3 gu, 동북권 8, 서북권 3, 서남권 7, 동남권 4.
PLANNING_REGIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "도심권": ("Jongno-gu", "Jung-gu", "Yongsan-gu"),
    "동북권": (
        "Seongdong-gu",
        "Gwangjin-gu",
        "Dongdaemun-gu",
        "Jungnang-gu",
        "Seongbuk-gu",
        "Gangbuk-gu",
        "Dobong-gu",
        "Nowon-gu",
    ),
    "서북권": ("Eunpyeong-gu", "Seodaemun-gu", "Mapo-gu"),
    "서남권": (
        "Yangcheon-gu",
        "Gangseo-gu",
        "Guro-gu",
        "Geumcheon-gu",
        "Yeongdeungpo-gu",
        "Dongjak-gu",
        "Gwanak-gu",
    ),
    "동남권": ("Seocho-gu", "Gangnam-gu", "Songpa-gu", "Gangdong-gu"),
}
_REGION_OF: Final = {gu: region for region, gus in PLANNING_REGIONS.items() for gu in gus}


def age_band_5y(age: int) -> str:
    """5-year band ("70-74"), top-coded: 85 and over -> "85+"."""
    _check_age(age)
    if age >= AGE_TOP_5Y:
        return f"{AGE_TOP_5Y}+"
    low = age - age % 5
    return f"{low}-{low + 4}"


def age_band_10y(age: int) -> str:
    """10-year band ("70-79"), top-coded: 80 and over -> "80+"."""
    _check_age(age)
    if age >= AGE_TOP_10Y:
        return f"{AGE_TOP_10Y}+"
    low = age - age % 10
    return f"{low}-{low + 9}"


def planning_region(gu: str) -> str:
    """The planning region of a Seoul gu (canonical spelling, e.g. "Mapo-gu")."""
    try:
        return _REGION_OF[gu]
    except KeyError:
        raise ValueError(f"{gu!r} is not one of Seoul's 25 gu") from None


def _check_age(age: int) -> None:
    if not 0 <= age <= 130:
        raise ValueError(f"age must be 0-130 years, got {age}")


def _dropped(_: object) -> str:
    return DROPPED


def _sex(value: object) -> str:
    if value not in ("F", "M"):
        raise ValueError(f"sex must be 'F' or 'M', got {value!r}")
    return str(value)


def _age(fn: Callable[[int], str]) -> Callable[[object], str]:
    def label(value: object) -> str:
        if not isinstance(value, int):
            raise ValueError(f"age must be an integer number of years, got {value!r}")
        return fn(value)

    return label


def _district(value: object) -> str:
    if not isinstance(value, str) or value not in _REGION_OF:
        raise ValueError(f"{value!r} is not one of Seoul's 25 gu")
    return value


def _region(value: object) -> str:
    return planning_region(str(value))


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A quasi-identifier's levels, most detailed first; the last one drops it."""

    attribute: str
    level_names: tuple[str, ...]
    labels: tuple[Callable[[object], str], ...]

    @property
    def height(self) -> int:
        """Highest level (the dropped one)."""
        return len(self.labels) - 1

    def generalise(self, value: object, level: int) -> str:
        """``value``'s label at ``level``."""
        if not 0 <= level <= self.height:
            raise ValueError(f"{self.attribute} has levels 0-{self.height}, got {level}")
        return self.labels[level](value)


AGE: Final = Hierarchy(
    "age",
    ("5-year bands (85+)", "10-year bands (80+)", "dropped"),
    (_age(age_band_5y), _age(age_band_10y), _dropped),
)
SEX: Final = Hierarchy("sex", ("kept", "dropped"), (_sex, _dropped))
DISTRICT: Final = Hierarchy(
    "district", ("gu", "planning region", "dropped"), (_district, _region, _dropped)
)
#: Every quasi-identifier an export can release, by name.
HIERARCHIES: Final[Mapping[str, Hierarchy]] = {h.attribute: h for h in (AGE, SEX, DISTRICT)}
