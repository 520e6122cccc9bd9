"""Migrations: ``upgrade head`` gives exactly the models' schema; down and up again works."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from consult import create_app, demo
from consult.accounts.models import Membership
from consult.extensions import db
from tests.conftest import BACKENDS, PG_URL, SECRET
from tests.helpers import temporary_postgres_database

#: The first migration: organisations, users and their memberships.
FIRST = "89b507431326"


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """An app bound to a brand-new, empty database of ``backend``."""

    @contextmanager
    def url() -> Iterator[str]:
        if backend == "sqlite":
            yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        else:
            with temporary_postgres_database(PG_URL) as pg_url:
                yield pg_url

    with url() as database_url:
        app = create_app(
            {
                "env": "development",
                "secret_key": SECRET,
                "database_url": database_url,
                "instance_path": tmp_path,
            }
        )
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def schema_differences() -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_head_creates_exactly_the_models_schema(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path):
        upgrade()
        assert schema_differences() == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path):
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_differences() == []


def test_migration_files_are_date_prefixed() -> None:
    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    names = [path.name for path in versions.glob("*.py")]
    assert names
    assert all(name[:8].isdigit() and name[8] == "_" for name in names), names


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_migration_runs_on_a_database_in_use(backend: str, tmp_path: Path) -> None:
    """Down to the first schema and up again with the demo's members in it.

    SQLite alters a table by copying it and dropping the old one; with rows pointing at it
    (memberships at organisations and users) that must still work and keep every row.
    """
    with empty_database(backend, tmp_path):
        upgrade()
        demo.load()
        db.session.commit()
        members = db.session.scalar(select(func.count()).select_from(Membership))
        db.session.rollback()  # end the read before the migrations take the database
        assert members
        downgrade(revision=FIRST)
        upgrade()
        assert schema_differences() == []
        assert db.session.scalar(select(func.count()).select_from(Membership)) == members


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_app_enforces_foreign_keys_after_migrating(backend: str, tmp_path: Path) -> None:
    """Migrations turn SQLite's foreign keys off while they copy tables; the pooled connection
    they used must come back with them on, or deleting a parent silently orphans its rows."""
    with empty_database(backend, tmp_path):
        upgrade()
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
