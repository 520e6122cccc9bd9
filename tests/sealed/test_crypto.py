"""The sealing core, on its own: no Flask, no database (DESIGN.md §5)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.sealed import crypto
from consult.sealed.crypto import (
    Envelope,
    EnvelopeInvalid,
    ForeignShare,
    KeyFormatError,
    NotEnoughShares,
    PayloadTooLarge,
    ShareError,
    WrongOpeningKey,
)

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())
UUID = "0b8e2a1c-5f3d-4e6a-9c7b-1d2e3f4a5b6c"
VERSION = "f" * 64


@cache
def keys() -> crypto.KeyPair:
    return crypto.generate_keypair()


def where(uuid: str = UUID, version: str = VERSION) -> bytes:
    return crypto.info(uuid, version, crypto.key_id(keys().public))


@cache
def sealed() -> Envelope:
    return crypto.seal(
        {"answers": [["q1", "", "yes", None, None, None]]}, keys().public, where(), 1024
    )


def test_round_trip() -> None:
    payload = {"answers": [["q", "", "", None, None, "Nadie nos visita, ويحرموننا من الزيارات"]]}
    envelope = crypto.seal(payload, keys().public, where(), 1024)
    assert crypto.open_envelope(envelope, keys().private, where())["answers"] == payload["answers"]
    assert envelope.suite == crypto.SUITE_ID and envelope.key_id == crypto.key_id(keys().public)
    assert len(envelope.key_id) == 32


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_every_flipped_bit_is_refused(position: int, bit: int) -> None:
    envelope = sealed()
    data = bytearray(envelope.ciphertext)
    data[position % len(data)] ^= 1 << bit
    with pytest.raises(EnvelopeInvalid):
        crypto.open_envelope(
            Envelope(envelope.suite, envelope.key_id, bytes(data)), keys().private, where()
        )


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=1))
def test_every_truncation_is_refused(cut: int) -> None:
    envelope = sealed()
    short = envelope.ciphertext[: len(envelope.ciphertext) - 1 - cut % len(envelope.ciphertext)]
    with pytest.raises(EnvelopeInvalid):
        crypto.open_envelope(
            Envelope(envelope.suite, envelope.key_id, short), keys().private, where()
        )


def test_an_envelope_replayed_elsewhere_does_not_open() -> None:
    for elsewhere in (
        where(uuid="another-consultation"),
        where(version="e" * 64),
        crypto.info(UUID, VERSION, "0" * 32),
    ):
        with pytest.raises(EnvelopeInvalid):
            crypto.open_envelope(sealed(), keys().private, elsewhere)


def test_another_key_or_suite_does_not_open() -> None:
    other = crypto.generate_keypair()
    with pytest.raises(EnvelopeInvalid):
        crypto.open_envelope(sealed(), other.private, where())
    forged = Envelope("hpke/X25519/HKDF_SHA256/AES_128_GCM", sealed().key_id, sealed().ciphertext)
    with pytest.raises(EnvelopeInvalid):
        crypto.open_envelope(forged, keys().private, where())


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=300))
def test_envelopes_of_one_size_are_equally_long_whatever_the_answers(text: str) -> None:
    envelope = crypto.seal(
        {"answers": [["q", "", "", None, None, text]]}, keys().public, where(), 2048
    )
    assert len(envelope.ciphertext) == 2048 + crypto.OVERHEAD


def test_sealing_the_same_answers_twice_gives_different_envelopes() -> None:
    payload = {"answers": []}
    one = crypto.seal(payload, keys().public, where(), 512)
    two = crypto.seal(payload, keys().public, where(), 512)
    assert one.ciphertext != two.ciphertext


def test_answers_larger_than_the_size_are_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        crypto.seal({"answers": "x" * 2000}, keys().public, where(), 1024)


def test_malformed_keys_are_refused() -> None:
    with pytest.raises(KeyFormatError):
        crypto.seal({}, b"short", where(), 512)
    with pytest.raises(KeyFormatError):
        crypto.wrap(keys().private, b"short", "kid")


@pytest.fixture(scope="module")
def ceremony() -> crypto.Ceremony:
    return crypto.run_ceremony(3, 5)


def test_k_shares_open_and_k_minus_one_do_not(ceremony: crypto.Ceremony) -> None:
    shares = ceremony.shares
    for chosen in (shares[:3], shares[2:], (shares[0], shares[2], shares[4])):
        key = crypto.combine(chosen, ceremony.identifier, ceremony.threshold)
        private = crypto.unwrap(ceremony.wrapped, key, ceremony.key_id)
        assert crypto.public_of(private) == ceremony.public
    with pytest.raises(NotEnoughShares):
        crypto.combine(shares[:2], ceremony.identifier, ceremony.threshold)
    with pytest.raises(ShareError):
        crypto.combine([shares[0], shares[0], shares[1]], ceremony.identifier, 3)


def test_a_mistyped_or_foreign_share_is_detected(ceremony: crypto.Ceremony) -> None:
    words = ceremony.shares[0].split()
    words[7] = "academic" if words[7] != "academic" else "acid"
    with pytest.raises(ShareError, match="word"):
        crypto.combine([" ".join(words), *ceremony.shares[1:3]], ceremony.identifier, 3)
    other = crypto.run_ceremony(3, 5)
    with pytest.raises(ForeignShare):
        crypto.combine([other.shares[0], *ceremony.shares[1:3]], ceremony.identifier, 3)
    # Shares of another ceremony with the same threshold combine to a key that opens nothing.
    wrong = crypto.combine(other.shares[:3], other.identifier, 3)
    with pytest.raises(WrongOpeningKey):
        crypto.unwrap(ceremony.wrapped, wrong, ceremony.key_id)


def test_shares_are_read_case_and_space_insensitively(ceremony: crypto.Ceremony) -> None:
    typed = "  " + ceremony.shares[1].upper().replace(" ", "   ") + "\n"
    info = crypto.read_share(typed)
    assert (info.identifier, info.number, info.threshold) == (ceremony.identifier, 2, 3)


def test_known_answer_vectors_still_open() -> None:
    """Envelopes sealed when format 1 was written keep opening after any later change."""
    vector = VECTORS["envelope"]
    envelope = Envelope(vector["suite"], vector["key_id"], bytes.fromhex(vector["ciphertext"]))
    private = bytes.fromhex(vector["private_key"])
    assert crypto.key_id(bytes.fromhex(vector["public_key"])) == vector["key_id"]
    assert crypto.public_of(private).hex() == vector["public_key"]
    payload = crypto.open_envelope(envelope, private, vector["info"].encode())
    assert len(payload.pop("nonce")) == 32
    assert payload == {k: v for k, v in vector["payload"].items() if k != "nonce"}
    ceremony = VECTORS["ceremony"]
    key = crypto.combine(ceremony["shares"][1:], ceremony["identifier"], ceremony["threshold"])
    private = crypto.unwrap(bytes.fromhex(ceremony["wrapped_private_key"]), key, ceremony["key_id"])
    assert crypto.public_of(private).hex() == ceremony["public_key"]


def test_the_core_imports_no_web_framework_or_database() -> None:
    code = (
        "import sys, consult.sealed.crypto; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_self_test_passes() -> None:
    crypto.self_test()


def test_resharing_keeps_the_key_and_retires_the_old_shares(ceremony: crypto.Ceremony) -> None:
    fresh = crypto.reshare(
        ceremony.shares[1:4], ceremony.identifier, 3, ceremony.wrapped, ceremony.key_id, 2, 4
    )
    assert fresh.key_id == ceremony.key_id and fresh.public == ceremony.public
    key = crypto.combine(fresh.shares[2:], fresh.identifier, 2)
    assert crypto.public_of(crypto.unwrap(fresh.wrapped, key, fresh.key_id)) == ceremony.public
    old = crypto.combine(ceremony.shares[:3], ceremony.identifier, 3)
    with pytest.raises(WrongOpeningKey):
        crypto.unwrap(fresh.wrapped, old, fresh.key_id)
    with pytest.raises(NotEnoughShares):
        crypto.reshare(
            ceremony.shares[:2], ceremony.identifier, 3, ceremony.wrapped, ceremony.key_id, 2, 3
        )
