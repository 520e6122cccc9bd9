"""The "What we record" pages: written from the real settings, in every UI language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consult import create_app
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.locales import UI_LOCALES
from consult.sealed import services as sealed
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page


@pytest.fixture
def configured(app: Flask, settings_for: Callable[..., dict[str, Any]]) -> Flask:
    """An app on the same database with settings that differ from the defaults."""
    other = create_app(
        settings_for(suppression_k=7, session_idle_minutes=17, session_absolute_hours=9)
    )
    other.config.update(TESTING=True)
    return other


@pytest.mark.parametrize("lang", UI_LOCALES)
def test_the_instance_page_tells_the_real_settings(configured: Flask, lang: str) -> None:
    page = Page(configured.test_client())
    response = page.get(f"/{lang}/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    numbers = set(re.findall(r"\d+", page.text))
    assert {"7", "17", "9"} <= numbers
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []


def test_the_instance_page_in_english_says_what_each_channel_stores(
    configured: Flask,
) -> None:
    page = Page(configured.test_client())
    page.get("/en/privacy")
    text = page.text
    assert "Published tables hide every count below 7" in text
    assert "after 17 minutes without activity" in text and "9 hours after signing in" in text
    assert "Only an encrypted envelope, the day it arrived" in text
    assert "no address, browser, session, language or time of day" in text
    assert "Access logs leave out the pages of the sealed and assisted channels" in text


@pytest.mark.parametrize("lang", UI_LOCALES)
def test_the_consultation_page_tells_its_own_settings(app: Flask, make: Factory, lang: str) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        consultation.sealed_hold_after = 23
        db.session.commit()
        key = sealed.sealing_key(consultation)
        assert key is not None
        key_id = key.key_id
    page = Page(app.test_client())
    response = page.get(f"/{lang}/c/npm-2027/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    assert key_id in page.text
    assert {"23", "2", "3", "5"} <= set(re.findall(r"\d+", page.text))


def test_the_consultation_page_in_english(app: Flask, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        consultation.sealed_receipts = True
        db.session.commit()
    page = Page(app.test_client())
    page.get("/en/c/npm-2027/privacy")
    text = page.text
    assert "2 of 3 trustees together are needed" in text
    assert "After 30 envelopes from the same address in one day" in text
    assert "A short receipt code is shown after sending." in text
    assert "On this server: the key existed for the length of one request" in text
    assert "Persons deprived of liberty (sealed)" in text


def test_a_consultation_without_sealed_channel_says_nothing_of_keys(
    page: Page, make: Factory
) -> None:
    document = sample_questionnaire(("en",))
    for question in document.questions():
        question.channels = ["open", "invited"]
    make.consultation("acme", "npm-2027", ("en",), opened=True, questionnaire=document)
    page.get("/en/c/npm-2027/privacy")
    assert "Open to everyone" in page.text and "Invited stakeholders" in page.text
    assert "Sealed answers" not in page.text and "Key" not in page.text


def test_drafts_have_no_public_privacy_page(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",))
    assert page.get("/en/c/npm-2027/privacy").status_code == 404


def test_the_pages_are_linked(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    html = page.get("/fr/").get_data(as_text=True)
    assert 'href="/fr/privacy"' in html  # the footer of every page
    html = page.get("/fr/c/npm-2027/").get_data(as_text=True)
    assert 'href="/fr/c/npm-2027/privacy"' in html
    html = page.get("/admin/login").get_data(as_text=True)
    assert re.search(r'href="/[a-z]{2}/privacy"', html)
