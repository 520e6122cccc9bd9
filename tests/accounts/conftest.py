"""Fixtures of the account tests."""

from __future__ import annotations

import pytest

from tests.accounts.authenticator import stop_the_clock


@pytest.fixture
def still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's TOTP clock stands still during the test (move it with ``later()``)."""
    stop_the_clock(monkeypatch)
