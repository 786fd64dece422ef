import pytest

from ingest.districts import SEOUL_GU
from ingest.export.hierarchy import (
    AGE,
    DISTRICT,
    DROPPED,
    PLANNING_REGIONS,
    SEX,
    age_band_5y,
    age_band_10y,
    planning_region,
)


@pytest.mark.parametrize(
    ("age", "band"),
    [(64, "60-64"), (65, "65-69"), (69, "65-69"), (84, "80-84"), (85, "85+"), (101, "85+")],
)
def test_five_year_bands_top_coded_at_85(age: int, band: str) -> None:
    assert age_band_5y(age) == band


@pytest.mark.parametrize(("age", "band"), [(65, "60-69"), (79, "70-79"), (80, "80+"), (93, "80+")])
def test_ten_year_bands_top_coded_at_80(age: int, band: str) -> None:
    assert age_band_10y(age) == band


def test_planning_regions_partition_the_25_gu() -> None:
    listed = [gu for gus in PLANNING_REGIONS.values() for gu in gus]
    assert sorted(listed) == sorted(SEOUL_GU)
    assert {r: len(g) for r, g in PLANNING_REGIONS.items()} == {
        "도심권": 3,
        "동북권": 8,
        "서북권": 3,
        "서남권": 7,
        "동남권": 4,
    }


@pytest.mark.parametrize(
    ("gu", "region"),
    [
        ("Yongsan-gu", "도심권"),
        ("Nowon-gu", "동북권"),
        ("Mapo-gu", "서북권"),
        ("Gwanak-gu", "서남권"),
        ("Gangdong-gu", "동남권"),
    ],
)
def test_gu_to_region(gu: str, region: str) -> None:
    assert planning_region(gu) == region


def test_levels_generalise_and_drop() -> None:
    assert [AGE.generalise(87, lv) for lv in range(3)] == ["85+", "80+", DROPPED]
    assert [DISTRICT.generalise("Mapo-gu", lv) for lv in range(3)] == ["Mapo-gu", "서북권", DROPPED]
    assert [SEX.generalise("F", lv) for lv in range(2)] == ["F", DROPPED]


def test_bad_values_are_named() -> None:
    with pytest.raises(ValueError, match="Atlantis"):
        DISTRICT.generalise("Atlantis", 1)
    with pytest.raises(ValueError, match="levels 0-2"):
        AGE.generalise(70, 3)
    with pytest.raises(ValueError, match="sex"):
        SEX.generalise("X", 0)
