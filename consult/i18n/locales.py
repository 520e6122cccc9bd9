"""Which languages the interface speaks, and which one a request gets.

The precedence lives in one function, :func:`select_locale`, so it can be read and tested in
one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError
from flask import g, has_request_context, request, session
from flask_login import current_user

#: UI languages with a complete catalog, in the order the switcher shows them.
UI_LOCALES: tuple[str, ...] = ("en", "fr", "es", "ar", "ru", "zh", "pt")
DEFAULT_LOCALE = "en"
#: Scripts written right to left.
RTL_LOCALES = frozenset({"ar", "fa", "he", "ur", "ps", "dv", "yi", "ckb", "sd", "ug"})
SESSION_KEY = "ui_locale"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; whoever displays it translates it then."""
    return message


def is_ui_locale(code: str | None) -> bool:
    return code in UI_LOCALES


def direction(locale: str) -> str:
    """``rtl`` or ``ltr`` for a locale code."""
    return "rtl" if locale.split("_")[0].split("-")[0] in RTL_LOCALES else "ltr"


def negotiate(accept_languages: Iterable[str] | None = None) -> str:
    """The best UI language for the browser's ``Accept-Language`` header, else English."""
    if accept_languages is None:
        return request.accept_languages.best_match(UI_LOCALES) or DEFAULT_LOCALE
    for code in accept_languages:
        language = code.split("-")[0].lower()
        if language in UI_LOCALES:
            return language
    return DEFAULT_LOCALE


def select_locale() -> str:
    """The UI language of the current request, by precedence:

    1. the ``/<lang>/`` prefix of a public URL, even one that leads nowhere (its 404 page
       speaks that language); for a content language the interface lacks, the consultation's
       fallback UI language (``g.lang``, set by the public blueprint);
    2. the language the signed-in member chose in their account;
    3. the language picked with the switcher on a page without prefix (kept in the session);
    4. the browser's ``Accept-Language``;
    5. English (also outside requests, e.g. in the CLI).
    """
    if not has_request_context():
        return DEFAULT_LOCALE  # the CLI speaks English
    prefix = request.path.split("/", 2)[1]
    if is_ui_locale(prefix):
        return prefix
    if is_ui_locale(g.get("lang")):
        return str(g.lang)
    if current_user and current_user.is_authenticated and is_ui_locale(current_user.locale):
        return str(current_user.locale)
    chosen = session.get(SESSION_KEY)
    if is_ui_locale(chosen):
        return str(chosen)
    return negotiate()


def display_name(code: str, in_locale: str | None = None) -> str:
    """The name of language ``code``, in ``in_locale`` (its own name when omitted)."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
        name = locale.get_display_name(in_locale or locale) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def is_known_language(code: str) -> bool:
    """Whether Babel knows ``code`` as a language (content languages may exceed the UI's)."""
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True
