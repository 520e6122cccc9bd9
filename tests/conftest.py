"""Fixtures: the app on SQLite and (when CONSULT_TEST_DATABASE_URL is set) on PostgreSQL.

Every test that touches the database runs once per backend. Each backend gets a database of
its own, created for this run and dropped after it, so runs never see each other's data; the
tables are emptied after each test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import argon2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from consult import create_app, rate_limits
from consult.accounts import services as account_services
from consult.accounts.permissions import Role
from consult.extensions import db
from consult.respond import answering
from tests.factories import Factory, Member
from tests.helpers import Page, login, temporary_postgres_database

PG_URL = os.environ.get("CONSULT_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
SECRET = "test-secret-key-that-is-long-enough-for-production"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its cheapest: the tests check behaviour, not the cost of guessing."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            account_services,
            "_hasher",
            argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST),
        )
        yield


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'consult.sqlite'}"
    else:
        with temporary_postgres_database(PG_URL) as url:
            yield url


@pytest.fixture(scope="session")
def settings_for(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., dict[str, Any]]:
    instance = tmp_path_factory.mktemp("instance")

    def settings(**overrides: Any) -> dict[str, Any]:
        return {
            "env": "development",
            "secret_key": SECRET,
            "database_url": database_url,
            "instance_path": Path(instance),
            **overrides,
        }

    return settings


@pytest.fixture(scope="session")
def _app(settings_for: Callable[..., dict[str, Any]]) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = create_app(settings_for())
    app.config.update(TESTING=True)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_app: Flask) -> Iterator[Flask]:
    """The application with an empty database.

    No application context stays pushed during a test: each request gets its own, and so its
    own database session, as in production. Tests read the database through ``make`` or
    inside ``with app.app_context()``.
    """
    yield _app
    with _app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()
        answering.forget()  # deleted around the ORM: no copy of a consultation may outlive it
    rate_limits.reset(_app)  # every test's requests come from one address


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def page(client: FlaskClient) -> Page:
    """A small browser over the test client: follows forms, keeps the CSRF token."""
    return Page(client)


@pytest.fixture
def login_as(make: Factory, page: Page) -> Callable[..., Member]:
    """Sign ``page`` in as a new member of organisation ``acme`` holding ``roles``."""

    def sign_in(*roles: Role | str, organisation: str = "acme") -> Member:
        wanted = [Role(role) for role in roles]
        member = make.member(organisation, roles=wanted)
        login(page, member.email)
        return member

    return sign_in
