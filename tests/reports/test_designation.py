"""The designation record and "You said — what happened": revisions, recommendations, updates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from consult.accounts.models import User
from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.audit.services import verify
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.opcat.vocabulary import GUARANTEES, STAGES
from consult.questionnaires.schema import Option, Questionnaire
from consult.reports import designation as services
from consult.reports.designation import (
    DesignationEntry,
    InvalidDesignation,
    NotClosedYet,
    stage_states,
    suggested_option,
)
from consult.reports.designation_models import (
    DesignationRevision,
    GuaranteeStatus,
    RecommendationStatus,
)
from tests.factories import Factory, Member, sample_questionnaire
from tests.helpers import Page

SLUG = "npm-2027"
BASE = f"/admin/acme/c/{SLUG}/designation"
STAGE_KEYS = STAGES.keys()


# Pure rules ----------------------------------------------------------------------------------


def test_stage_states_with_nothing_reached_are_all_pending() -> None:
    states = stage_states({})
    assert list(states) == list(STAGE_KEYS)
    assert set(states.values()) == {"pending"}


def test_a_stage_reached_makes_the_earlier_ones_skipped_but_not_art24() -> None:
    states = stage_states({"ratified": date(2010, 1, 1), "law_adopted": date(2012, 1, 1)})
    assert states["ratified"] == "reached"
    assert states["art24_postponed"] == "pending"  # optional: never skipped
    assert [states[k] for k in ("places_mapped", "consultation_held", "bill_tabled")] == [
        "skipped"
    ] * 3
    assert states["law_adopted"] == "reached"
    assert {states[k] for k in STAGE_KEYS[STAGE_KEYS.index("law_adopted") + 1 :]} == {"pending"}


def test_stage_states_edge_cases() -> None:
    last = stage_states({"first_annual_report": date(2020, 1, 1), "unknown_key": date(2020, 1, 1)})
    assert "unknown_key" not in last
    assert last["first_annual_report"] == "reached"
    assert [k for k, s in last.items() if s == "pending"] == ["art24_postponed"]
    postponed = stage_states({"art24_postponed": date(2011, 1, 1), "ratified": None})
    assert postponed["art24_postponed"] == "reached"
    assert postponed["ratified"] == "skipped"  # a later stage is reached, this one has no date


def options(*models: str) -> Questionnaire:
    return Questionnaire(options=[Option(f"o{n}", model) for n, model in enumerate(models)])


def test_the_option_is_suggested_only_when_exactly_one_has_the_model() -> None:
    assert suggested_option(options("ombuds", "new_specialised"), "ombuds") == "o0"
    assert suggested_option(options("ombuds", "ombuds"), "ombuds") is None
    assert suggested_option(options("ombuds"), "multiple_bodies") is None
    assert suggested_option(Questionnaire(), "ombuds") is None


# Fixtures ------------------------------------------------------------------------------------


def valid(**changes: Any) -> DesignationEntry:
    entry = DesignationEntry(
        designated_on=date(2024, 5, 1),
        legal_basis="statute",
        model="ombuds",
        option_key="ombuds",
        bodies=["Office of the Ombudsperson"],
        instrument_reference="Law No. 12 of 2024",
        instrument_link="HTTPS://example.org/law-12",
        places=["prison_sentenced", "police_custody"],
        guarantees={"functional_independence": ("in_law", "Art. 3")},
        stages={"ratified": date(2020, 1, 1), "law_adopted": date(2024, 4, 1)},
        note={"en": "Designated by law.", "fr": ""},
    )
    return replace(entry, **changes)


def form_data(**changes: Any) -> dict[str, Any]:
    """A complete revision form as a browser sends it."""
    data: dict[str, Any] = {
        "designated_on": "2024-05-01",
        "legal_basis": "statute",
        "instrument_reference": "Law No. 12 of 2024",
        "instrument_link": "https://example.org/law-12",
        "bodies": "Office of the Ombudsperson\r\nRegional Office",
        "model": "ombuds",
        "option": "ombuds",
        "places": ["police_custody", "prison_sentenced"],
        "stage_ratified": "2020-01-01",
        "note_en": "Designated by law.",
        **{f"guarantee_{term.key}": "unknown" for term in GUARANTEES},
    }
    data.update(changes)
    return data


@pytest.fixture
def closed(app: Flask, make: Factory) -> Iterator[Member]:
    """A closed consultation (options ``ombuds`` and ``new-body``) and its owner."""
    make.consultation("acme", SLUG, opened=True)
    owner = make.member("acme", [Role.OWNER])
    with app.app_context():
        consultations.close(consultation(), actor(owner))
        db.session.commit()
    yield owner


def consultation(slug: str = SLUG) -> Consultation:
    found = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert found is not None
    return found


def actor(member: Member) -> User:
    user = db.session.get(User, member.user_id)
    assert user is not None
    return user


def stored() -> list[DesignationRevision]:
    return list(db.session.scalars(select(DesignationRevision).order_by(DesignationRevision.id)))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def errors_of(app: Flask, member: Member, entry: DesignationEntry) -> dict[str, list[str]]:
    with app.test_request_context():
        with pytest.raises(InvalidDesignation) as raised:
            services.record_revision(consultation(), actor(member), entry)
        db.session.rollback()
        assert stored() == []
        return {name: [str(m) for m in messages] for name, messages in raised.value.errors.items()}


# Recording revisions -------------------------------------------------------------------------


def test_revisions_are_kept_numbered_and_audited(app: Flask, closed: Member) -> None:
    with app.test_request_context():
        first = services.record_revision(consultation(), actor(closed), valid())
        second = services.record_revision(
            consultation(), actor(closed), valid(model="ombuds_plus", option_key=None)
        )
        db.session.commit()
        assert (first.revision, second.revision) == (1, 2)
        revisions = services.revisions(consultation())
        assert [r.revision for r in revisions] == [2, 1]
        assert services.latest(consultation()) is revisions[0]
        one = revisions[1]
        assert one.instrument_link == "https://example.org/law-12"
        assert one.places == ["police_custody", "prison_sentenced"]  # vocabulary order
        assert one.note == {"en": "Designated by law."}
        assert len(one.guarantees) == len(GUARANTEES)
        assert one.guarantee_map()["functional_independence"] == (GuaranteeStatus.IN_LAW, "Art. 3")
        assert one.guarantee_map()["resources"] == (GuaranteeStatus.UNKNOWN, "")
        assert one.stage_dates() == {"ratified": date(2020, 1, 1), "law_adopted": date(2024, 4, 1)}
        assert services.changed_fields(one, revisions[0]) == ["model", "option"]
        assert actions()[-2:] == ["designation.recorded", "designation.recorded"]
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None and event.actor_id == closed.user_id
        assert event.details == {
            "revision": 2,
            "model": "ombuds_plus",
            "option": None,
            "changed": ["model", "option"],
        }
        assert verify().intact


def test_nothing_is_recorded_before_the_consultation_closes(app: Flask, make: Factory) -> None:
    make.consultation("acme", "draft-one")
    make.consultation("acme", "open-one", opened=True)
    owner = make.member("acme", [Role.OWNER])
    with app.test_request_context():
        for slug in ("draft-one", "open-one"):
            with pytest.raises(NotClosedYet):
                services.record_revision(consultation(slug), actor(owner), valid())
            with pytest.raises(NotClosedYet):
                services.add_recommendation(consultation(slug), actor(owner), {"en": "Do it."})


TODAY = date.today()
LATER = TODAY + timedelta(days=2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"designated_on": None}, "designated_on", "This field is required."),
        ({"designated_on": LATER}, "designated_on", "Enter a date between 2002-12-18"),
        ({"designated_on": date(2001, 1, 1)}, "designated_on", "Enter a date between"),
        ({"legal_basis": ""}, "legal_basis", "This field is required."),
        ({"legal_basis": "treaty"}, "legal_basis", "Choose one of the options offered."),
        ({"legal_basis": "none"}, "instrument_reference", "With no legal basis"),
        ({"instrument_reference": " "}, "instrument_reference", "This field is required."),
        ({"instrument_reference": "x" * 301}, "instrument_reference", "at most 300"),
        ({"instrument_link": "ftp://example.org/a"}, "instrument_link", "https://"),
        ({"instrument_link": "javascript:alert(1)"}, "instrument_link", "https://"),
        ({"instrument_link": "https://"}, "instrument_link", "https://"),
        ({"instrument_link": "https://ex ample.org"}, "instrument_link", "https://"),
        ({"bodies": ["", "  "]}, "bodies", "This field is required."),
        ({"bodies": ["A body", "a BODY"]}, "bodies", "Name each body once."),
        ({"bodies": [f"Body {n}" for n in range(21)]}, "bodies", "at most 20 bodies"),
        ({"bodies": ["x" * 301]}, "bodies", "at most 300"),
        ({"model": ""}, "model", "This field is required."),
        ({"model": "prison"}, "model", "Choose one of the options offered."),
        ({"model": "other", "option_key": None}, "model_description_en", "Describe"),
        ({"model_description": {"en": "x" * 2001}}, "model_description_en", "at most 2,000"),
        ({"option_key": ""}, "option", "Outside the options consulted"),
        ({"option_key": "ghost"}, "option", "Choose one of the options offered."),
        ({"places": []}, "places", "Tick at least one"),
        ({"places": ["moon"]}, "places", "Choose one of the options offered."),
        ({"guarantees": {"resources": ("maybe", "")}}, "guarantee_resources", "Choose one"),
        ({"guarantees": {"resources": ("in_law", "")}}, "article_resources", "Give the article"),
        ({"guarantees": {"resources": ("absent", "Art. 9")}}, "article_resources", "only for"),
        ({"guarantees": {"resources": ("in_law", "x" * 301)}}, "article_resources", "300"),
        ({"guarantees": {"telepathy": ("in_law", "1")}}, "guarantees", "Choose one"),
        ({"stages": {"operational": LATER}}, "stage_operational", "Enter a date between"),
        ({"stages": {"launched": TODAY}}, "stages", "Choose one of the options offered."),
        ({"note": {"en": "x" * 5001}}, "note_en", "at most 5,000"),
    ],
)
def test_every_field_is_checked(
    app: Flask, closed: Member, changes: dict[str, Any], field: str, message: str
) -> None:
    errors = errors_of(app, closed, valid(**changes))
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors[field]


def test_no_guarantee_is_in_law_without_a_legal_basis(app: Flask, closed: Member) -> None:
    entry = valid(legal_basis="none", instrument_reference="", instrument_link="")
    errors = errors_of(app, closed, entry)
    assert list(errors) == ["guarantee_functional_independence"]


def test_outside_the_options_and_other_models_are_recorded(app: Flask, closed: Member) -> None:
    entry = valid(model="other", option_key=None, model_description={"en": "Two bodies"})
    with app.test_request_context():
        revision = services.record_revision(consultation(), actor(closed), entry)
        assert (revision.option_key, revision.model_description) == (None, {"en": "Two bodies"})


# Recommendations -----------------------------------------------------------------------------


def test_recommendations_are_ordered_edited_and_their_updates_kept(
    app: Flask, closed: Member
) -> None:
    with app.test_request_context():
        c, who = consultation(), actor(closed)
        first = services.add_recommendation(c, who, {"en": "Create a new body.", "fr": "Créer."})
        second = services.add_recommendation(c, who, {"en": "Fund it."})
        services.move_recommendation(c, second.id, who, -1)
        services.move_recommendation(c, second.id, who, -1)  # already first: nothing happens
        services.edit_recommendation(c, first.id, who, {"en": "Create a new, independent body."})
        services.add_update(c, first.id, who, "in_progress", date(2025, 3, 1), {"en": "A bill."})
        services.add_update(c, first.id, who, "no_response", date(2024, 1, 1), {})
        services.add_update(c, first.id, who, "adopted", date(2025, 9, 1), {"en": "Law adopted."})
        db.session.commit()
        listed = services.recommendations(consultation())
        assert [r.id for r in listed] == [second.id, first.id]
        assert [r.position for r in listed] == [1, 2]
        assert listed[1].text == {"en": "Create a new, independent body."}
        assert [u.status for u in listed[1].updates] == [
            RecommendationStatus.NO_RESPONSE,
            RecommendationStatus.IN_PROGRESS,
            RecommendationStatus.ADOPTED,
        ]
        latest = listed[1].latest()
        assert latest is not None and latest.status is RecommendationStatus.ADOPTED
        assert actions()[-7:] == [
            "recommendation.added",
            "recommendation.added",
            "recommendation.moved",
            "recommendation.edited",
            "recommendation.updated",
            "recommendation.updated",
            "recommendation.updated",
        ]
        assert verify().intact


def test_recommendations_and_updates_are_checked(app: Flask, closed: Member) -> None:
    with app.test_request_context():
        c, who = consultation(), actor(closed)
        with pytest.raises(InvalidDesignation) as missing:
            services.add_recommendation(c, who, {"fr": "Seulement en français."})
        assert list(missing.value.errors) == ["text_en"]
        with pytest.raises(InvalidDesignation) as long:
            services.add_recommendation(c, who, {"en": "x" * 2001})
        assert list(long.value.errors) == ["text_en"]
        kept = services.add_recommendation(c, who, {"en": "Fund it."})
        with pytest.raises(InvalidDesignation) as bad:
            services.add_update(c, kept.id, who, "forgotten", LATER, {"en": "x" * 2001})
        assert sorted(bad.value.errors) == ["as_of", "note_en", "status"]
        with pytest.raises(InvalidDesignation) as empty:
            services.add_update(c, kept.id, who, "", None, {})
        assert sorted(empty.value.errors) == ["as_of", "status"]
        assert kept.updates == []


# Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def publisher(closed: Member, login_as: Callable[..., Member]) -> Member:
    return login_as(Role.PUBLISHER)


def html(page: Page) -> str:
    assert page.response is not None
    return page.response.get_data(as_text=True)


def test_a_publisher_records_a_revision_through_the_form(
    app: Flask, page: Page, publisher: Member
) -> None:
    assert page.get(f"{BASE}/").status_code == 200
    assert "No designation recorded yet." in page.text
    assert page.get(f"{BASE}/new").status_code == 200
    response = page.post(f"{BASE}/new", form_data(), form_page=f"{BASE}/new")
    assert response.status_code == 302, page.text
    with app.app_context():
        [revision] = stored()
        assert revision.bodies == ["Office of the Ombudsperson", "Regional Office"]
        assert revision.recorded_by_id == publisher.user_id
    page.get(f"{BASE}/")
    text = page.text
    assert "Revision 1" in text and "Regional Office" in text and "First record" in text
    assert "Skipped" not in text
    page.get(f"{BASE}/new")
    assert 'value="2024-05-01"' in html(page)  # pre-filled from the latest
    page.post(f"{BASE}/new", form_data(stage_law_adopted="2024-04-01"), form_page=f"{BASE}/new")
    page.get(f"{BASE}/")
    assert "Revision 2" in page.text and "Implementation stages" in page.text
    assert "Skipped" in page.text  # places_mapped … bill_tabled, before the law


def test_the_form_keeps_what_was_typed_and_shows_field_errors(
    app: Flask, page: Page, publisher: Member
) -> None:
    data = form_data(
        instrument_link="ftp://example.org/x",
        designated_on="1 May",
        bodies="Typed Body Name",
        guarantee_resources="in_law",
    )
    response = page.post(f"{BASE}/new", data, form_page=f"{BASE}/new")
    assert response.status_code == 400
    assert "Enter a date, such as 2027-03-01." in page.text
    response = page.post(f"{BASE}/new", form_data(**{**data, "designated_on": "2024-05-01"}))
    assert response.status_code == 400
    text, markup = page.text, html(page)
    assert "Enter a web address that starts with https:// or http://." in text
    assert "Give the article of the founding text." in text
    assert "Typed Body Name" in markup and 'value="ftp://example.org/x"' in markup
    with app.app_context():
        assert stored() == []


def test_the_option_of_the_designated_model_is_preselected(
    app: Flask, page: Page, publisher: Member
) -> None:
    sent = form_data(option="", instrument_link="ftp://x")
    assert page.post(f"{BASE}/new", sent, form_page=f"{BASE}/new").status_code == 400
    assert "The option of the designated model is now selected" in page.text
    assert "Enter a web address" in page.text  # every problem at once
    assert '<option selected value="ombuds">' in html(page)
    none_match = form_data(option="", model="multiple_bodies")
    assert page.post(f"{BASE}/new", none_match).status_code == 400
    assert "Outside the options consulted”." in page.text  # the publisher must choose
    outside = form_data(option="-", model="multiple_bodies")
    assert page.post(f"{BASE}/new", outside).status_code == 302
    with app.app_context():
        assert [r.option_key for r in stored()] == [None]


def test_several_options_of_one_model_leave_the_choice_to_the_publisher(
    app: Flask, make: Factory, login_as: Callable[..., Member], page: Page
) -> None:
    document = sample_questionnaire(["en", "fr"])
    document.options[1].model = "ombuds"
    make.consultation("acme", SLUG, opened=True, questionnaire=document)
    owner = make.member("acme", [Role.OWNER])
    with app.app_context():
        consultations.close(consultation(), actor(owner))
        db.session.commit()
    login_as(Role.PUBLISHER)
    assert (
        page.post(f"{BASE}/new", form_data(option=""), form_page=f"{BASE}/new").status_code == 400
    )
    assert "now selected" not in page.text
    assert "Choose the option of the consultation" in page.text


def test_recommendations_through_the_pages(app: Flask, page: Page, publisher: Member) -> None:
    new = f"{BASE}/recommendations/new"
    assert page.post(new, {"text_fr": "Seulement"}, form_page=new).status_code == 400
    assert "Seulement" in html(page) and "This field is required." in page.text
    assert page.post(new, {"text_en": "Create a body."}).status_code == 302
    assert page.post(new, {"text_en": "Fund it."}).status_code == 302
    with app.app_context():
        first, second = services.recommendations(consultation())
    update = f"{BASE}/recommendations/{first.id}/updates/new"
    assert page.get(update).status_code == 200
    sent = {"status": "adopted", "as_of": "2025-01-31", "update_note_en": "Law passed."}
    assert page.post(update, sent, form_page=update).status_code == 302
    assert page.post(update, {**sent, "status": "", "as_of": "soon"}).status_code == 400
    assert "Law passed." in html(page)  # kept on the page
    move = f"{BASE}/recommendations/{second.id}/move"
    assert page.post(move, {"direction": "up"}, form_page=update).status_code == 302
    edit = f"{BASE}/recommendations/{first.id}/edit"
    page.get(edit)
    assert "Create a body." in html(page)
    assert (
        page.post(edit, {"text_en": "Create an independent body."}, form_page=edit).status_code
        == 302
    )
    page.get(f"{BASE}/")
    text = page.text
    assert text.index("Fund it.") < text.index("Create an independent body.")
    assert "Adopted" in text and "Law passed." in text and "as of" in text


def test_every_post_needs_the_csrf_token(app: Flask, page: Page, publisher: Member) -> None:
    assert page.post(f"{BASE}/new", form_data(), csrf=False).status_code == 400
    assert page.post(f"{BASE}/recommendations/new", {"text_en": "x"}, csrf=False).status_code == 400
    with app.app_context():
        assert stored() == [] and services.recommendations(consultation()) == []


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORGANISER, Role.OWNER, Role.TRUSTEE])
def test_other_roles_read_but_do_not_write(
    closed: Member, login_as: Callable[..., Member], page: Page, role: Role
) -> None:
    login_as(role)
    assert page.get(f"{BASE}/").status_code == 200
    assert "Record the designation" not in page.text
    assert page.get(f"{BASE}/new").status_code == 403
    assert page.post(f"{BASE}/new", form_data(), form_page=f"{BASE}/").status_code == 403
    assert page.post(f"{BASE}/recommendations/new", {"text_en": "x"}).status_code == 403


def test_other_organisations_and_strangers_get_nothing(
    closed: Member, login_as: Callable[..., Member], page: Page, client: FlaskClient
) -> None:
    assert client.get(f"{BASE}/").status_code == 302  # to the sign-in page
    login_as(Role.PUBLISHER, organisation="other")
    assert page.get(f"{BASE}/").status_code == 404
    assert page.post(f"{BASE}/new", form_data(), form_page="/admin/login").status_code == 404


def test_the_pages_wait_for_the_consultation_to_close(
    make: Factory, login_as: Callable[..., Member], page: Page
) -> None:
    make.consultation("acme", SLUG, opened=True)
    login_as(Role.PUBLISHER)
    assert page.get(f"{BASE}/").status_code == 409
    assert "once the consultation has closed" in page.text
    assert page.get(f"/admin/acme/consultations/{SLUG}/").status_code == 200
    assert f"{BASE}/" not in html(page)


def test_the_consultation_page_links_to_the_designation(
    closed: Member, login_as: Callable[..., Member], page: Page
) -> None:
    login_as(Role.ANALYST)
    page.get(f"/admin/acme/consultations/{SLUG}/")
    assert f'href="{BASE}/"' in html(page)
