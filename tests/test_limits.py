"""Abuse limits (DESIGN.md §6): keyed by a daily mark, never closing a shared address."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consult import create_app, rate_limits
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.sealed import rate
from tests.conftest import SECRET
from tests.factories import Factory
from tests.helpers import Page, empty_redis_database, login
from tests.respond.test_open_channel import FULL, hidden
from tests.sealed.test_channel import ANSWERS, change, envelopes, send

#: A Redis database of this test process's own (15, then 14, … under pytest-xdist's workers),
#: emptied before and after each test.
REDIS_URL = f"redis://127.0.0.1:6379/{15 - int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0')[2:])}"
KIOSK = "192.0.2.44"
OPEN_URL = "/en/c/npm-2027/respond"


def _mark_in(app: Flask, address: str, *, forwarded: str | None = None) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}, headers=headers):
        return rate_limits.client_mark()


def _freeze(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    monkeypatch.setattr(rate_limits, "utcnow", lambda: moment)


# The mark --------------------------------------------------------------------------------


def test_workers_agree_on_the_mark_and_it_changes_the_next_day(
    settings_for: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = create_app(settings_for()), create_app(settings_for())  # two workers, no Redis
    _freeze(monkeypatch, date(2027, 3, 1))
    today = _mark_in(one, KIOSK)
    assert _mark_in(two, KIOSK) == today
    assert KIOSK not in today and len(today) == 64
    assert _mark_in(one, "192.0.2.45") != today
    _freeze(monkeypatch, date(2027, 3, 2))
    tomorrow = _mark_in(one, KIOSK)
    assert tomorrow != today and _mark_in(two, KIOSK) == tomorrow
    other = create_app(settings_for(secret_key="another-secret-" + SECRET))
    assert _mark_in(other, KIOSK) != tomorrow


def test_behind_a_trusted_proxy_the_forwarded_address_is_marked(
    settings_for: Callable[..., dict[str, Any]],
) -> None:
    def served(app: Flask, address: str, forwarded: str | None = None) -> str:
        """The mark as a request through the whole WSGI stack (ProxyFix included) sees it."""
        if "mark" not in app.view_functions:
            app.add_url_rule("/_mark", "mark", rate_limits.client_mark)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = app.test_client().get(
            "/_mark", headers=headers, environ_base={"REMOTE_ADDR": address}
        )
        return response.get_data(as_text=True)

    behind = create_app(settings_for(trusted_proxies=1))
    direct = create_app(settings_for())
    assert served(behind, "10.0.0.1", forwarded=KIOSK) == _mark_in(direct, KIOSK)
    # Without a trusted proxy, the header is the client's word and is ignored.
    assert served(direct, "10.0.0.1", forwarded=KIOSK) == _mark_in(direct, "10.0.0.1")


# Respondents behind one address ---------------------------------------------------------


def _open_answer(app: Flask, address: str = KIOSK) -> Any:
    page = Page(app.test_client())
    html = page.get(OPEN_URL, environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    data = {**FULL, "submission_key": hidden(html, "submission_key"), "mode": "page"}
    return page.post(OPEN_URL, data, form_page=OPEN_URL, environ_base={"REMOTE_ADDR": address})


def test_many_open_respondents_behind_one_address_are_not_refused_below_the_flood(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    monkeypatch.setattr(rate_limits, "RESPONDENT_FLOOD", "4 per minute")
    for _ in range(4):  # four people at one kiosk, one form each
        assert _open_answer(app).status_code == 303
    flood = _open_answer(app)
    assert flood.status_code == 429
    assert int(flood.headers["Retry-After"]) > 0
    assert "Too many requests" in flood.get_data(as_text=True)
    assert _open_answer(app, "192.0.2.99").status_code == 303  # another address: unaffected
    page = Page(app.test_client())  # reading is never limited
    assert page.get(OPEN_URL, environ_base={"REMOTE_ADDR": KIOSK}).status_code == 200


def test_counting_an_answer_starts_no_thread(app: Flask, make: Factory) -> None:
    """The library's memory storage started a timer thread after nearly every count; the
    app's sweeps expired counts on the request's own thread instead."""
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    before = set(threading.enumerate())
    for _ in range(3):
        assert _open_answer(app).status_code == 303
        assert send(Page(app.test_client()), ANSWERS).status_code == 303
        assert set(threading.enumerate()) <= before
    with app.app_context():
        assert isinstance(rate_limits.limiter().storage, rate_limits.ProcessMemoryStorage)


def test_the_limiter_looks_limits_up_only_for_requests_that_have_some(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages read, sealed answers and the kiosk are let through before any look-up; the
    open channel's answers, the organisers' forms and the API are still counted."""
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    looked_up: list[str | None] = []
    with app.app_context():
        manager = rate_limits.limiter().limit_manager
    resolve = manager.resolve_limits

    def spy(flask_app: Flask, endpoint: str | None = None, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(endpoint)
        return resolve(flask_app, endpoint, *args, **kwargs)

    monkeypatch.setattr(manager, "resolve_limits", spy)
    assert send(Page(app.test_client()), ANSWERS).status_code == 303
    Page(app.test_client()).get(OPEN_URL)
    Page(app.test_client()).get("/en/")
    assert looked_up == []
    assert _open_answer(app).status_code == 303
    assert app.test_client().get("/api/v1/consultations").status_code == 200
    assert looked_up == ["respond.respond", "api.consultation_list"]


def test_expired_counts_are_swept_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = rate_limits.ProcessMemoryStorage()
    monkeypatch.setattr(storage, "SWEEP_EVERY", 0.0)
    storage.incr("short", expiry=0.01)
    storage.incr("long", expiry=60)
    time.sleep(0.05)
    storage.incr("long", expiry=60)  # the next count sweeps
    assert "short" not in storage.storage and storage.get("long") == 2


def test_sealed_answers_past_the_rate_are_held_never_refused(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    change(app, sealed_hold_after=2)
    monkeypatch.setattr(rate_limits, "RESPONDENT_FLOOD", "1 per minute")  # far below: no matter
    for _ in range(5):
        assert send(Page(app.test_client()), ANSWERS).status_code == 303
    assert sorted(e.is_held for e in envelopes(app)) == [False, False, True, True, True]


def test_the_hold_count_never_keeps_the_address(app: Flask, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        rate.count(consultation, KIOSK)
        storage = rate_limits.limiter().storage
        keys = list(getattr(storage, "storage", {}))
        assert keys and not any(KIOSK in key for key in keys)


# The API and the organiser area ---------------------------------------------------------


def test_the_api_answers_429_in_json_with_retry_after(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limits, "API_LIMIT", "3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/consultations").status_code == 200
    refused = client.get("/api/v1/consultations")
    assert refused.status_code == 429 and refused.is_json
    assert refused.json == {
        "error": {
            "status": 429,
            "title": "Too many requests",
            "message": refused.json["error"]["message"],
        }
    }
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # the window, and a second
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    other = client.get("/api/v1/consultations", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_organiser_posts_are_limited_per_member_not_per_office(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limits, "ORGANISER_LIMIT", "2 per minute")
    first, second = make.member("acme"), make.member("acme")
    pages = [Page(app.test_client()), Page(app.test_client())]
    for page, member in zip(pages, (first, second), strict=True):
        login(page, member.email)  # signing in is not counted (the login throttle is)
    url = "/admin/account"
    statuses = [pages[0].post(url, {"name": "A", "locale": "en"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert pages[1].post(url, {"name": "B", "locale": "en"}).status_code != 429


# Redis: shared by every worker ---------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    with empty_redis_database(REDIS_URL) as url:
        yield url


def test_with_redis_workers_share_a_random_daily_key_and_the_counts(
    app: Flask,
    make: Factory,
    redis_url: str,
    settings_for: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from redis import Redis

    # Two workers that do not even share the app secret agree through Redis.
    one = create_app(settings_for(redis_url=redis_url))
    two = create_app(settings_for(redis_url=redis_url, secret_key=secrets.token_urlsafe(48)))
    _freeze(monkeypatch, date(2027, 3, 1))
    assert _mark_in(one, KIOSK) == _mark_in(two, KIOSK)
    stored = Redis.from_url(redis_url)
    name = rate_limits.REDIS_KEY.format(day="2027-03-01")
    assert len(stored.get(name) or b"") == 32
    assert 0 < stored.ttl(name) <= 2 * 24 * 3600
    monkeypatch.setattr(rate_limits, "API_LIMIT", "3 per minute")
    statuses = [
        worker.test_client().get("/api/v1/consultations").status_code
        for worker in (one, two, one, two)
    ]
    assert statuses == [200, 200, 200, 429]
    assert not any(KIOSK.encode() in key or b"127.0.0.1" in key for key in stored.scan_iter())
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    for worker in (one, two):
        with worker.app_context():
            consultation = db.session.scalars(select(Consultation)).one()
            consultation.sealed_hold_after = 1
            held_before = rate.should_hold(consultation, KIOSK)
            rate.count(consultation, KIOSK)
            db.session.rollback()
        assert held_before is (worker is two)  # the second worker sees the first one's count
    # What Redis now holds (the API's counts and the sealed channel's) names no address.
    kept = list(stored.scan_iter())
    assert len(kept) >= 3, kept  # the day's key and both counts
    assert not any(KIOSK.encode() in key or b"127.0.0.1" in key for key in kept), kept
    for worker in (one, two):
        with worker.app_context():
            db.engine.dispose()
