import hashlib
import hmac
import uuid

import pytest

from ingest.export.pseudonym import KEY_BYTES, new_key, pseudonym

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))
PID = uuid.UUID("6f1c2a4e-8d3b-4f6a-9c1e-2b7d5e8f0a13")


def test_pseudonym_is_truncated_hmac_sha256_of_the_domain_tagged_id() -> None:
    expected = hmac.new(KEY_A, f"wearmon-export|participant|{PID}".encode(), hashlib.sha256)
    assert pseudonym(KEY_A, "participant", PID) == expected.hexdigest()[:32]


def test_same_key_same_pseudonym_other_key_other_pseudonym() -> None:
    assert pseudonym(KEY_A, "participant", PID) == pseudonym(KEY_A, "participant", str(PID))
    assert pseudonym(KEY_A, "participant", PID) != pseudonym(KEY_B, "participant", PID)


def test_domains_separate_the_same_id() -> None:
    assert pseudonym(KEY_A, "participant", PID) != pseudonym(KEY_A, "device", PID)


def test_pseudonym_is_no_plain_hash_of_the_id() -> None:
    p = pseudonym(KEY_A, "participant", PID)
    forms = [str(PID).encode(), PID.hex.encode(), PID.bytes, str(PID).upper().encode()]
    for form in forms:
        for algo in (hashlib.sha256, hashlib.md5, hashlib.sha1):
            assert not algo(form).hexdigest().startswith(p)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        pseudonym(b"short", "participant", PID)


def test_new_keys_are_random_and_full_length() -> None:
    a, b = new_key(), new_key()
    assert len(a) == KEY_BYTES
    assert a != b
