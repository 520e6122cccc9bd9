"""``flask consult demo``: a complete, realistic open consultation of a fictional federal State."""

from __future__ import annotations

import html as markup
import re
from collections import Counter
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from consult import demo, demo_designation, demo_published
from consult.accounts.models import Organisation, User
from consult.consultations.models import Consultation, Status
from consult.db import utcnow
from consult.extensions import db
from consult.opcat.vocabulary import GUARANTEES, NPM_MODELS, STAKEHOLDERS
from consult.questionnaires import schema
from consult.questionnaires.answers import field_name, field_names, read_submission
from consult.questionnaires.schema import (
    CHANNELS,
    Channel,
    ConditionOp,
    JurisdictionMode,
    Questionnaire,
    QuestionType,
)
from consult.quotations import services as quotations
from consult.reports import comparison, designation
from consult.reports import services as reports
from consult.reports.comparison import Alignment
from consult.reports.models import ReportStatus
from consult.reports.observatory import ALIGNMENT_LABELS
from consult.respond import services as respond
from consult.respond.models import Answer, Invitation, Response
from consult.sealed.payload import SEALED_CHANNELS
from tests.helpers import Page, login

LOCALES = ("en", "fr", "es", "ar")
DESK = "/admin/demo/consultations/demo-npm-options/responses"
#: How each language says "fictional", to find the label where readers start.
FICTIONAL = {"en": "fictional", "fr": "ficti", "es": "ficti", "ar": "افتراضي"}


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["consult", *args])


@pytest.fixture
def loaded(app: Flask) -> Flask:
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    return app


def the_consultation(slug: str = "demo-npm-options") -> Consultation:
    """The open demo consultation, or the one named ``slug``."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert consultation is not None
    return consultation


def test_demo_loads_once_and_prints_how_to_sign_in(app: Flask) -> None:
    result = run(app, "demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "owner@demo.example" in result.output and "demo-password-not-secret" in result.output
    with app.app_context():
        consultation = the_consultation()
        assert consultation.status is Status.OPEN
        assert set(consultation.offered_locales) == set(LOCALES)
        counts = (respond.total(consultation), _count(Answer))
    assert "already has data" in run(app, "demo", "--if-empty").output
    assert "already has data" in run(app, "demo").output
    with app.app_context():
        assert _count(Organisation) == 1 and _count(Consultation) == 2
        consultation = the_consultation()
        assert (respond.total(consultation), _count(Answer)) == counts
    for lang in LOCALES:
        assert Page(app.test_client()).get(f"/{lang}/c/demo-npm-options/").status_code == 200
    page = Page(app.test_client())
    login(page, "owner@demo.example", "demo-password-not-secret")
    assert page.get("/admin/demo/members/").status_code == 200
    assert page.get(f"{DESK}/").status_code == 200 and "300" in page.text
    analyst = Page(app.test_client())
    login(analyst, "analyst@demo.example", "demo-password-not-secret")
    assert analyst.get(f"{DESK}/list?page=6").status_code == 200
    assert run(app, "audit-verify").exit_code == 0


def test_the_consultation_is_open_frozen_and_complete_in_four_languages(loaded: Flask) -> None:
    with loaded.app_context():
        consultation = the_consultation()
        document = consultation.document()
        assert consultation.status is Status.OPEN and consultation.is_accepting()
        assert consultation.version == schema.version(document)
        assert consultation.country == "XX"
        now = utcnow()
        assert consultation.opened_at is not None and consultation.opened_at <= now
        assert consultation.closes_at is not None
        assert timedelta(days=59) < consultation.closes_at - now < timedelta(days=62)
        states = consultation.text_states()
        assert set(states) == set(LOCALES)
        for code, state in states.items():
            assert (state.missing, state.stale) == ([], []), code
        for code in LOCALES:
            assert FICTIONAL[code] in consultation.title[code].lower()
            assert FICTIONAL[code] in consultation.use_of_input[code].lower()
            assert FICTIONAL[code] in document.sections[0].intro[code].lower()
            assert FICTIONAL[code] in consultation.summary[code].lower()


def test_the_questionnaire_uses_every_feature(loaded: Flask) -> None:
    with loaded.app_context():
        document = the_consultation().document()
    questions = list(document.questions())
    assert {q.type for q in questions} == set(QuestionType)
    assert {q.rank_source for q in questions if q.type is QuestionType.RANKING} == {
        "options",
        "custom",
    }
    ranking = next(
        q for q in questions if q.type is QuestionType.RANKING and q.rank_source == "options"
    )
    assert not ranking.required
    assert any(q.required for q in questions)
    (matrix,) = [q for q in questions if q.type is QuestionType.MATRIX]
    assert 6 <= len(matrix.rows) <= 8
    assert {o.model for o in document.options} == {
        "ombuds_plus",
        "new_specialised",
        "nhri_commission",
        "decentralised_federal",
    }
    assert all(o.model in NPM_MODELS for o in document.options)
    operators = {q.condition.op for q in questions if q.condition is not None}
    assert {ConditionOp.EQUALS, ConditionOp.INCLUDES} <= operators
    assert sum(set(q.easy) == set(LOCALES) for q in questions) >= 2
    assert all(set(q.help) == set(LOCALES) for q in questions)
    everywhere = [q for q in questions if set(q.channels) == set(CHANNELS)]
    named_only = [q for q in questions if set(q.channels) == {"open", "invited"}]
    assert len(everywhere) > len(questions) / 2 and 1 <= len(named_only) <= 2
    profile = document.profile
    assert profile.categories == list(STAKEHOLDERS.keys()) and profile.custom_categories
    assert profile.jurisdiction is JurisdictionMode.CUSTOM and profile.ask_place
    provinces = [c.key for c in profile.custom_jurisdictions if c.key != "federal"]
    assert "federal" in {c.key for c in profile.custom_jurisdictions}
    assert 5 <= len(provinces) <= 7


def test_about_300_responses_from_many_groups_and_every_jurisdiction(loaded: Flask) -> None:
    with loaded.app_context():
        consultation = the_consultation()
        document = consultation.document()
        responses = _responses(consultation)
        opened = consultation.opened_at
    assert opened is not None
    assert 250 <= len(responses) <= 350
    assert {r.channel for r in responses} == {Channel.OPEN}
    assert {r.questionnaire_version for r in responses} == {consultation.version}
    assert {r.locale for r in responses} == set(LOCALES)
    categories = Counter(r.stakeholder_category for r in responses)
    assert len(categories) >= 6
    assert categories.most_common(1)[0][0] == "civil_society"
    assert "deprived_of_liberty" not in categories
    assert categories["former_detainee"] + categories["family"] >= 5
    assert {r.jurisdiction for r in responses} == {
        c.key for c in document.profile.custom_jurisdictions
    }
    days = {r.received_on for r in responses}
    today = utcnow().date()
    assert all(d is not None and opened.date() <= d <= today for d in days)
    assert len(days) >= 20
    # Each group answers in its own way: sub-national governments prefer their own mechanisms.
    first = Counter(
        (r.stakeholder_category, a.choice_key)
        for r in responses
        for a in r.answers
        if a.question_key == "ranking" and a.rank == 1
    )
    subnational = {k: n for (g, k), n in first.items() if g == "government_subnational"}
    assert max(subnational, key=lambda k: subnational[k]) == "decentralised_federal"


def test_every_stored_response_passes_the_open_channels_checks(loaded: Flask) -> None:
    with loaded.app_context():
        consultation = the_consultation()
        document = consultation.document()
        questions = respond.questions_for(document, Channel.OPEN)
        rules = {
            code: respond.profile_rules(consultation, document, Channel.OPEN, code)
            for code in LOCALES
        }
        responses = _responses(consultation)
        shown: Counter[str] = Counter()
        for response in responses:
            form = _form(response, document)
            read = read_submission(rules[response.locale], questions, document, form)
            assert read.errors == {}, (response.stakeholder_category, read.errors)
            stored = {
                (a.question_key, a.item_key, a.choice_key, a.rank, a.number, a.text)
                for a in response.answers
            }
            checked = {
                (r.question_key, r.item_key, r.choice_key, r.rank, r.number, r.text)
                for r in read.rows
            }
            assert stored == checked
            assert read.profile.jurisdiction == response.jurisdiction
            assert read.profile.place == (response.place_category or "")
            shown.update(read.answers.keys())
            if response.locale == "ar":
                texts = [a.text for a in response.answers if a.text]
                assert all(any("\u0600" <= ch <= "\u06ff" for ch in text) for text in texts)
    # Conditional questions are answered by some, never by all.
    for key in ("detention_places", "visited", "federal_roles", "health_experts"):
        assert 0 < shown[key] < len(responses), key


def test_a_demo_answer_is_what_the_real_form_accepts(loaded: Flask) -> None:
    with loaded.app_context():
        document = the_consultation().document()
    locale, submission = next(
        (locale, s)
        for locale, _ago, s in demo.submissions(document)
        if locale == "ar" and {"federal_roles", "health_experts", "staff"} <= set(s.answers)
    )
    page = Page(loaded.test_client())
    url = f"/{locale}/c/demo-npm-options/respond"
    html = page.get(url).get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html)
    assert key is not None
    data = {
        **demo.form_data(submission, document).to_dict(flat=False),
        "submission_key": key.group(1),
        "mode": "page",
    }
    assert page.post(url, data, form_page=url).status_code == 303, page.text
    with loaded.app_context():
        same = select(func.count()).where(Response.answers_digest == submission.digest())
        assert db.session.scalar(same) == 2  # the demo's copy, and the one sent through the form


def test_the_answers_are_the_same_at_every_load() -> None:
    document = demo.questionnaire()
    first = [(locale, ago, s.digest()) for locale, ago, s in demo.submissions(document)]
    again = [(locale, ago, s.digest()) for locale, ago, s in demo.submissions(document)]
    assert first == again and len(first) == demo.RESPONSES


def test_removing_the_demo_removes_its_responses(loaded: Flask) -> None:
    result = run(loaded, "demo", "--remove")
    assert result.exit_code == 0, result.output
    with loaded.app_context():
        assert db.session.scalar(select(Organisation.id)) is None
        assert db.session.scalar(select(User.id)) is None
        assert db.session.scalar(select(Consultation.id)) is None
        assert _count(Response) == _count(Answer) == 0
    assert run(loaded, "audit-verify").exit_code == 0
    assert run(loaded, "demo").exit_code == 0


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _responses(consultation: Consultation, channel: Channel = Channel.OPEN) -> list[Response]:
    return list(
        db.session.scalars(
            select(Response)
            .where(Response.consultation_id == consultation.id, Response.channel == channel)
            .options(selectinload(Response.answers))
        )
    )


def _form(response: Response, document: Questionnaire) -> MultiDict[str, str]:
    """The fields a browser would have sent for a stored response."""
    form: MultiDict[str, str] = MultiDict()
    form.add("p-category", response.stakeholder_category)
    for name, value in (
        ("p-jurisdiction", response.jurisdiction),
        ("p-place", response.place_category),
        ("p-organisation", response.declared_organisation),
    ):
        if value:
            form.add(name, value)
    for answer in response.answers:
        question = document.question(answer.question_key)
        assert question is not None, answer.question_key
        if question.type is QuestionType.RANKING:
            form.add(field_name(question, answer.choice_key), str(answer.rank))
        elif question.type is QuestionType.MATRIX:
            form.add(field_name(question, answer.item_key), answer.choice_key)
        elif question.type is QuestionType.NUMBER:
            form.add(field_name(question), str(answer.number))
        elif answer.text is not None:
            form.add(field_name(question), answer.text)
        else:
            form.add(field_name(question), answer.choice_key)
    return form


def test_the_printed_shares_open_the_demos_sealed_answers(app: Flask) -> None:
    """A new user can try unsealing: any two printed shares open every demo envelope."""
    import re

    from consult.sealed import crypto
    from consult.sealed.models import Envelope, SealingKey

    output = run(app, "demo").output
    shares = re.findall(r"trustee\d@demo\.example: ([a-z ]+)\n", output)
    assert len(shares) == 3
    with app.app_context():
        consultation = the_consultation()
        key = db.session.scalars(
            select(SealingKey).where(SealingKey.consultation_id == consultation.id)
        ).one()
        envelopes = db.session.scalars(
            select(Envelope).where(Envelope.consultation_id == consultation.id)
        ).all()
        assert len(envelopes) == 200
        assert len({len(e.ciphertext) for e in envelopes}) == 1
        opening = crypto.combine(shares[1:], key.share_identifier, key.threshold)
        private = crypto.unwrap(key.wrapped_private_key, opening, key.key_id)
        where = crypto.info(str(consultation.uuid), consultation.version or "", key.key_id)
        payloads = [
            crypto.open_envelope(crypto.Envelope(e.suite, e.key_id, e.ciphertext), private, where)
            for e in envelopes[:20]
        ]
    assert {p["profile"]["category"] for p in payloads} <= {
        "deprived_of_liberty",
        "former_detainee",
        "family",
    }
    assert all(
        p["channel"] in ("sealed", "assisted") and p["version"] == consultation.version
        for p in payloads
    )


def test_organisations_are_invited_and_most_answered(loaded: Flask) -> None:
    """About twenty invitations in the key groups: answered (some consenting), pending, one
    draft, one withdrawn; each answer passes the invited channel's checks."""
    with loaded.app_context():
        consultation = the_consultation()
        document = consultation.document()
        questions = respond.questions_for(document, Channel.INVITED)
        invitations = db.session.scalars(
            select(Invitation)
            .where(Invitation.consultation_id == consultation.id)
            .options(selectinload(Invitation.draft))
        ).all()
        responses = {r.invitation_id: r for r in _responses(consultation, Channel.INVITED)}
        assert 18 <= len(invitations) <= 25
        assert {i.stakeholder_category for i in invitations} >= {
            "parliament",
            "judiciary",
            "government_national",
            "government_subnational",
            "nhri",
            "civil_society",
            "international",
        }
        assert len({i.language for i in invitations}) == len(LOCALES)
        assert all(re.fullmatch(r"[0-9a-f]{64}", i.token_hash) for i in invitations)
        answered = [i for i in invitations if i.answered_at is not None]
        withdrawn = [i for i in invitations if i.revoked_at is not None]
        drafted = [i for i in invitations if i.draft is not None]
        pending = [
            i for i in invitations if i.answered_at is None and i.revoked_at is None and not i.draft
        ]
        assert len(withdrawn) == len(drafted) == 1
        assert not set(withdrawn) & set(answered) and not set(drafted) & set(answered)
        assert len(answered) >= 8 and len(pending) >= 4
        assert set(responses) == {i.id for i in answered}
        consenting = [i for i in answered if responses[i.id].publication_consent]
        assert 0 < len(consenting) < len(answered)
        (draft,) = drafted
        assert draft.draft is not None and draft.draft.fields
        names = {name for q in questions for name in field_names(q, document)}
        assert {name for name, _value in draft.draft.fields} <= names
        for invitation in answered:
            response = responses[invitation.id]
            assert response.received_on == invitation.answered_at.date()
            assert response.locale == invitation.language
            assert response.stakeholder_category == invitation.stakeholder_category
            assert response.jurisdiction == invitation.jurisdiction
            assert response.declared_organisation == invitation.organisation_name
            rules = respond.profile_rules(consultation, document, Channel.INVITED, response.locale)
            read = read_submission(rules, questions, document, _form(response, document))
            assert read.errors == {}, (invitation.organisation_name, read.errors)
    owner = Page(loaded.test_client())
    login(owner, "owner@demo.example", "demo-password-not-secret")
    owner.post("/language", {"locale": "en", "next": "/"})  # the demo owner reads Arabic
    owner.get(f"{DESK}/")
    assert f"{len(invitations)} invitations" in owner.text
    assert f"Answered\n{len(answered)}" in owner.text
    assert "Draft saved, not sent\n1" in owner.text and "Invitation withdrawn\n1" in owner.text
    assert f"Not answered yet\n{len(pending)}" in owner.text
    analyst = Page(loaded.test_client())
    login(analyst, "analyst@demo.example", "demo-password-not-secret")
    analyst.get(f"{DESK}/list?consent=1")
    assert f"of {len(consenting)}" in analyst.text
    assert all(i.organisation_name in analyst.text for i in consenting)


# The second consultation: closed, unsealed, published ----------------------------------------

FIRST_ROUND = demo_published.SLUG


def test_the_first_round_is_closed_unsealed_and_published(loaded: Flask) -> None:
    """Its report counts every response not held for review, from every channel but invited,
    hides some small cells, and was prepared by the analyst and published by the publisher."""
    with loaded.app_context():
        consultation = the_consultation(FIRST_ROUND)
        assert consultation.status is Status.PUBLISHED and not consultation.is_accepting()
        assert consultation.closed_at is not None and consultation.closed_at < utcnow()
        assert {c.status for c in db.session.scalars(select(Consultation))} == {
            Status.OPEN,
            Status.PUBLISHED,
        }
        for code, state in consultation.text_states().items():
            assert (state.missing, state.stale) == ([], []), code
        for code in LOCALES:
            for field in ("title", "summary", "use_of_input"):
                assert FICTIONAL[code] in getattr(consultation, field)[code].lower(), field
        report = reports.public_report(consultation)
        assert (report.revision, report.status) == (1, ReportStatus.PUBLISHED)
        assert set(report.narrative) == set(report.limitations) == set(LOCALES)
        names = {u.id: u.email for u in db.session.scalars(select(User))}
        assert names[report.prepared_by_id] == "analyst@demo.example"
        assert names[report.published_by_id] == "publisher@demo.example"
        data = reports.numbers(report)
        counted = db.session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.consultation_id == consultation.id, Response.is_held.is_(False))
        )
        assert data.responses == counted
        assert data.held == demo_published.HELD
        channels = dict(
            db.session.execute(
                select(Response.channel, func.count())
                .where(Response.consultation_id == consultation.id)
                .group_by(Response.channel)
            ).all()
        )
        assert set(channels) == {Channel.OPEN, Channel.SEALED, Channel.ASSISTED}
        assert channels[Channel.OPEN] == demo_published.RESPONSES
        assert channels[Channel.SEALED] + channels[Channel.ASSISTED] == (
            demo_published.SEALED_RESPONSES
        )
        cells = [c for t in data.participation.values() for row in t.cells for c in row]
        assert 0 < cells.count(None) < len(cells) / 3  # some small cells hidden, most shown
        approved = quotations.approved(consultation)
        assert len(approved) == demo_published.QUOTATIONS
        assert all(q.proposed_by_id != q.decided_by_id for q in approved)
        assert {q.response.channel for q in approved} <= {Channel.SEALED, Channel.ASSISTED}
    assert run(loaded, "audit-verify").exit_code == 0
    publisher = Page(loaded.test_client())
    login(publisher, "publisher@demo.example", "demo-password-not-secret")
    publisher.post("/language", {"locale": "en", "next": "/"})
    assert publisher.get(f"/admin/demo/c/{FIRST_ROUND}/report/").status_code == 200
    assert "Revision 1" in publisher.text and "Withdraw the public report" in publisher.text
    for lang in LOCALES:
        assert Page(loaded.test_client()).get(f"/{lang}/c/{FIRST_ROUND}/").status_code == 200


def test_the_first_rounds_narrative_says_what_its_numbers_say(loaded: Flask) -> None:
    """Each claim of the organisers' narrative, checked against the published numbers."""
    with loaded.app_context():
        data = reports.numbers(reports.public_report(the_consultation(FIRST_ROUND)))
    narrative = demo_published.NARRATIVE
    assert all(str(data.responses) in narrative[code] for code in LOCALES)
    channels = data.participation["group"]
    sealed = sum(channels.column_totals[channels.columns.index(c)] or 0 for c in SEALED_CHANNELS)
    assert f"{sealed} " in narrative["en"] and "Six sealed" in narrative["en"]
    assert data.held == 6
    assert data.options_question is not None and data.guarantees_question is not None
    ranking = data.question(data.options_question)
    assert ranking is not None
    first = ranking.tables["all"]
    firsts = {item: first.cell(item, "1") or 0 for item in first.rows}
    assert sorted(firsts, key=firsts.__getitem__)[-2:] == ["ombuds_plus", "new_specialised"]
    assert max(firsts.values()) < (data.responses or 0) / 2  # no majority
    borda = ranking.borda["all"]
    assert max(borda.items, key=lambda i: borda.points[borda.items.index(i)][0] or 0) == (
        "ombuds_plus"
    )
    group = ranking.tables["group"]
    assert (group.cell("new_specialised", "deprived_of_liberty") or 0) > (
        group.cell("ombuds_plus", "deprived_of_liberty") or 0
    )
    provinces = ranking.tables["category"]
    column = [(provinces.cell(i, "government_subnational") or 0, i) for i in provinces.rows]
    assert max(column)[1] == "decentralised_federal"
    guarantees = data.question(data.guarantees_question)
    assert guarantees is not None
    table = guarantees.tables["all"]
    essential = {g: table.cell(g, "essential") or 0 for g in table.rows}
    ranked = sorted(essential, key=essential.__getitem__)
    assert set(ranked[-2:]) == {"access_all_places", "no_sanctions"}
    assert ranked[0] == "gender_minority_balance"
    assert 0.4 < essential["gender_minority_balance"] / (data.responses or 1) < 0.6


def test_the_first_rounds_designation_departs_from_it_and_the_observatory_says_so(
    loaded: Flask,
) -> None:
    """The State gave the mandate to an option well behind the first (a decree, then an Act
    missing two guarantees respondents asked for); the observatory lists it in every language."""
    with loaded.app_context():
        consultation = the_consultation(FIRST_ROUND)
        data = reports.numbers(reports.public_report(consultation))
        earlier, latest = reversed(designation.revisions(consultation))
        assert (earlier.revision, earlier.legal_basis) == (1, "decree")
        assert (latest.revision, latest.legal_basis) == (2, "statute")
        assert earlier.recorded_at < latest.recorded_at and set(latest.note) == set(LOCALES)
        option = latest.option_key
        assert option is not None and latest.model == option
        overall = comparison.standings(data, option)[0]
        assert overall.alignment is Alignment.DEPARTS and (overall.rank or 0) > 2
        firsts = data.question(data.options_question or "")
        assert firsts is not None
        table = firsts.tables["all"]
        shares = {item: table.share(r, 0) or 0 for r, item in enumerate(table.rows)}
        assert max(shares.values()) - shares[option] >= comparison.CLOSE
        assert shares[option] == min(shares.values())  # what the Act's note says
        founding = latest.guarantee_map()
        checks = comparison.guarantee_checks(data, founding)
        assert {c.key for c in checks if c.gap} == set(demo_designation.ABSENT)
        absent = {key for key, (status, _a) in founding.items() if status == "absent"}
        assert absent == set(demo_designation.ABSENT)
        assert all(article for status, article in founding.values() if status == "in_law")
        states = list(designation.stage_states(latest.stage_dates()).values())
        assert states.count("skipped") == 1 and states.count("pending") >= 2
        recommendations = designation.recommendations(consultation)
        assert len(recommendations) == 3
        for recommendation in recommendations:
            assert set(recommendation.text) == set(LOCALES) and len(recommendation.updates) >= 2
            assert all(set(update.note) == set(LOCALES) for update in recommendation.updates)
    client = loaded.test_client()
    for lang in LOCALES:
        entries = client.get(f"/api/v1/observatory?lang={lang}").get_json()["entries"]
        (entry,) = [e for e in entries if e["slug"] == FIRST_ROUND]
        assert entry["alignment"]["key"] == "departs"
        assert [g["key"] for g in entry["missing_guarantees"]] == list(demo_designation.ABSENT)
        page = client.get(f"/{lang}/observatory?alignment=departs").get_data(as_text=True)
        html = markup.unescape(page)  # « S'écarte » is escaped in the page
        with loaded.test_request_context(), force_locale(lang):
            words = str(ALIGNMENT_LABELS["departs"]), str(GUARANTEES.label("resources"))
        assert f"/{lang}/c/{FIRST_ROUND}/report" in html
        assert all(word in html for word in words)
    assert run(loaded, "audit-verify").exit_code == 0
