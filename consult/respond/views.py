"""Public pages under ``/<lang>/``, and the bare ``/`` that picks a language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from consult.consultations import services as consultations
from consult.i18n.locales import is_ui_locale, negotiate

root = Blueprint("root", __name__)
bp = Blueprint("respond", __name__, url_prefix="/<lang>")


@root.get("/")
def index() -> Response:
    """Send visitors to the home page in the language their browser prefers."""
    response = redirect(url_for("respond.home", lang=negotiate()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.url_value_preprocessor
def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
    lang = (values or {}).pop("lang", None)
    if not is_ui_locale(lang):
        abort(404)
    g.lang = lang


@bp.url_defaults
def add_lang(endpoint: str, values: dict[str, Any]) -> None:
    if "lang" not in values:
        locale = get_locale()
        values["lang"] = g.get("lang") or (locale.language if locale else "en")


@bp.get("/")
def home() -> str:
    """Open consultations of this instance."""
    return render_template("respond/home.html", consultations=consultations.open_consultations())


@bp.get("/c/<slug>/")
def consultation(slug: str) -> str:
    """A consultation's public page: its purpose, organiser, languages and status."""
    return render_template("respond/consultation.html", consultation=consultations.get_public(slug))
