"""The platform admin's commands."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from consult.accounts.models import Organisation, User
from consult.extensions import db
from tests.helpers import Page, login


def run(app: Flask, *args: str, stdin: str | None = None):
    return app.test_cli_runner().invoke(args=["consult", *args], input=stdin)


def test_create_an_organisation_and_its_first_owner(app: Flask) -> None:
    assert run(app, "create-organisation", "nhri-tn", "Instance nationale").exit_code == 0
    result = run(
        app,
        "create-user",
        "--email",
        "Chair@NHRI.example",
        "--name",
        "Chair",
        "--organisation",
        "nhri-tn",
        "--roles",
        "owner,organiser",
        stdin="a password from stdin\n",
    )
    assert result.exit_code == 0, result.output
    assert "a password from stdin" not in result.output
    page = Page(app.test_client())
    login(page, "chair@nhri.example", "a password from stdin")
    assert page.get("/admin/nhri-tn/members/").status_code == 200


def test_bad_arguments_are_explained(app: Flask) -> None:
    assert "lowercase" in run(app, "create-organisation", "Bad Slug", "X").output
    run(app, "create-organisation", "acme", "Acme")
    assert "already taken" in run(app, "create-organisation", "acme", "Acme").output
    result = run(
        app,
        "create-user",
        "--email",
        "a@b.example",
        "--organisation",
        "acme",
        "--roles",
        "emperor",
        stdin="long enough password\n",
    )
    assert result.exit_code != 0 and "emperor" in result.output
    result = run(app, "create-user", "--email", "a@b.example", stdin="short\n")
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(User.id)) is None


def test_the_password_is_never_an_argument(app: Flask) -> None:
    result = run(app, "create-user", "--email", "a@b.example", "--password", "x" * 20)
    assert result.exit_code != 0
    assert "No such option" in result.output


def test_demo_can_be_removed(app: Flask) -> None:
    loaded = run(app, "demo")
    assert "/en/c/demo-npm-first-round/report" in loaded.output  # where to read its report
    assert "/en/observatory" in loaded.output
    result = run(app, "demo", "--remove")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Organisation.id)) is None
        assert db.session.scalar(select(User.id)) is None
    assert run(app, "audit-verify").exit_code == 0
