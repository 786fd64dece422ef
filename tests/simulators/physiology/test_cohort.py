"""The virtual cohort: scenario mix, identities, devices, stability."""

from __future__ import annotations

from collections import Counter

import pytest

from simulators.physiology import SEOUL_DISTRICTS, ParameterError, cohort


def test_twenty_participants_are_mostly_healthy_with_two_of_each_risk() -> None:
    counts = Counter(p.scenario.name for p in cohort(20, seed=1))
    assert counts["healthy"] >= 7
    assert counts["low_mood"] == 1
    for risk in ("paroxysmal_af", "bradycardia", "tachycardia", "nocturnal_hypo", "hyperglycaemia"):
        assert counts[risk] == 2, risk
    assert counts["noisy_sensor"] >= 1
    assert counts["gateway_outage"] >= 1


def test_identities_seeds_and_devices_are_unique() -> None:
    people = cohort(20, seed=2)
    for attribute in ("participant_id", "seed"):
        assert len({getattr(p, attribute) for p in people}) == 20
    serials = [p.hr_device.serial for p in people] + [p.cgm_device.serial for p in people]
    names = [p.hr_device.name for p in people] + [p.cgm_device.name for p in people]
    addresses = [p.hr_device.address for p in people] + [p.cgm_device.address for p in people]
    assert len(set(serials)) == 40
    assert len(set(names)) == 40
    assert len(set(addresses)) == 40
    assert len({p.gateway_name for p in people}) == 20


def test_device_addresses_are_random_static_addresses() -> None:
    for person in cohort(20, seed=9):
        for device in (person.hr_device, person.cgm_device):
            octets = device.address.split(":")
            assert len(octets) == 6
            assert int(octets[0], 16) & 0xC0 == 0xC0


def test_participants_are_older_adults_in_seoul() -> None:
    districts = dict(SEOUL_DISTRICTS)
    assert len(districts) == 25
    for person in cohort(20, seed=3, reference_year=2026):
        assert 65 <= 2026 - person.birth_year <= 90
        assert districts[person.district] == person.district_ko
        assert person.sex in {"F", "M"}


def test_participant_does_not_depend_on_cohort_size() -> None:
    assert cohort(5, seed=4) == cohort(20, seed=4)[:5]


def test_cohort_is_reproducible_and_seed_dependent() -> None:
    assert cohort(10, seed=5) == cohort(10, seed=5)
    assert [p.seed for p in cohort(10, seed=5)] != [p.seed for p in cohort(10, seed=6)]


def test_personalised_parameters_stay_near_the_scenario() -> None:
    for person in cohort(20, seed=7):
        template = person.scenario
        assert abs(person.heart.resting_hr_bpm - template.heart.resting_hr_bpm) <= 5.0
        shift = person.glucose.basal_glucose_mg_dl - template.glucose.basal_glucose_mg_dl
        assert abs(shift) <= 10.0


def test_faults_come_from_the_scenario() -> None:
    for person in cohort(20, seed=8):
        assert person.faults == person.scenario.faults


def test_negative_size_raises_parameter_error() -> None:
    with pytest.raises(ParameterError, match="n >= 0"):
        cohort(-1, seed=1)
