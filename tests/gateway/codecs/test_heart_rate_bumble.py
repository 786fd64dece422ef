"""Cross-check: Heart Rate Measurements encoded by Bumble decode to the same fields.

Bumble's `HeartRateService.HeartRateMeasurement` is an independent implementation of the
same SIG layout (docs/ble.md names it as a cross-check source).
"""

from __future__ import annotations

from bumble.profiles.heart_rate_service import HeartRateService
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.codecs.heart_rate import SensorContact, decode_heart_rate_measurement

_CONTACT = {None: SensorContact.UNSUPPORTED, False: SensorContact.NOT_DETECTED}


@settings(derandomize=True, max_examples=200, print_blob=True)
@given(
    heart_rate=st.integers(0, 0xFFFF),
    contact=st.sampled_from([None, False, True]),
    energy_kj=st.none() | st.integers(0, 0xFFFF),
    rr_1024=st.lists(st.integers(0, 0xFFFF), max_size=8),
)
def test_bumble_encoding_decodes_to_same_fields(
    heart_rate: int, contact: bool | None, energy_kj: int | None, rr_1024: list[int]
) -> None:
    # raw / 1024 is exact in binary floating point, so Bumble's int(rr * 1024) is lossless.
    wire = bytes(
        HeartRateService.HeartRateMeasurement(
            heart_rate=heart_rate,
            sensor_contact_detected=contact,
            energy_expended=energy_kj,
            rr_intervals=[rr / 1024 for rr in rr_1024] or None,
        )
    )
    decoded = decode_heart_rate_measurement(wire)
    assert decoded.heart_rate_bpm == heart_rate
    assert decoded.sensor_contact is _CONTACT.get(contact, SensorContact.DETECTED)
    assert decoded.energy_expended_kj == energy_kj
    assert decoded.rr_intervals_1024 == tuple(rr_1024)
