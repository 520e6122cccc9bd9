"""Test helpers for two-factor authentication: a still TOTP clock, codes, setting up."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest

from consult.accounts import two_factor
from consult.db import utcnow
from tests.factories import Member
from tests.helpers import Page

ACCOUNT = "/admin/account/two-factor/"
CODE_STEP = "/admin/login/code"
RECOVERY_CODE = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")

#: The server's TOTP clock in these tests: it stands still unless a test moves it on.
clock = [utcnow()]


def stop_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the server's TOTP clock stand still, so no test straddles a step by chance."""
    clock[0] = utcnow()
    monkeypatch.setattr(two_factor, "utcnow", lambda: clock[0])


def later() -> None:
    """Move the TOTP clock to the next step, as if the person waited for a new code."""
    clock[0] += timedelta(seconds=30)


def code(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of ``secret`` for the current time step, or one further on."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock[0]) + steps_ahead)


def set_up(page: Page) -> tuple[str, list[str]]:
    """Switch two-factor authentication on for the signed-in page; the secret and codes."""
    page.post(f"{ACCOUNT}start", form_page=ACCOUNT)
    html = page.get(ACCOUNT).get_data(as_text=True)
    secret = re.search(r'<code class="copy-field">([A-Z2-7]+)</code>', html)
    assert secret, page.text
    response = page.post(f"{ACCOUNT}confirm", {"code": code(secret.group(1))}, form_page=ACCOUNT)
    assert response.status_code == 200, page.text
    return secret.group(1), RECOVERY_CODE.findall(response.get_data(as_text=True))


def password_step(page: Page, member: Member, next_url: str = "") -> Any:
    return page.post(
        "/admin/login", {"email": member.email, "password": member.password, "next": next_url}
    )


def code_step(page: Page, value: str) -> Any:
    return page.post(CODE_STEP, {"code": value}, form_page=CODE_STEP)
