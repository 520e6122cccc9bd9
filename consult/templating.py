"""What every template can use: the current language and direction, switcher, helpers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel import dates
from flask import Flask, g, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from consult.accounts.permissions import Permission
from consult.i18n.content import country_name, resolve
from consult.i18n.content import zone as zone_info
from consult.i18n.locales import UI_LOCALES, direction, display_name
from consult.text import displayed

#: The gettext callables of Jinja's i18n extension (``_`` resolves ``gettext`` when called).
GETTEXT_GLOBALS = ("gettext", "ngettext", "pgettext", "npgettext")


def language_links() -> list[tuple[str, str, str | None]]:
    """``(code, native name, URL)`` for each UI language on a public ``/<lang>/`` page.

    The URL is ``None`` for pages without a language prefix, which switch by a small form.
    """
    prefixed = g.get("lang") is not None and request.endpoint is not None
    links = []
    for code in (*UI_LOCALES, *g.get("extra_languages", ())):
        url = None
        if prefixed:
            url = url_for(request.endpoint or "", **{**(request.view_args or {}), "lang": code})
        links.append((code, display_name(code), url))
    return links


def local_datetime(moment: datetime | None, zone: str, format: str = "medium") -> str:
    """``moment`` as a wall-clock time in ``zone``, written the reader's way, zone named."""
    if moment is None:
        return ""
    locale = get_locale() or "en"
    written = dates.format_datetime(moment, format, tzinfo=zone_info(zone), locale=locale)
    return f"{written} ({zone.replace('_', ' ')})"


def local_date(moment: datetime | None, zone: str, format: str = "long") -> str:
    """The day ``moment`` falls on in ``zone``, written the reader's way."""
    if moment is None:
        return ""
    day = moment.astimezone(zone_info(zone)).date()
    return dates.format_date(day, format, locale=get_locale() or "en")


def template_context() -> dict[str, Any]:
    locale = get_locale()
    language = locale.language if locale else "en"
    content = g.get("content_locale")
    return {
        "ui_language": language,
        "current_switch": content if content and content not in UI_LOCALES else language,
        "ui_direction": direction(language),
        "language_links": language_links,
    }


def contain_displayed_text(env: Environment) -> None:
    """Every text a template prints keeps its bidi scopes to itself (:mod:`consult.text`).

    ``finalize`` sees each ``{{ … }}`` value; the values put into translated sentences
    (``_("by %(name)s", name=…)``) are formatted into markup before ``finalize`` sees them,
    so the gettext callables contain theirs first.
    """
    env.finalize = displayed
    for name in GETTEXT_GLOBALS:
        if name in env.globals:
            env.globals[name] = _containing(env.globals[name])


def _containing(translate: Any) -> Any:
    @pass_context
    def call(context: Context, *args: Any, **variables: Any) -> Any:
        return translate(context, *args, **{k: displayed(v) for k, v in variables.items()})

    return call


def init_app(app: Flask) -> None:
    app.context_processor(template_context)
    contain_displayed_text(app.jinja_env)
    app.jinja_env.globals.update(
        resolve=resolve,
        country_name=country_name,
        language_name=display_name,
        format_date=format_date,
        format_datetime=format_datetime,
        format_number=format_decimal,
        Permission=Permission,
        text_direction=direction,
        local_datetime=local_datetime,
        local_date=local_date,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
