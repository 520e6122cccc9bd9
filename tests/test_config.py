"""Settings come from the environment and are checked before the app starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from consult import create_app
from consult.config import ConfigError, Settings
from tests.conftest import SECRET
from tests.factories import Factory

PRODUCTION = {
    "CONSULT_ENV": "production",
    "CONSULT_SECRET_KEY": SECRET,
    "CONSULT_DATABASE_URL": "postgresql+psycopg://db/consult",
    "CONSULT_BASE_URL": "https://consult.example",
}


def test_environment_variables_are_read_and_typed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CONSULT_DATABASE_URL": "sqlite:///x.sqlite",
            "PORT": "8080",
            "CONSULT_SUPPRESSION_K": "10",
            "CONSULT_SMTP_STARTTLS": "yes",
            "CONSULT_INSTANCE_PATH": str(tmp_path),
        }
    )
    assert settings.port == 8080 and settings.suppression_k == 10 and settings.smtp_starttls
    assert settings.database_url == "sqlite:///x.sqlite"


def test_development_defaults_to_sqlite_and_a_kept_secret(tmp_path: Path) -> None:
    first = Settings.from_env({"CONSULT_INSTANCE_PATH": str(tmp_path)})
    assert first.database_url == f"sqlite:///{tmp_path / 'consult.sqlite'}"
    assert len(first.secret_key) >= 32
    assert (
        Settings.from_env({"CONSULT_INSTANCE_PATH": str(tmp_path)}).secret_key == first.secret_key
    )


def test_production_settings_that_are_complete_start() -> None:
    assert Settings.from_env(PRODUCTION).is_production


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"CONSULT_SECRET_KEY": ""}, "CONSULT_SECRET_KEY"),
        ({"CONSULT_SECRET_KEY": "short"}, "CONSULT_SECRET_KEY"),
        ({"CONSULT_DEBUG": "1"}, "Debug mode"),
        ({"FLASK_DEBUG": "1"}, "Debug mode"),
        ({"CONSULT_DATABASE_URL": ""}, "CONSULT_DATABASE_URL"),
        ({"CONSULT_BASE_URL": "http://consult.example"}, "CONSULT_BASE_URL"),
        ({"CONSULT_ENV": "staging"}, "CONSULT_ENV"),
        ({"PORT": "eighty"}, "PORT"),
        ({"CONSULT_SUPPRESSION_K": "1"}, "CONSULT_SUPPRESSION_K"),
        ({"CONSULT_DEBUG": "maybe"}, "CONSULT_DEBUG"),
    ],
)
def test_bad_production_settings_stop_with_a_clear_message(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({**PRODUCTION, **change})


def test_production_refuses_a_database_with_demo_data(
    app: Flask, settings_for, make: Factory
) -> None:
    production = settings_for(env="production", base_url="https://consult.example")
    create_app(production)  # an ordinary database starts
    result = app.test_cli_runner().invoke(args=["consult", "demo"])
    assert result.exit_code == 0, result.output
    with pytest.raises(ConfigError, match="demo data"):
        create_app(production)


def test_the_demo_cannot_be_loaded_in_production(app: Flask, settings_for) -> None:
    production = create_app(settings_for(env="production", base_url="https://consult.example"))
    result = production.test_cli_runner().invoke(args=["consult", "demo"])
    assert result.exit_code != 0
    assert "for development" in result.output


def test_behind_a_trusted_proxy_the_forwarded_address_and_scheme_count(settings_for) -> None:
    from flask import request

    proxied = create_app(settings_for(trusted_proxies=1))

    @proxied.get("/who")
    def who() -> str:
        return f"{request.remote_addr} {request.scheme}"

    seen = proxied.test_client().get(
        "/who", headers={"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}
    )
    assert seen.get_data(as_text=True) == "198.51.100.4 https"
    direct = create_app(settings_for())

    @direct.get("/who")
    def who_direct() -> str:
        return f"{request.remote_addr} {request.scheme}"

    seen = direct.test_client().get("/who", headers={"X-Forwarded-For": "198.51.100.4"})
    assert seen.get_data(as_text=True) == "127.0.0.1 http"
