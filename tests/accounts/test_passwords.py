"""Password resets: by e-mail when SMTP is configured, otherwise a link from an owner or the CLI."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import update

from consult import create_app
from consult.accounts.models import PasswordReset
from consult.accounts.permissions import Role
from consult.db import utcnow
from consult.extensions import db
from tests.factories import Factory
from tests.helpers import Page, login

NEW = "another long passphrase"


class Inbox:
    """An SMTP server on localhost that keeps what it receives."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def link(self, path: str) -> str:
        body = self.messages[-1].get_content()
        match = re.search(rf"https?://[^/\s]+({path}[A-Za-z0-9_-]+)", body)
        assert match, body
        return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox(_free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def reset_via_link(page: Page, link: str, password: str = NEW) -> None:
    page.get(link)
    assert "Choose a new password" in page.text
    response = page.post(link, {"password": password, "confirm": password}, form_page=link)
    assert response.status_code == 302, page.text


def test_without_mail_the_form_says_to_ask_an_owner(page: Page) -> None:
    page.get("/admin/password/forgot")
    assert "This site does not send e-mail." in page.text


def test_an_owner_issues_a_link_that_works_once(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    login_as(Role.OWNER)
    forgetful = make.member("acme", [Role.ANALYST])
    response = page.post(
        f"/admin/acme/members/{forgetful.membership_id}/reset-link",
        {},
        form_page="/admin/acme/members/",
    )
    link = re.search(r"(/admin/password/reset/[A-Za-z0-9_-]+)", response.get_data(as_text=True))
    assert link
    visitor = Page(app.test_client())
    reset_via_link(visitor, link.group(1))
    login(visitor, forgetful.email, NEW)
    assert visitor.get(link.group(1)).status_code == 410
    assert "This password link is not valid any more." in visitor.text


def test_the_cli_prints_a_reset_link(app: Flask, make: Factory) -> None:
    member = make.member()
    result = app.test_cli_runner().invoke(args=["consult", "reset-link", member.email])
    assert result.exit_code == 0, result.output
    path = re.search(r"(/admin/password/reset/[A-Za-z0-9_-]+)", result.output)
    assert path
    page = Page(app.test_client())
    reset_via_link(page, path.group(1))
    login(page, member.email, NEW)


def test_expired_links_and_short_passwords_are_refused(app: Flask, make: Factory) -> None:
    member = make.member()
    output = app.test_cli_runner().invoke(args=["consult", "reset-link", member.email]).output
    path = re.search(r"(/admin/password/reset/[A-Za-z0-9_-]+)", output).group(1)  # type: ignore[union-attr]
    page = Page(app.test_client())
    page.post(path, {"password": "short", "confirm": "short"}, form_page=path)
    assert "Use between 12 and 256 characters." in page.text
    page.post(path, {"password": NEW, "confirm": NEW + "!"}, form_page=path)
    assert "The two passwords differ." in page.text
    with app.app_context():
        db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert page.get(path).status_code == 410


def test_reset_by_mail_in_the_users_language(
    app: Flask, make: Factory, inbox: Inbox, settings_for: Callable[..., dict[str, Any]]
) -> None:
    mailing = _mailing_app(settings_for, inbox)
    member = make.member(locale="fr")
    page = Page(mailing.test_client())
    page.get("/admin/password/forgot")
    response = page.post(
        "/admin/password/forgot", {"email": member.email}, form_page="/admin/password/forgot"
    )
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == member.email
    body = message.get_content()
    assert "https://consult.example/admin/password/reset/" in body
    assert "Une demande de nouveau mot de passe a été faite" in body  # the user's language
    assert "pendant 2 heures" in body
    reset_via_link(page, inbox.link("/admin/password/reset/"))
    login(page, member.email, NEW)


def test_reset_requests_for_unknown_addresses_look_the_same(
    app: Flask, inbox: Inbox, settings_for: Callable[..., dict[str, Any]]
) -> None:
    mailing = _mailing_app(settings_for, inbox)
    page = Page(mailing.test_client())
    response = page.post(
        "/admin/password/forgot",
        {"email": "ghost@nowhere.example"},
        form_page="/admin/password/forgot",
    )
    assert response.status_code == 302
    assert inbox.messages == []


def test_invitations_are_mailed(
    app: Flask, make: Factory, inbox: Inbox, settings_for: Callable[..., dict[str, Any]]
) -> None:
    mailing = _mailing_app(settings_for, inbox)
    owner = make.member("acme", [Role.OWNER], locale="es")
    page = Page(mailing.test_client())
    login(page, owner.email)
    page.post(
        "/admin/acme/members/invite",
        {"email": "new@example.org", "roles": ["trustee"]},
        form_page="/admin/acme/members/",
    )
    assert len(inbox.messages) == 1
    assert inbox.messages[0]["To"] == "new@example.org"
    assert "Invitación" in inbox.messages[0]["Subject"]  # the inviter's language
    assert "durante 72 horas" in inbox.messages[0].get_content()
    assert inbox.link("/admin/join/")


def _mailing_app(settings_for: Callable[..., dict[str, Any]], inbox: Inbox) -> Flask:
    mailing = create_app(
        settings_for(
            smtp_host="127.0.0.1", smtp_port=inbox.port, base_url="https://consult.example"
        )
    )
    mailing.config.update(TESTING=True)
    return mailing
