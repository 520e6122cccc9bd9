"""Numbers put into translated sentences, written the reader's way.

A message names each number ``%(name)s`` and receives it already formatted for the request's
locale by Babel: 12345 reads "12,345" in English, "12 345" in French, "12.345" in Spanish.

Plurals still choose their form on the integer. Flask-Babel's ``ngettext(singular, plural,
num, **variables)`` fills ``%(num)s`` with the raw integer, and as ``num`` is the name of its
third parameter a formatted ``num=`` cannot be passed to it (``TypeError``: multiple values
for ``num``): :func:`ngettext` and :func:`lazy_ngettext` here fill it with the formatted
number instead.
(Templates need no such help: Jinja's ``ngettext`` lets ``num=format_number(n)`` replace it.)

Machine-readable output (CSV, JSON, open data) and form values keep plain digits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, format_decimal, get_translations


def format_number(value: int | float) -> str:
    """``value`` written for the reader's locale ("12,345", "12 345", "12.345")."""
    return str(format_decimal(value))


def lazy_number(value: int | float) -> LazyString:
    """:func:`format_number`, worked out when the text is displayed, for ``lazy_gettext``
    messages made before the locale is known (at import time, or for a form built once)."""
    return LazyString(format_number, value)


def ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> str:
    """The form of the message for ``n``, ``%(num)s`` being ``n`` written the reader's way
    unless ``num`` is given."""
    variables.setdefault("num", format_number(n))
    # Flask-Babel's own ngettext would format the message with the raw ``num`` already.
    return str(get_translations().ungettext(singular, plural, n)) % variables


def lazy_ngettext(singular: str, plural: str, n: int, /, **variables: Any) -> LazyString:
    """:func:`ngettext`, worked out when the text is displayed."""
    return LazyString(ngettext, singular, plural, n, **variables)
