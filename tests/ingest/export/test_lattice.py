import pytest

from ingest.export.errors import ExportBlocked, ExportError
from ingest.export.lattice import Record, Thresholds, search


def _people(groups: list[tuple[int, str, int]], district: str = "Mapo-gu") -> list[Record]:
    out: list[Record] = []
    for age, sex, count in groups:
        for _ in range(count):
            out.append(Record(f"s{len(out)}", {"age": age, "sex": sex, "district": district}))
    return out


# 20 people; with k=5 and 5% suppression, 1 record may be suppressed.
COHORT = _people(
    [(71, "F", 6), (76, "M", 5), (82, "F", 4), (86, "F", 1), (66, "M", 1), (78, "M", 3)]
)


def test_least_loss_node_with_one_suppressed_record() -> None:
    result = search(COHORT, ["age", "sex"], Thresholds(k=5))
    chosen = result.chosen
    # (age 10-year, sex kept): classes 70-79/F 6, 70-79/M 8, 80+/F 5, 60-69/M 1 -> the
    # single 66-year-old man is suppressed. Prec loss = (19 * (1/2 + 0)/2 + 1) / 20.
    assert dict(chosen.levels) == {"age": 1, "sex": 0}
    assert chosen.suppressed == ("s16",)
    assert chosen.loss == pytest.approx(0.2875)
    assert chosen.risk is not None
    assert (chosen.risk.k_achieved, chosen.risk.classes, chosen.risk.records) == (5, 3, 19)
    assert chosen.risk.prosecutor_risk_max == pytest.approx(0.2)
    assert chosen.risk.records_at_risk_share == 0.0
    # Acceptable: (1,0), (1,1), (2,0), (2,1); the 5-year level suppresses 6 either way.
    assert (result.nodes_evaluated, result.nodes_acceptable) == (6, 4)
    assert chosen.labels["s0"] == {"age": "70-79", "sex": "F"}
    assert "s16" not in chosen.labels


def test_explanation_names_the_choice_and_the_failing_finer_node() -> None:
    text = search(COHORT, ["age", "sex"], Thresholds(k=5)).explanation
    assert "age=10-year bands (80+), sex=kept" in text
    assert "age=5-year bands (85+), sex=kept would suppress 6" in text
    assert "(age=85+, sex=F) with 1 participant" in text


def test_without_suppression_the_search_generalises_further() -> None:
    chosen = search(COHORT, ["age", "sex"], Thresholds(k=5, max_suppression=0.0)).chosen
    assert dict(chosen.levels) == {"age": 2, "sex": 0}
    assert chosen.risk is not None
    assert chosen.risk.k_achieved == 9


def test_district_generalised_to_planning_region() -> None:
    records = [
        Record(f"s{i}", {"district": gu})
        for i, gu in enumerate(
            ["Mapo-gu"] * 5
            + ["Seodaemun-gu"] * 3
            + ["Eunpyeong-gu"] * 2
            + ["Gangnam-gu"] * 5
            + ["Songpa-gu"] * 5
        )
    ]
    chosen = search(records, ["district"], Thresholds(k=5)).chosen
    assert dict(chosen.levels) == {"district": 1}
    assert {v["district"] for v in chosen.labels.values()} == {"서북권", "동남권"}


def test_too_few_participants_block_with_the_failing_class() -> None:
    with pytest.raises(ExportBlocked) as info:
        search(_people([(70, "F", 3)]), ["age", "sex"], Thresholds(k=5))
    message = str(info.value)
    assert "no generalisation meets k=5" in message
    assert "(age=*, sex=*) with 3 participants" in message
    assert "Lower k" in message


def test_l_diversity_is_measured_and_enforced() -> None:
    records = [
        Record(f"s{i}", {"sex": sex}, sensitive=value)
        for i, (sex, value) in enumerate([("F", "a"), ("F", "b")] * 3 + [("M", "a")] * 5)
    ]
    measured = search(records, ["sex"], Thresholds(k=5)).chosen
    assert measured.risk is not None
    assert measured.risk.l_achieved == 1
    enforced = search(records, ["sex"], Thresholds(k=5, l=2)).chosen
    # The men's class holds one sensitive value: sex must be dropped for l = 2.
    assert dict(enforced.levels) == {"sex": 1}
    assert enforced.risk is not None
    assert enforced.risk.l_achieved == 2


def test_bad_parameters_are_named() -> None:
    with pytest.raises(ExportError, match="unknown quasi-identifiers"):
        search(COHORT, ["postcode"], Thresholds())
    with pytest.raises(ExportError, match="k must be"):
        Thresholds(k=0)
    with pytest.raises(ExportError, match="no participants"):
        search([], ["age"], Thresholds())
