"""Nothing about a respondent reaches a log: not what they wrote, nor who or where they are.

Every logger is heard at DEBUG (the root, ``werkzeug``, ``consult.*``, Flask-WTF, and
``sqlalchemy.engine`` with its SQL parameters) while a browser with a canary user agent, a
canary client address and a canary ``X-Forwarded-For`` (behind a trusted proxy, so the app
takes it for the client) answers on the open, invited and sealed channels, gets a validation
error, fails a CSRF check and meets a 500, and an organiser signs in and works. No record may
hold the canary answer, the address, the user agent, the session cookie or the session token:
not in its message, its arguments, its exception text or its stack.

The SQL log is the one exception for the *answers* of the open and invited channels: those are
stored in plain text by design (DESIGN.md §4), so an operator who turns SQL echo on sees them
in the INSERTs. consult never turns it on (:func:`test_the_app_never_turns_sql_logging_on`);
the sealed canary is absent from the SQL log too (``tests/sealed/test_canary.py``).

Access logs: the filter on Werkzeug's development server is tested in-process here;
``tests/sealed/test_channel.py`` checks ``gunicorn.conf.py``'s logger class, and the
reliability run (``tests/reliability/test_submissions.py``, ``make test-reliability``) reads the
real gunicorn's output under load for addresses, user agents and sealed routes.
"""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from consult import create_app
from consult.extensions import db
from consult.logging_filters import PrivateAccessFilter, redact_links
from tests.factories import Factory
from tests.helpers import Page, login
from tests.respond.test_invited import ANSWERS as INVITED_ANSWERS
from tests.respond.test_invited import form_of, invite
from tests.respond.test_open_channel import FULL, hidden
from tests.sealed.test_canary import log_everything
from tests.sealed.test_channel import ANSWERS as SEALED_ANSWERS
from tests.sealed.test_channel import send as send_sealed

SLUG = "npm-2027"
OPEN = f"/en/c/{SLUG}/respond"
#: Documentation ranges (RFC 5737): never a real client.
REMOTE_ADDR = "192.0.2.77"
FORWARDED_FOR = "198.51.100.23"
SQL_LOGGERS = "sqlalchemy"


class Canaries:
    """Unique strings for one test run, and the places a record could hold them."""

    def __init__(self) -> None:
        self.answer = f"canary-{uuid.uuid4().hex}"
        self.agent = f"CanaryBrowser/{uuid.uuid4().hex[:12]}"
        self.addresses = (REMOTE_ADDR, FORWARDED_FOR)
        self.secrets: list[str] = []

    def who(self) -> list[str]:
        """What identifies the person: address, browser, session."""
        return [*self.addresses, self.agent, *self.secrets]


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write of ``record``."""
    formatter = logging.Formatter()
    parts = [record.getMessage(), repr(record.__dict__)]
    if record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts)


def assert_nothing_logged(caplog: pytest.LogCaptureFixture, canaries: Canaries) -> None:
    assert caplog.records, "the capture heard nothing"
    for record in caplog.records:
        text = record_text(record)
        for canary in canaries.who():
            assert canary not in text, (record.name, canary, text[:500])
        if not record.name.startswith(SQL_LOGGERS):
            assert canaries.answer not in text, (record.name, text[:500])


@pytest.fixture
def proxied(app: Flask, settings_for: Callable[..., dict[str, Any]]) -> Flask:
    """The app behind one trusted proxy, on the same database: X-Forwarded-For is believed."""
    behind = create_app(settings_for(trusted_proxies=1))
    behind.config.update(TESTING=True)
    return behind


@pytest.fixture
def canaries() -> Canaries:
    return Canaries()


@pytest.fixture
def browser(proxied: Flask, canaries: Canaries) -> Page:
    """A browser whose every request carries the canary address, proxy header and agent."""
    client: FlaskClient = proxied.test_client()
    client.environ_base.update(
        REMOTE_ADDR=REMOTE_ADDR,
        HTTP_USER_AGENT=canaries.agent,
        HTTP_X_FORWARDED_FOR=FORWARDED_FOR,
    )
    return Page(client)


@pytest.fixture
def heard(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    log_everything(caplog, monkeypatch)
    yield


def session_secrets(page: Page) -> list[str]:
    """The session cookie's value and, for a member, the session token inside it."""
    cookie = page.client.get_cookie("consult_session")
    assert cookie is not None
    with page.client.session_transaction() as session:
        inside = [str(session[name]) for name in ("_user_id", "csrf_token") if name in session]
    return [cookie.value, *inside]


def test_the_app_never_turns_sql_logging_on(app: Flask) -> None:
    with app.app_context():
        assert db.engine.echo is False
    assert app.config.get("SQLALCHEMY_ECHO", False) is False
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING


def test_respondents_leave_no_trace_in_any_log(
    proxied: Flask,
    browser: Page,
    make: Factory,
    canaries: Canaries,
    heard: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    canary = canaries.answer
    with_canary = {**FULL, "q-why": f"They {canary} us", "p-organisation": canary[:40]}
    # The open channel: a validation error, an expired CSRF token, then a good answer.
    key = hidden(browser.get(OPEN).get_data(as_text=True), "submission_key")
    canaries.secrets += session_secrets(browser)
    invalid = {"submission_key": key, "q-why": canary}
    assert browser.post(OPEN, invalid, form_page=OPEN).status_code == 400
    stale = {**with_canary, "submission_key": key, "csrf_token": "stale"}
    assert browser.post(OPEN, stale, form_page=OPEN).status_code == 400
    sent = browser.post(OPEN, {**with_canary, "submission_key": key}, form_page=OPEN)
    assert sent.status_code == 303, browser.text
    # The invited channel.
    url, token = invite(proxied, SLUG)
    canaries.secrets.append(token)
    answers = {**INVITED_ANSWERS, "q-why": f"We {canary} too"}
    assert browser.post(url, form_of(browser, url, **answers, consent="yes")).status_code == 303
    # The sealed channel.
    sealed = {**SEALED_ANSWERS, "q-why": f"In cell 4 they {canary}"}
    assert send_sealed(browser, sealed).status_code == 303
    # A sign-in form sent without its CSRF token, with the canary as the e-mail address.
    failed = browser.post("/admin/login", {"email": f"{canary}@x.example"}, csrf=False)
    assert failed.status_code == 400
    assert_nothing_logged(caplog, canaries)
    heard_from = {record.name for record in caplog.records}
    assert any(name.startswith("sqlalchemy.engine") for name in heard_from), heard_from


def test_a_crash_while_answering_logs_where_not_what_nor_who(
    proxied: Flask,
    browser: Page,
    make: Factory,
    canaries: Canaries,
    heard: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)

    def crash(**_values: Any) -> str:
        # As a careless bug would: the message quotes the form, the browser and the address.
        answer = request.form.get("q-why")
        raise RuntimeError(f"{answer} from {request.remote_addr} {request.user_agent}")

    html = browser.get(OPEN).get_data(as_text=True)
    canaries.secrets += session_secrets(browser)
    monkeypatch.setitem(proxied.view_functions, "respond.respond", crash)
    fields = {name: hidden(html, name) for name in ("submission_key", "csrf_token")}
    response = browser.post(OPEN, {**FULL, "q-why": canaries.answer, **fields}, csrf=False)
    assert response.status_code == 500
    assert canaries.answer not in response.get_data(as_text=True)
    crashes = [r for r in caplog.records if r.name == "consult.errors"]
    assert crashes and "RuntimeError" in crashes[0].getMessage()  # where it failed is kept
    assert_nothing_logged(caplog, canaries)


def test_an_organiser_session_leaves_no_trace_in_any_log(
    proxied: Flask,
    browser: Page,
    make: Factory,
    canaries: Canaries,
    heard: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    member = make.member("acme")
    login(browser, member.email)
    canaries.secrets += session_secrets(browser)
    for url in ("/admin/acme/", f"/admin/acme/consultations/{SLUG}/", "/admin/account"):
        assert browser.get(url).status_code == 200, url
    browser.post("/admin/logout", {}, form_page="/admin/account")
    assert_nothing_logged(caplog, canaries)


# Access logs -----------------------------------------------------------------------------


def access_line(address: str, request_line: str) -> logging.LogRecord:
    """A record as Werkzeug's development server makes it for one request."""
    return logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        0,
        f"{address} - - [29/Nov/2026 10:00:00] %s %s %s\n",
        (f'"{request_line}"', "200", "-"),
        None,
    )


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        (f"/en/c/{SLUG}/respond", True),
        (f"/en/c/{SLUG}/thanks", True),
        (f"/fr/c/{SLUG}/", True),
        (f"/en/c/{SLUG}/sealed", False),
        (f"/en/c/{SLUG}/sealed/thanks?r=0123456789", False),
        ("/ar/kiosk", False),
        ("/en/kiosk/thanks", False),
        (f"/admin/acme/consultations/{SLUG}/visits/1/assisted", False),
    ],
)
def test_the_access_log_filter_drops_private_routes_and_every_address(
    path: str, kept: bool
) -> None:
    for address in (REMOTE_ADDR, "2001:db8::1", "<local>"):
        record = access_line(address, f"POST {path} HTTP/1.1")
        assert PrivateAccessFilter().filter(record) is kept, path
        if kept:
            line = record.getMessage()
            assert address not in line and line.startswith("- - - ["), line
            assert path in line


@pytest.mark.parametrize(
    "path",
    [
        f"/en/c/{SLUG}/i/SECRET-TOKEN",
        f"/fr/c/{SLUG}/i/SECRET-TOKEN?mode=steps",
        "/admin/join/SECRET-TOKEN",
        "/admin/password/reset/SECRET-TOKEN",
    ],
)
def test_access_logs_leave_out_the_secret_of_single_use_links(path: str) -> None:
    """Tokens are stored hashed; an access log must not keep them whole for its readers."""
    record = access_line(REMOTE_ADDR, f"GET {path} HTTP/1.1")
    assert PrivateAccessFilter().filter(record) is True
    line = record.getMessage()
    assert "SECRET-TOKEN" not in line and path.split("SECRET-TOKEN")[0] in line, line
    assert redact_links(path) == path.replace("SECRET-TOKEN", "[token]")
    assert gunicorn_line(path) == f'"GET {redact_links(path)} HTTP/1.1"'


def gunicorn_line(path: str) -> str:
    """The access line of ``gunicorn.conf.py``'s logger for a request of ``path``."""
    import runpy
    from pathlib import Path

    from gunicorn.config import Config

    conf = runpy.run_path(str(Path(__file__).parents[1] / "gunicorn.conf.py"))
    config = Config()
    config.set("access_log_format", '"%(r)s"')
    config.set("accesslog", "-")
    logger = conf["logger_class"](config)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.access_log.handlers = [handler]

    class Reply:
        status, sent, headers = "200 OK", 512, [("Content-Type", "text/html")]

    class Duration:
        seconds, microseconds = 0, 1500

    bare, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": bare,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": REMOTE_ADDR,
    }
    logger.access(Reply(), type("Req", (), {"headers": []})(), environ, Duration())
    [record] = records
    return record.getMessage()


def test_the_access_log_filter_leaves_other_records_alone() -> None:
    record = logging.LogRecord("werkzeug", logging.INFO, "", 0, "Press CTRL+C to quit", (), None)
    assert PrivateAccessFilter().filter(record) is True
    assert record.getMessage() == "Press CTRL+C to quit"


def test_the_development_server_logs_no_address_nor_browser_for_respondent_pages(
    app: Flask, make: Factory, canaries: Canaries, caplog: pytest.LogCaptureFixture
) -> None:
    from werkzeug.serving import make_server

    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    paths = [OPEN, f"/en/c/{SLUG}/", "/en/kiosk", f"/en/c/{SLUG}/sealed"]
    try:
        for path in paths:
            asked = urllib.request.Request(
                f"http://127.0.0.1:{server.port}{path}",
                headers={"User-Agent": canaries.agent, "X-Forwarded-For": FORWARDED_FOR},
            )
            try:
                with urllib.request.urlopen(asked) as reply:  # noqa: S310 (local test server)
                    assert reply.status == 200, path
            except urllib.error.HTTPError as refused:  # the kiosk, on a device not unlocked
                assert path == "/en/kiosk" and refused.code == 403, (path, refused.code)
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any(f"GET {OPEN} " in line for line in lines), lines
    assert not any("/sealed" in line or "/kiosk" in line for line in lines), lines
    for line in lines:
        for canary in ("127.0.0.1 -", canaries.agent, FORWARDED_FOR):
            assert canary not in line, line
