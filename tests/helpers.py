"""Test helpers: a tiny form-aware browser, sign-in, temporary PostgreSQL databases."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any, ClassVar

from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from tests.factories import PASSWORD

CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


class Page:
    """Drives the app as a browser without JavaScript would: GET a page, POST its forms."""

    def __init__(self, client: FlaskClient, base_url: str = "http://localhost") -> None:
        self.client = client
        self.base_url = base_url
        self.response: TestResponse | None = None

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        self.response = self.client.get(url, base_url=self.base_url, **kwargs)
        return self.response

    def token(self, form_page: str = "/admin/login") -> str:
        """A CSRF token of the current session, read from a page as a browser would."""
        html = self.client.get(form_page, base_url=self.base_url).get_data(as_text=True)
        match = CSRF_INPUT.search(html)
        assert match, f"no CSRF token on {form_page}"
        return match.group(1) or match.group(2)

    def post(
        self,
        url: str,
        data: Mapping[str, Any] | None = None,
        *,
        csrf: bool = True,
        form_page: str = "/admin/login",
        **kwargs: Any,
    ) -> TestResponse:
        payload = dict(data or {})
        if csrf:
            payload.setdefault("csrf_token", self.token(form_page))
        self.response = self.client.post(url, data=payload, base_url=self.base_url, **kwargs)
        return self.response

    @property
    def text(self) -> str:
        assert self.response is not None
        return visible_text(self.response.get_data(as_text=True))


def login(page: Page, email: str, password: str = PASSWORD) -> TestResponse:
    response = page.post("/admin/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


class _TextExtractor(HTMLParser):
    SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "title"})

    def __init__(self, skip: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.skip = self.SKIP | skip
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.skip:
            self._skipping += 1
        for name, value in attrs:
            if name in {"aria-label", "placeholder", "alt", "title"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skip:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, *, prose_only: bool = False) -> str:
    """What a reader sees (and hears through a screen reader's labels), one chunk per line.

    ``prose_only`` leaves out code and command lines (``consult-keygen --trustees 5``).
    """
    parser = _TextExtractor(frozenset({"code", "pre"}) if prose_only else frozenset())
    parser.feed(html)
    return "\n".join(parser.parts)


@contextmanager
def temporary_postgres_database(server_url: str) -> Iterator[str]:
    """Create a database of our own on the server of ``server_url``; drop it afterwards."""
    url = make_url(server_url)
    name = f"consult_test_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_redis_database(url: str) -> Iterator[str]:
    """The Redis database at ``url``, emptied before and after; the test is skipped when no
    Redis answers there (CI starts one)."""
    import pytest

    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url} (CI starts one)")
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
