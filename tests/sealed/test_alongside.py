"""A second process opens envelopes exactly as opening them in turn would, or gives way to it.

Whatever happens to the process (it ends, fails, or stops answering), every envelope comes back
once, in the order given, with what opening it here gives; and no log line quotes an answer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

import pytest

from consult.sealed import alongside, crypto
from consult.sealed.unseal import Sealed, opened_in_turn

SECRET_TEXT = "nobody visits us in block C"


@pytest.fixture(autouse=True)
def _small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few envelopes, a few of them ahead: many messages for a few envelopes."""
    monkeypatch.setattr(alongside, "PIECE_ENVELOPES", 3)
    monkeypatch.setattr(alongside, "AHEAD_BYTES", 5 * 2048)


@pytest.fixture(scope="module")
def sealed() -> tuple[list[Sealed], bytes, bytes]:
    """40 envelopes of numbered payloads, three of them tampered with or foreign."""
    keys = crypto.generate_keypair()
    kid = crypto.key_id(keys.public)
    where = crypto.info("consultation", "v" * 64, kid)
    envelopes = []
    for n in range(40):
        envelope = crypto.seal({"n": n, "text": SECRET_TEXT}, keys.public, where, 2048)
        data = bytearray(envelope.ciphertext)
        if n in (5, 17):
            data[-30] ^= 1
        suite = "another suite" if n == 34 else envelope.suite
        envelopes.append(Sealed(f"id-{n:02d}", suite, kid, bytes(data), "", n % 7 == 0))
    return envelopes, keys.private, where


def numbered(body: bytes) -> Any:
    payload = crypto.parse(body)
    return None if payload["n"] % 11 == 0 else (payload["n"], payload["text"])


def in_turn(envelopes: list[Sealed], private: bytes, where: bytes) -> list[tuple[Sealed, Any]]:
    return list(opened_in_turn(envelopes, private, where, numbered))


@pytest.mark.parametrize("slow", [False, True])
def test_the_second_process_gives_what_opening_in_turn_gives(
    sealed: tuple[list[Sealed], bytes, bytes], caplog: pytest.LogCaptureFixture, slow: bool
) -> None:
    """Whichever side opens a piece (this one does when the process's are late), every
    envelope comes back in the order given, with the value opening it here gives."""
    envelopes, private, where = sealed
    parent = os.getpid()

    def then(body: bytes) -> Any:
        if slow and in_the_process(parent):
            time.sleep(0.01)
        value = numbered(body)
        return value if value is None else (*value, in_the_process(parent))

    expected = in_turn(envelopes, private, where)
    assert [value for _s, value in expected].count(None) == 7  # 3 do not open, 4 refused
    for order in (envelopes, envelopes[::-1]):
        with caplog.at_level(logging.WARNING):
            got = list(alongside.opened(order, private, where, then))
        assert [(s, v and v[:2]) for s, v in got] == in_turn(order, private, where)
        by_the_process = [v[2] for _s, v in got if v is not None]
        assert any(by_the_process)
        if slow:  # this side opened some rather than wait
            assert not all(by_the_process)
    assert caplog.text == ""  # it never had to give way


def in_the_process(parent: int) -> bool:
    return os.getpid() != parent


@pytest.mark.parametrize("failure", ["ends", "raises", "stops answering"])
def test_when_the_process_fails_the_rest_is_opened_here(
    sealed: tuple[list[Sealed], bytes, bytes],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    envelopes, private, where = sealed
    parent = os.getpid()
    monkeypatch.setattr(alongside, "STALL_SECONDS", 0.5)

    def fails(body: bytes) -> Any:
        value = numbered(body)
        if in_the_process(parent):  # at its first envelope: it always has one
            if failure == "ends":
                os._exit(3)
            if failure == "raises":
                raise RuntimeError(f"could not read {SECRET_TEXT}")
            threading.Event().wait()  # stuck for good: it is killed
        return value

    with caplog.at_level(logging.WARNING):
        got = list(alongside.opened(envelopes, private, where, fails))
    assert got == in_turn(envelopes, private, where)
    assert "opening the rest here" in caplog.text
    assert SECRET_TEXT not in caplog.text


def test_stopping_early_ends_the_process(sealed: tuple[list[Sealed], bytes, bytes]) -> None:
    envelopes, private, where = sealed
    before = set(_children())
    opened = alongside.opened(envelopes, private, where, numbered)
    first = next(opened)
    assert first == in_turn(envelopes[:1], private, where)[0]
    assert set(_children()) - before  # the process is running
    opened.close()
    assert set(_children()) == before


def _children() -> list[int]:
    import multiprocessing

    return [child.pid or 0 for child in multiprocessing.active_children()]


def test_a_second_process_only_for_many_envelopes_and_no_other_thread() -> None:
    assert not alongside.worthwhile(alongside.MINIMUM - 1)
    if alongside._processors() < 2 or threading.active_count() > 1:
        pytest.skip("this machine or this test run would never use one")
    assert alongside.worthwhile(alongside.MINIMUM)
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        assert not alongside.worthwhile(alongside.MINIMUM)  # a fork would copy no thread
    finally:
        done.set()
        thread.join()
