"""Content in several languages (titles, summaries, questions) and place names."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel import Locale, UnknownLocaleError
from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l


def current_language() -> str:
    """The language content should be shown in: a public page's content language, else the UI's."""
    content = g.get("content_locale")
    if content:
        return str(content)
    locale = get_locale()
    return locale.language if locale else "en"


def resolve(texts: Mapping[str, str] | None, default_locale: str, locale: str | None = None) -> str:
    """The text for ``locale`` (the current language by default), else the default locale's.

    Falls back to any language present rather than showing nothing; empty when none is.
    """
    if not texts:
        return ""
    for code in (locale or current_language(), default_locale):
        if texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")


def country_choices(locale: str) -> list[tuple[str, str]]:
    """ISO 3166-1 countries as ``(alpha-2, name in locale)``, sorted by that name."""
    names = Locale.parse(locale).territories
    pairs = [(c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


#: ISO 3166 leaves XA–XZ to its users: ``XX`` names the fictional State of demos and training.
FICTIONAL_STATE = "XX"
FICTIONAL_STATE_NAME = _l("Fictional State")


def country_name(code: str, locale: str | None = None) -> str:
    """The name of country ``code`` in ``locale`` (the current UI language by default)."""
    if code == FICTIONAL_STATE:
        return str(FICTIONAL_STATE_NAME)
    language = locale or current_language()
    try:
        names: Mapping[str, str] = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        names = {}
    if code in names:
        return names[code]
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def is_country(code: str) -> bool:
    return code == FICTIONAL_STATE or pycountry.countries.get(alpha_2=code) is not None


@cache
def timezones() -> frozenset[str]:
    """IANA time zone names known to this machine (read once: listing them walks the disk)."""
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The time zone ``name``, or UTC when it is unknown."""
    return ZoneInfo(name if name in timezones() else "UTC")
