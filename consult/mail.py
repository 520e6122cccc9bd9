"""Outgoing e-mail behind a small interface: SMTP when configured, otherwise nothing is sent.

Callers ask :func:`mailer` and check ``enabled``: without SMTP, links are shown to the owner
instead of being mailed. Messages are rendered by the caller inside the recipient's locale.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from consult.config import Settings
from consult.settings import current_settings


class Mailer(Protocol):
    enabled: bool

    def send(self, to: str, subject: str, body: str) -> None: ...


class NullMailer:
    """Used when no SMTP host is configured: sends nothing, and says so through ``enabled``."""

    enabled = False

    def send(self, to: str, subject: str, body: str) -> None:
        raise RuntimeError("mail is not configured")


class SMTPMailer:
    enabled = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=20) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_user:
                smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            smtp.send_message(message)


def mailer() -> Mailer:
    settings = current_settings()
    return SMTPMailer(settings) if settings.mail_enabled else NullMailer()
