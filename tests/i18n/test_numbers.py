"""Numbers are written the reader's way, in sentences and in tables; plurals still agree.

Babel writes 12345 as "12,345" in English, "12 345" in French (a narrow no-break space) and
"12.345" in Spanish: the expected texts ask Babel for the number rather than spelling out the
separators, and the words around it come from each language's catalog.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import insert, select

from consult.accounts.permissions import Role
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.i18n.numbers import lazy_ngettext, ngettext
from consult.questionnaires.schema import Channel
from consult.reports.models import ReportStatus
from consult.respond.models import Invitation, Response
from consult.tokens import new_token
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login
from tests.reports.sample import LANGS, report_data, store_report, table

DESK = "/admin/acme/consultations/npm-2027/responses/"
SETTINGS = "/admin/acme/consultations/npm-2027/sealed-settings"
REPORT_SLUG = "npm-report"
REPORT_DESK = f"/admin/acme/c/{REPORT_SLUG}/report/"


def written(number: int, locale: str) -> str:
    return format_decimal(number, locale=locale)


def the_consultation_id(app: Flask, slug: str = "npm-2027") -> int:
    with app.app_context():
        found = db.session.scalar(select(Consultation.id).where(Consultation.slug == slug))
        assert found is not None
        return found


def add_responses(app: Flask, count: int) -> None:
    """``count`` open-channel responses, written as the channel stores them (no answers)."""
    cid = the_consultation_id(app)
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        assert consultation is not None
        row = {
            "consultation_id": cid,
            "channel": Channel.OPEN,
            "questionnaire_version": consultation.version or "",
            "locale": "en",
            "received_on": utcnow().date(),
            "stakeholder_category": "civil_society",
            "jurisdiction": "north",
        }
        db.session.execute(insert(Response), [{**row, "id": uuid.uuid4()} for _ in range(count)])
        db.session.commit()


def add_invitations(app: Flask, count: int) -> None:
    """``count`` invitations not answered yet."""
    cid = the_consultation_id(app)
    with app.app_context():
        db.session.execute(
            insert(Invitation),
            [
                {
                    "consultation_id": cid,
                    "organisation_name": f"Organisation {n}",
                    "stakeholder_category": "civil_society",
                    "jurisdiction": "north",
                    "language": "en",
                    "token_hash": new_token()[1],
                }
                for n in range(count)
            ],
        )
        db.session.commit()


def desk_reader(make: Factory, page: Page, locale: str) -> Page:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    login(page, make.member("acme", [Role.ORGANISER], locale=locale).email)
    return page


#: The responses desk's sentences, as each catalog words them.
RESPONSES_SO_FAR = {
    "en": "{} responses so far.",
    "fr": "{} réponses à ce jour.",
    "ru": "На данный момент получено {} ответа.",  # 1 234: the "few" form
}
INVITATIONS = {"en": "{} invitations", "fr": "{} invitations", "ru": "{} приглашения"}


@pytest.mark.parametrize("locale", ["en", "fr", "ru"])
def test_the_desk_writes_counts_the_readers_way(
    app: Flask, make: Factory, page: Page, locale: str
) -> None:
    desk_reader(make, page, locale)
    add_responses(app, 1234)
    add_invitations(app, 1234)
    page.get(DESK)
    text, n = page.text, written(1234, locale)
    assert n != "1234"  # every one of these languages groups the thousands
    assert RESPONSES_SO_FAR[locale].format(n) in text
    assert INVITATIONS[locale].format(n) in text  # the caption of the invitations table
    assert f"\n{n}\n" in text  # the table cells: by group, by channel, not answered yet
    assert "1234" not in text


RU_RESPONSES = [
    (1, "На данный момент получен 1 ответ."),
    (2, "На данный момент получено 2 ответа."),
    (5, "На данный момент получено 5 ответов."),
    (21, "На данный момент получен 21 ответ."),
    (1001, "На данный момент получен {} ответ."),
    (1002, "На данный момент получено {} ответа."),
    (1005, "На данный момент получено {} ответов."),
]


def test_plural_forms_follow_the_number_not_its_written_form(
    app: Flask, make: Factory, page: Page
) -> None:
    """Russian has three forms: 1 ответ, 2 ответа, 5 ответов; 1 001 is "one" again."""
    desk_reader(make, page, "ru")
    so_far = 0
    for count, sentence in RU_RESPONSES:
        add_responses(app, count - so_far)
        so_far = count
        page.get(DESK)
        assert sentence.format(written(count, "ru")) in page.text, count


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_the_report_desk_writes_the_numbers_of_a_revision_the_readers_way(
    app: Flask, make: Factory, page: Page, locale: str
) -> None:
    make.consultation(
        "acme", REPORT_SLUG, LANGS, opened=True, questionnaire=sample_questionnaire(LANGS)
    )
    participation = {
        "category": table(
            ["civil_society", "deprived_of_liberty"],
            ["open", "sealed"],
            [[12345, 0], [0, 1500]],
            [12345, 1500],
        )
    }
    data = replace(report_data(), responses=13845, held=1234, participation=participation)
    store_report(app, REPORT_SLUG, data, status=ReportStatus.PREPARED)
    login(page, make.member("acme", [Role.ANALYST], locale=locale).email)
    page.get(REPORT_DESK)
    assert page.response is not None and page.response.status_code == 200
    text = page.text
    for number in (12345, 13845):
        assert f"\n{written(number, locale)}\n" in text, number
    for number in (1500, 1234):  # Spanish leaves four digits ungrouped
        assert f"\n{written(number, locale)}\n" in text, number
    assert "12345" not in text and "13845" not in text


MESSAGES = {
    "en": "Enter a whole number from 1 to {}.",
    "fr": "Saisissez un nombre entier de 1 à {}.",
}


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_a_message_made_before_the_request_writes_its_bounds_for_the_reader(
    make: Factory, page: Page, locale: str
) -> None:
    """The sealed settings' range message is built at import time, in no language yet."""
    desk_reader(make, page, locale)
    response = page.post(SETTINGS, {"audience": "adults", "hold_after": "0"}, form_page=SETTINGS)
    assert response.status_code == 400
    assert MESSAGES[locale].format(written(10000, locale)) in page.text


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "{} приглашение"),
        (1001, "{} приглашение"),
        (1234, "{} приглашения"),
        (1235, "{} приглашений"),
    ],
)
def test_messages_made_in_python_choose_the_form_on_the_integer(
    app: Flask, count: int, expected: str
) -> None:
    """Flash messages and form errors: ``%(num)s`` written the reader's way, form by ``n``."""
    with app.test_request_context("/admin/"), force_locale("ru"):
        wanted = expected.format(written(count, "ru"))
        assert ngettext("%(num)s invitation", "%(num)s invitations", count) == wanted
        lazy = lazy_ngettext("%(num)s invitation", "%(num)s invitations", count)
        assert str(lazy) == wanted
    with app.test_request_context("/admin/"), force_locale("en"):
        one_or_more = "invitation" if count == 1 else "invitations"
        assert str(lazy) == f"{written(count, 'en')} {one_or_more}"  # read when displayed


@pytest.mark.parametrize(("count", "form"), [(0, "convites"), (1, "convite"), (2, "convites")])
def test_portuguese_follows_the_european_plural_rule_of_its_wording(
    app: Flask, count: int, form: str
) -> None:
    """The Portuguese catalog is written in European Portuguese, where zero takes the plural
    ("0 convites"); Brazil's rule, Babel's default for ``pt``, would say "0 convite"."""
    with app.test_request_context("/admin/"), force_locale("pt"):
        assert ngettext("%(num)s invitation", "%(num)s invitations", count) == f"{count} {form}"
