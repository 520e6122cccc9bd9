"""Hostile text through every field a person can write (issue 9).

Markup, script addresses, spreadsheet formulas and bidi controls typed into each field must
come out escaped in the HTML pages that show it, as text in PDFs, as text (never a formula)
in CSV and XLSX files, and exactly as typed in JSON. :data:`FIELDS` says, for each field, where
it is displayed; a field no page shows is a visible gap in that table, not a silent one.
"""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from markupsafe import Markup

from consult.text import PDF, PDI, contain_bidi, displayed

RLO, RLE, LRI, RLI, FSI = "\u202e", "\u202b", "\u2066", "\u2067", "\u2068"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"


# Bidi controls: contained where the text ends --------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("plain", "plain"),
        ("مفوضية حقوق الإنسان", "مفوضية حقوق الإنسان"),
        (f"{RLM}שלום{LRM} (NHRI){ALM}", f"{RLM}שלום{LRM} (NHRI){ALM}"),
        (f"{RLO}gnp.exe", f"{RLO}gnp.exe{PDF}"),
        (f"a{RLE}b{PDF}c", f"a{RLE}b{PDF}c"),
        (f"{PDF}{PDI}x{PDF}", "x"),
        (f"{LRI}a{RLO}b", f"{LRI}a{RLO}b{PDF}{PDI}"),
        (f"{RLI}a{RLO}b{PDI}c", f"{RLI}a{RLO}b{PDI}c"),
        (f"{RLO}a{LRI}b{PDF}c", f"{RLO}a{LRI}bc{PDI}{PDF}"),
        (f"{FSI}x\n{RLE}y", f"{FSI}x\n{RLE}y{PDF}{PDI}"),
    ],
)
def test_bidi_scopes_end_where_the_text_ends(typed: str, shown: str) -> None:
    assert contain_bidi(typed) == shown


def test_markup_built_by_the_application_is_left_alone() -> None:
    built = Markup('<input value="\u202ex">')
    assert displayed(built) is built
    assert displayed(3) == 3 and displayed(None) is None


def test_every_printed_value_and_translated_placeholder_is_contained(app: Flask) -> None:
    name = f"{RLO}Acme"
    with app.test_request_context():
        html = render_template_string(
            "<p>{{ name }}</p><p title='{{ name }}'>{{ _('by %(name)s on %(date)s', "
            "name=name, date='today') }}</p><p>{% trans %}by {{ name }}{% endtrans %}</p>",
            name=name,
        )
    assert html.count(f"{RLO}Acme{PDF}") == 4
    assert html.count(RLO) == html.count(PDF) == 4
