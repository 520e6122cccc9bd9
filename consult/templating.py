"""What every template can use: the current language and direction, switcher, helpers."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import format_date, format_datetime, get_locale

from consult.accounts.permissions import Permission
from consult.i18n.content import country_name, resolve
from consult.i18n.locales import UI_LOCALES, direction, display_name


def language_links() -> list[tuple[str, str, str | None]]:
    """``(code, native name, URL)`` for each UI language on a public ``/<lang>/`` page.

    The URL is ``None`` for pages without a language prefix, which switch by a small form.
    """
    prefixed = g.get("lang") is not None and request.endpoint is not None
    links = []
    for code in UI_LOCALES:
        url = None
        if prefixed:
            url = url_for(request.endpoint or "", **{**(request.view_args or {}), "lang": code})
        links.append((code, display_name(code), url))
    return links


def template_context() -> dict[str, Any]:
    locale = get_locale()
    language = locale.language if locale else "en"
    return {
        "ui_language": language,
        "ui_direction": direction(language),
        "language_links": language_links,
    }


def init_app(app: Flask) -> None:
    app.context_processor(template_context)
    app.jinja_env.globals.update(
        resolve=resolve,
        country_name=country_name,
        language_name=display_name,
        format_date=format_date,
        format_datetime=format_datetime,
        Permission=Permission,
        text_direction=direction,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
