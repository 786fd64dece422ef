import pytest

from ingest.export.risk import equivalence_classes, measure

KEYS = ["A", "A", "A", "B", "B", "C"]


def test_k_and_prosecutor_risk_by_hand() -> None:
    m = measure(equivalence_classes(KEYS), risk_threshold=0.2)
    # classes A(3), B(2), C(1): k = 1, max risk 1/1, average 3 classes / 6 records;
    # every record's risk (1/3, 1/2, 1) exceeds 0.2.
    assert (m.records, m.classes, m.k_achieved, m.l_achieved) == (6, 3, 1, None)
    assert m.prosecutor_risk_max == 1.0
    assert m.prosecutor_risk_avg == pytest.approx(0.5)
    assert m.records_at_risk_share == 1.0


def test_records_at_risk_against_a_higher_threshold() -> None:
    # 1/3 <= 0.4 < 1/2: only the 2 records of B and the 1 of C are at risk.
    m = measure(equivalence_classes(KEYS), risk_threshold=0.4)
    assert m.records_at_risk_share == pytest.approx(3 / 6)


def test_distinct_l_diversity() -> None:
    sensitive = ["x", "y", "x", "x", "x", "z"]
    classes = equivalence_classes(KEYS, sensitive)
    assert [classes[k].distinct_sensitive for k in "ABC"] == [2, 1, 1]
    assert measure(classes, 0.2).l_achieved == 1
    only_a = {"A": classes["A"]}
    assert measure(only_a, 0.2).l_achieved == 2


def test_empty_table_and_bad_threshold_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        measure({}, 0.2)
    with pytest.raises(ValueError, match="risk_threshold"):
        measure(equivalence_classes(KEYS), 0.0)
