"""Typed settings, read once from the environment and validated at start.

Every knob of the application lives here, so that what an instance does can be read in one
place (and shown on the "What we record" page later). ``Settings.from_env`` never guesses
silently in production: a missing secret, a debug flag or a bad value raises ``ConfigError``
with a message that says what to set.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """The environment describes an instance that must not start."""


@dataclass(frozen=True)
class Settings:
    """What an instance is configured to do. Built by :meth:`from_env`."""

    #: ``development`` (local, demo allowed) or ``production``.
    env: str = "development"
    #: Signs cookies and CSRF tokens. Required in production.
    secret_key: str = ""
    #: SQLAlchemy URL; SQLite in ``instance/`` by default.
    database_url: str = ""
    #: Werkzeug debugger and reloader; refused in production.
    debug: bool = False
    #: Port for ``make run``.
    port: int = 5000
    #: Public origin used in links sent by e-mail, e.g. ``https://consult.example.org``;
    #: ``http://127.0.0.1:<port>`` in development when unset.
    base_url: str = ""
    #: Minimum count shown in published tables (small-cell suppression).
    suppression_k: int = 5
    #: Minutes of inactivity after which an organiser session ends.
    session_idle_minutes: int = 30
    #: Hours after login at which an organiser session ends whatever happens.
    session_absolute_hours: int = 12
    #: Hours a member invitation or password reset link stays valid.
    invitation_valid_hours: int = 72
    reset_valid_hours: int = 2
    #: Outgoing mail; no host means links are shown to owners instead of mailed.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "consult@localhost"
    #: Optional Redis for shared rate limits and background jobs.
    redis_url: str = ""
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    #: Needed for HTTPS detection and for holding floods per address behind a proxy.
    trusted_proxies: int = 0
    #: Largest request body accepted, in bytes: beyond it, a translated "too much data" page.
    #: Far above what the field limits let a form hold (the longest answer, 10 000 characters
    #: of Chinese, is 90 kB once a browser has percent-encoded it), so that a long answer gets a
    #: field error that keeps it, never this page.
    max_request_bytes: int = 4 * 1024 * 1024
    #: Most fields one request may send (multipart parts or URL-encoded pairs). The largest
    #: forms are the builder's lists of rows: the profile step for a federal State of 89
    #: jurisdictions in 10 languages sends about 1 100 fields (tests/test_fuzz.py measures it),
    #: a question of 90 choices with easy-read labels in 10 languages about 1 900; this is
    #: over four times that. Without a limit, 4 MB of ``&`` would build two million fields.
    max_form_fields: int = 10_000
    #: The backup public key (base64, from ``flask consult backup-key``): backups are encrypted
    #: to it, and only its private half, kept offline, opens them.
    backup_public_key: str = ""
    #: Where the instance keeps its files (SQLite database, development secret).
    instance_path: Path = field(default=ROOT / "instance")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``CONSULT_*`` variables (and ``PORT``); raise ``ConfigError`` when invalid."""
        environ = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        for f in fields(cls):
            name = "PORT" if f.name == "port" else f"CONSULT_{f.name.upper()}"
            if name in environ:
                raw[f.name] = _parse(f.name, f.type, environ[name])
        if "CONSULT_DEBUG" not in environ and environ.get("FLASK_DEBUG"):
            raw["debug"] = _parse("debug", "bool", environ["FLASK_DEBUG"])
        return cls(**raw).validated()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with some fields replaced (used by tests and the CLI), validated again."""
        return replace(self, **overrides).validated()

    def validated(self) -> Settings:
        """Check the combination of values; fill development defaults."""
        if self.env not in ENVIRONMENTS:
            raise ConfigError(
                f"CONSULT_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}."
            )
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigError("CONSULT_TRUSTED_PROXIES must be between 0 and 5.")
        if self.suppression_k < 2:
            raise ConfigError("CONSULT_SUPPRESSION_K must be at least 2.")
        if self.session_idle_minutes < 1 or self.session_absolute_hours < 1:
            raise ConfigError("Session timeouts must be positive.")
        if self.max_request_bytes < 1024 * 1024 or self.max_form_fields < 1000:
            raise ConfigError(
                "CONSULT_MAX_REQUEST_BYTES must be at least 1048576 and CONSULT_MAX_FORM_FIELDS "
                "at least 1000: below that, legitimate forms would be refused."
            )
        if self.is_production:
            return self._validated_for_production()
        settings = self
        if not settings.base_url:
            settings = replace(settings, base_url=f"http://127.0.0.1:{settings.port}")
        if not settings.database_url:
            url = f"sqlite:///{settings.instance_path / 'consult.sqlite'}"
            settings = replace(settings, database_url=url)
        if not settings.secret_key:
            settings = replace(settings, secret_key=_development_secret(settings.instance_path))
        return settings

    def _validated_for_production(self) -> Settings:
        if not self.secret_key or len(self.secret_key) < 32:
            raise ConfigError(
                "CONSULT_SECRET_KEY is missing or shorter than 32 characters; production needs "
                "a long random value, e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`."
            )
        if self.debug:
            raise ConfigError("Debug mode (CONSULT_DEBUG or FLASK_DEBUG) is refused in production.")
        if not self.database_url:
            raise ConfigError("CONSULT_DATABASE_URL must be set in production.")
        if not self.base_url.startswith("https://"):
            raise ConfigError("CONSULT_BASE_URL must be an https:// address in production.")
        return self


def _parse(name: str, kind: Any, value: str) -> Any:
    kind = kind if isinstance(kind, str) else kind.__name__
    if kind == "bool":
        word = value.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise ConfigError(f"CONSULT_{name.upper()} must be true or false, not {value!r}.")
        return word in TRUE_WORDS
    if kind == "int":
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{name.upper()} must be a whole number, not {value!r}.") from None
    if kind == "Path":
        return Path(value)
    return value


def _development_secret(instance_path: Path) -> str:
    """A random secret kept in the instance folder, so sessions survive a restart."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
