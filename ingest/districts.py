"""Seoul's 25 autonomous districts (gu), the pilot's residence field.

docs/privacy.md "Research export": the district is a quasi-identifier generalised to one of
Seoul's 25 gu or its 5 planning regions, so enrolment accepts only these spellings
(Revised Romanization, as on the Seoul Metropolitan Government's English site).
"""

from __future__ import annotations

from typing import Final

SEOUL_GU: Final[tuple[str, ...]] = (
    "Dobong-gu",
    "Dongdaemun-gu",
    "Dongjak-gu",
    "Eunpyeong-gu",
    "Gangbuk-gu",
    "Gangdong-gu",
    "Gangnam-gu",
    "Gangseo-gu",
    "Geumcheon-gu",
    "Guro-gu",
    "Gwanak-gu",
    "Gwangjin-gu",
    "Jongno-gu",
    "Jung-gu",
    "Jungnang-gu",
    "Mapo-gu",
    "Nowon-gu",
    "Seocho-gu",
    "Seodaemun-gu",
    "Seongbuk-gu",
    "Seongdong-gu",
    "Songpa-gu",
    "Yangcheon-gu",
    "Yeongdeungpo-gu",
    "Yongsan-gu",
)
_BY_KEY: Final = {g.lower().removesuffix("-gu"): g for g in SEOUL_GU}


def canonical_district(name: str) -> str | None:
    """The canonical spelling of a gu ('mapo', 'Mapo-gu', 'MAPO-GU' -> 'Mapo-gu'), or None."""
    return _BY_KEY.get(name.strip().lower().removesuffix("-gu"))
