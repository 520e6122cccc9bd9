"""The questionnaire builder: options, profile, sections and questions edited through the forms,
in several languages, before and after the consultation opens."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from flask import Flask
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires import schema
from consult.questionnaires.schema import JurisdictionMode, Questionnaire, QuestionType
from tests.factories import Factory, Member, sample_questionnaire
from tests.helpers import Page

BASE = "/admin/acme/consultations/npm-2027/questionnaire"
OVERVIEW = f"{BASE}/"


def stored(app: Flask, slug: str = "npm-2027") -> Consultation:
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        assert consultation is not None
        db.session.expunge(consultation)
        return consultation


def document(app: Flask, slug: str = "npm-2027") -> Questionnaire:
    return stored(app, slug).document()


class _FormReader(HTMLParser):
    """What a browser would send from the builder's form: named fields that are not disabled
    (nor inside a disabled fieldset), ticked boxes, chosen options."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.disabled = False, 0
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = "builder-form" in a.get("class", "")
        if not self.inside:
            return
        if tag == "fieldset":
            self.disabled += 1 if "disabled" in a or self.disabled else 0
        off = self.disabled or "disabled" in a
        name = a.get("name")
        if tag == "input" and name and not off:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "file"):
                self._add(name, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea" and name and not off:
            self._textarea = name
            self._add(name, "")
        elif tag == "select" and name and not off:
            self._select, self._first = name, None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._add(self._select, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "fieldset" and self.disabled:
            self.disabled -= 1
        elif tag == "textarea" and self._textarea:
            # As a browser: one newline right after <textarea> is not part of the value.
            text = self.values[self._textarea][-1].replace("\r\n", "\n")
            self.values[self._textarea][-1] = text.removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select:
            if self._select not in self.values and self._first is not None:
                self._add(self._select, self._first)
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data


def form_values(page: Page, url: str) -> dict[str, list[str]]:
    """GET the builder page ``url`` and read what its form would send as it stands."""
    response = page.get(url)
    assert response.status_code == 200, page.text
    reader = _FormReader()
    reader.feed(response.get_data(as_text=True))
    return reader.values


def html(page: Page) -> str:
    assert page.response is not None
    return page.response.get_data(as_text=True)


def send(page: Page, url: str, data: dict[str, object]) -> int:
    return page.post(url, data, form_page=OVERVIEW).status_code


@pytest.fixture
def draft(make: Factory, login_as: Callable[..., Member]) -> None:
    """Draft npm-2027 in English (main) and French, and an organiser signed in."""
    make.consultation("acme", "npm-2027", ("en", "fr"))
    login_as(Role.ORGANISER)


def section(page: Page, key: str = "s1") -> None:
    data = {"key": key, "title-en": f"Part {key}", "title-fr": f"Partie {key}"}
    assert send(page, f"{BASE}/sections/new", data) == 302, page.text


def question(page: Page, kind: QuestionType, key: str, in_section: str = "s1", **more: object):
    data: dict[str, object] = {
        "key": key,
        "section": in_section,
        "text-en": f"Question {key}?",
        "text-fr": f"Question {key} ?",
        "channels": ["open", "invited", "sealed", "assisted"],
        **more,
    }
    return page.post(
        f"{BASE}/sections/{in_section}/questions/new?type={kind.value}", data, form_page=OVERVIEW
    )


def answers(*keys: str) -> dict[str, str]:
    data = {}
    for i, key in enumerate(keys):
        data |= {
            f"choices-{i}-key": key,
            f"choices-{i}-labels-en": key.title(),
            f"choices-{i}-labels-fr": f"{key.title()} (fr)",
        }
    return data


# Options, sections, questions --------------------------------------------------------------


def test_an_option_is_added_with_texts_side_by_side_then_renamed(
    app: Flask, page: Page, draft: None
) -> None:
    html = page.get(f"{BASE}/options/new").get_data(as_text=True)
    assert '<input dir="ltr" id="title-en" lang="en"' in html
    assert '<textarea dir="ltr" id="description-fr" lang="fr"' in html
    assert "English\n(main language)\nFrench" in page.text
    data = {"model": "ombuds", "title-en": "Ombuds office", "title-fr": "Bureau du médiateur"}
    assert send(page, f"{BASE}/options/new", data) == 302
    [option] = document(app).options
    assert (option.key, option.model) == ("option1", "ombuds")
    assert option.title == {"en": "Ombuds office", "fr": "Bureau du médiateur"}
    page.get(OVERVIEW)
    assert "Ombuds office" in page.text and "Ombuds institution" in page.text

    assert send(page, f"{BASE}/options/option1/edit", {**data, "key": "ombuds"}) == 302
    assert [o.key for o in document(app).options] == ["ombuds"]


def test_bad_option_input_gets_field_errors_and_keeps_what_was_typed(
    app: Flask, page: Page, draft: None
) -> None:
    data = {"model": "", "key": "Not A Key", "title-en": "", "title-fr": "x" * 201}
    assert send(page, f"{BASE}/options/new", data) == 400
    text = page.text
    assert "Please correct the following" in text
    assert "NPM model: Choose one of the options offered." in text
    assert "Keys use 1 to 40 lowercase letters, digits, - and _." in text
    assert "Title – English: This field is required." in text
    assert "Title – French: Use at most 200 characters." in text
    assert 'value="Not A Key"' in html(page)
    assert document(app).options == []


def test_questions_of_every_type_are_created_through_the_forms(
    app: Flask, page: Page, draft: None
) -> None:
    section(page)
    page.get(f"{BASE}/sections/s1/questions/new")
    for label in ("Single choice", "Ranking", "OPCAT guarantee matrix", "Number"):
        assert label in page.text
    sent = [
        question(page, QuestionType.SINGLE, "single", **answers("a", "b")),
        question(page, QuestionType.MULTIPLE, "multiple", **answers("x", "y", "z")),
        question(page, QuestionType.SCALE, "scale", **answers("low", "high")),
        question(page, QuestionType.RANKING, "rank", rank_source="options"),
        question(page, QuestionType.RANKING, "rank-own", rank_source="custom", **answers("p", "q")),
        question(page, QuestionType.MATRIX, "matrix", rows=["resources", "legal_basis"]),
        question(page, QuestionType.YES_NO, "yes-no", required="y"),
        question(page, QuestionType.SHORT_TEXT, "short", max_length="300"),
        question(page, QuestionType.LONG_TEXT, "long", max_length=""),
        question(page, QuestionType.NUMBER, "number", min_value="0", max_value="12,5"),
    ]
    assert [response.status_code for response in sent] == [302] * len(sent)
    doc = document(app)
    found = {q.key: q for q in doc.questions()}
    assert [q.type for q in doc.questions()] == [
        QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SCALE, QuestionType.RANKING,
        QuestionType.RANKING, QuestionType.MATRIX, QuestionType.YES_NO,
        QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT, QuestionType.NUMBER,
    ]  # fmt: skip
    assert [c.key for c in found["multiple"].choices] == ["x", "y", "z"]
    assert found["single"].choices[1].label == {"en": "B", "fr": "B (fr)"}
    assert (found["rank"].rank_source, found["rank"].choices) == ("options", [])
    assert [c.key for c in found["rank-own"].choices] == ["p", "q"]
    assert found["matrix"].rows == ["resources", "legal_basis"]
    assert found["yes-no"].required and not found["single"].required
    assert found["short"].max_length == 300
    assert found["long"].max_length == schema.TEXT_LIMITS[QuestionType.LONG_TEXT][0]
    assert (found["number"].min_value, found["number"].max_value) == (0, 12.5)
    assert found["single"].text == {"en": "Question single?", "fr": "Question single ?"}

    page.get(OVERVIEW)
    assert "Q10" in page.text and "Yes / no / don't know" in page.text
    assert "Required" in page.text and "All channels" in page.text


def test_matrix_rows_follow_the_opcat_order(app: Flask, page: Page, draft: None) -> None:
    section(page)
    sent = question(page, QuestionType.MATRIX, "m", rows=["legal_basis", "resources"])
    assert sent.status_code == 302
    [matrix] = document(app).questions()
    assert matrix.rows == ["resources", "legal_basis"]  # article 18(3) before the SPT guidelines


def test_type_rules_come_back_as_field_errors(app: Flask, page: Page, draft: None) -> None:
    section(page)
    response = question(
        page, QuestionType.SHORT_TEXT, "s", max_length="99999", channels=[], **{"text-en": ""}
    )
    assert response.status_code == 400
    assert "Enter a whole number from 1 to 500." in page.text
    assert "Choose at least one channel." in page.text
    assert "Question – English: This field is required." in page.text
    response = question(page, QuestionType.NUMBER, "n", min_value="ten")
    assert response.status_code == 400 and "Enter a number, such as 12 or 3.5." in page.text
    # A rule of the whole document comes back at the top of the form, with the rest kept.
    response = question(page, QuestionType.SINGLE, "single", **answers("only"))
    assert response.status_code == 400 and "Give at least two choices." in page.text
    assert 'value="Only"' in response.get_data(as_text=True)
    assert list(document(app).questions()) == []


def test_more_answer_rows_without_javascript(app: Flask, page: Page, draft: None) -> None:
    section(page)
    response = question(page, QuestionType.SINGLE, "q1", add_rows="1", **answers("a", "b", "c"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="choices-5-key"' in html and 'value="C (fr)"' in html
    assert "Please correct the following" not in page.text
    assert list(document(app).questions()) == []
    # Blank rows are ignored; a key left empty is made from the label.
    more = {"choices-3-labels-en": "Don't know", "choices-3-labels-fr": "Ne sait pas"}
    assert question(page, QuestionType.SINGLE, "q1", **answers("a", "b"), **more).status_code == 302
    [saved] = document(app).questions()
    assert [c.key for c in saved.choices] == ["a", "b", "don-t-know"]


def test_questions_move_within_their_section_and_between_sections(
    app: Flask, page: Page, draft: None
) -> None:
    section(page, "s1")
    section(page, "s2")
    for key in ("q1", "q2", "q3"):
        question(page, QuestionType.YES_NO, key)
    assert send(page, f"{BASE}/questions/q3/move", {"direction": "up"}) == 302
    assert page.response and page.response.headers["Location"].endswith("#question-q3")
    assert [q.key for q in document(app).questions()] == ["q1", "q3", "q2"]
    assert send(page, f"{BASE}/sections/s2/move", {"direction": "up"}) == 302
    assert [s.key for s in document(app).sections] == ["s2", "s1"]
    assert send(page, f"{BASE}/questions/q1/move", {"direction": "sideways"}) == 400
    # The section select moves a question to the end of another section.
    values = form_values(page, f"{BASE}/questions/q1/edit")
    assert send(page, f"{BASE}/questions/q1/edit", {**values, "section": "s2"}) == 302
    assert [[q.key for q in s.questions] for s in document(app).sections] == [["q1"], ["q3", "q2"]]
    page.get(OVERVIEW)
    assert page.text.index("Move down") < page.text.index("Add a section")


def test_delete_asks_first_and_refuses_to_break_a_condition(
    app: Flask, page: Page, draft: None
) -> None:
    section(page)
    question(page, QuestionType.YES_NO, "q1")
    cond = {"condition_question": "q1", "condition_op": "equals", "condition_value": "q1|yes"}
    assert question(page, QuestionType.SHORT_TEXT, "q2", **cond).status_code == 302
    page.get(f"{BASE}/questions/q1/delete")
    assert "Delete this question?" in page.text and "Q2" in page.text
    assert "Change their display condition first." in page.text
    assert send(page, f"{BASE}/questions/q1/delete", {}) == 409
    assert "Another question depends on this one." in page.text
    assert [q.key for q in document(app).questions()] == ["q1", "q2"]

    assert send(page, f"{BASE}/questions/q2/delete", {}) == 302
    assert send(page, f"{BASE}/questions/q1/delete", {}) == 302
    question(page, QuestionType.YES_NO, "q3")
    page.get(f"{BASE}/sections/s1/delete")
    assert "Its 1 question will be deleted too." in page.text
    assert send(page, f"{BASE}/sections/s1/delete", {}) == 302
    assert document(app).sections == []
    assert page.get(f"{BASE}/questions/q3/delete").status_code == 404


def test_conditions_offer_earlier_questions_only(app: Flask, page: Page, draft: None) -> None:
    section(page)
    question(page, QuestionType.YES_NO, "q1")
    question(page, QuestionType.SINGLE, "q2", **answers("a", "b"))
    question(page, QuestionType.NUMBER, "q3")
    first = page.get(f"{BASE}/questions/q1/edit").get_data(as_text=True)
    assert "No question comes before this one" in page.text
    assert 'name="condition_question"' not in first
    html = page.get(f"{BASE}/questions/q3/edit").get_data(as_text=True)
    assert '<option value="q1">Q1: Question q1?</option>' in html
    assert '<option value="q2">' in html and '<option value="q3">' not in html
    assert '<optgroup label="Q2: Question q2?">' in html
    assert '<option value="q2|b">Q2: B</option>' in html and "Q1: Yes" in page.text

    later = {"condition_question": "q3", "condition_op": "answered"}
    values = form_values(page, f"{BASE}/questions/q2/edit")
    assert send(page, f"{BASE}/questions/q2/edit", {**values, **later}) == 400
    assert "A condition can only depend on an earlier question." in page.text
    mismatch = {"condition_question": "q2", "condition_op": "equals", "condition_value": "q1|yes"}
    values = form_values(page, f"{BASE}/questions/q3/edit")
    assert send(page, f"{BASE}/questions/q3/edit", {**values, **mismatch}) == 400
    assert "Choose an answer of the question the condition depends on." in page.text
    fine = {"condition_question": "q1", "condition_op": "not_equals", "condition_value": "q1|no"}
    assert send(page, f"{BASE}/questions/q3/edit", {**values, **fine}) == 302
    page.get(OVERVIEW)
    assert "Shown if Q1 is not No" in page.text


def test_the_profile_form(app: Flask, page: Page, draft: None) -> None:
    values = form_values(page, f"{BASE}/profile")
    assert len(values["categories"]) == 15 and values["jurisdiction"] == ["none"]
    data = {
        **values,
        "categories": ["parliament", "deprived_of_liberty"],
        "custom_categories-0-key": "bar",
        "custom_categories-0-labels-en": "Bar association",
        "custom_categories-0-labels-fr": "Barreau",
        "jurisdiction": "custom",
        "custom_jurisdictions-0-labels-en": "North",
        "custom_jurisdictions-0-labels-fr": "Nord",
        "ask_place": "y",
    }
    assert send(page, f"{BASE}/profile", data) == 400
    assert "List at least two jurisdictions." in page.text
    assert send(page, f"{BASE}/profile", {**data, "add_rows": "1"}) == 200
    assert 'name="custom_jurisdictions-4-key"' in html(page)
    data |= {"custom_jurisdictions-1-labels-en": "South", "custom_jurisdictions-1-labels-fr": "Sud"}
    assert send(page, f"{BASE}/profile", data) == 302
    profile = document(app).profile
    assert profile.categories == ["parliament", "deprived_of_liberty"]
    assert [c.key for c in profile.custom_categories] == ["bar"]
    assert profile.jurisdiction is JurisdictionMode.CUSTOM and profile.ask_place
    assert [c.key for c in profile.custom_jurisdictions] == ["north", "south"]
    page.get(f"{BASE}/profile")
    assert "ISO 3166-2 lists 26 subdivisions for France." in page.text
    assert send(page, f"{BASE}/profile", {**data, "jurisdiction": "subdivisions"}) == 302
    assert document(app).profile.jurisdiction is JurisdictionMode.SUBDIVISIONS


# Translations ------------------------------------------------------------------------------


def test_changing_the_main_text_marks_translations_for_review(
    app: Flask, page: Page, draft: None
) -> None:
    section(page)
    question(page, QuestionType.YES_NO, "q1")
    assert stored(app).text_states()["fr"].stale == []
    values = form_values(page, f"{BASE}/questions/q1/edit")
    assert values["text-fr"] == ["Question q1 ?"]
    assert send(page, f"{BASE}/questions/q1/edit", {**values, "text-en": "Question one?"}) == 302

    page.get(OVERVIEW)
    assert "Needs review:\nQ1: question" in page.text
    assert stored(app).text_states()["fr"].stale == ["question.q1.text"]
    page.get(f"{BASE}/questions/q1/edit")
    assert "Needs review:" in page.text and "the text in English changed" in page.text
    assert "Question one?" in page.text and "The translation is still accurate" in page.text

    # Saved again without the box ticked, it stays stale; ticked, it is current again.
    values = form_values(page, f"{BASE}/questions/q1/edit")
    assert send(page, f"{BASE}/questions/q1/edit", values) == 302
    assert stored(app).text_states()["fr"].stale == ["question.q1.text"]
    reviewed = {**values, "reviewed": ["question.q1.text|fr"]}
    assert send(page, f"{BASE}/questions/q1/edit", reviewed) == 302
    assert stored(app).text_states()["fr"].stale == []
    page.get(OVERVIEW)
    assert "Needs review:" not in page.text


def test_a_stale_answer_label_is_reviewed_in_its_row(app: Flask, page: Page, draft: None) -> None:
    section(page)
    question(page, QuestionType.SINGLE, "q1", **answers("a", "b"))
    values = form_values(page, f"{BASE}/questions/q1/edit")
    assert send(page, f"{BASE}/questions/q1/edit", {**values, "choices-0-labels-en": "Aa"}) == 302
    page.get(OVERVIEW)
    assert "Needs review:\nQ1, answer “a”: label" in page.text
    values = form_values(page, f"{BASE}/questions/q1/edit")
    assert 'value="question.q1.choice.a.label|fr"' in html(page)
    values["reviewed"] = ["question.q1.choice.a.label|fr"]
    values["text-en"] = [""]  # an error: the ticked box is kept when the form comes back
    assert send(page, f"{BASE}/questions/q1/edit", values) == 400
    assert 'value="question.q1.choice.a.label|fr" checked' in html(page)
    values["text-en"] = ["Question q1?"]
    assert send(page, f"{BASE}/questions/q1/edit", values) == 302
    assert stored(app).text_states()["fr"].stale == []


def test_a_new_translation_of_a_changed_text_is_current(
    app: Flask, page: Page, draft: None
) -> None:
    section(page)
    values = form_values(page, f"{BASE}/sections/s1/edit")
    changed = {**values, "title-en": "First part", "title-fr": "Première partie"}
    assert send(page, f"{BASE}/sections/s1/edit", changed) == 302
    assert stored(app).text_states()["fr"].stale == []


def test_missing_translations_are_listed_with_links(app: Flask, page: Page, draft: None) -> None:
    section(page)
    question(page, QuestionType.SINGLE, "q1", **(answers("a", "b") | {"choices-1-labels-fr": ""}))
    html = page.get(OVERVIEW).get_data(as_text=True)
    assert "Missing:\nQ1, answer “b”: label" in page.text
    assert f'href="{BASE}/questions/q1/edit"' in html
    assert 'href="/en/c/npm-2027/preview?content=fr"' in html


# After opening -----------------------------------------------------------------------------


@pytest.fixture
def opened(make: Factory, login_as: Callable[..., Member]) -> None:
    """npm-2027 opened with the sample questionnaire (English and French)."""
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    login_as(Role.ORGANISER)


def test_after_opening_texts_can_be_corrected_but_not_the_structure(
    app: Flask, page: Page, opened: None
) -> None:
    version = stored(app).version
    html = page.get(f"{BASE}/questions/model/edit").get_data(as_text=True)
    assert "questions and choices are fixed" in page.text
    assert re.search(r'<input [^>]*disabled id="key"[^>]*value="model"', html)
    assert '<fieldset id="channels" disabled>' in html
    assert "Add more answers" not in page.text
    values = form_values(page, f"{BASE}/questions/model/edit")
    assert "key" not in values and "channels" not in values and "required" not in values
    values |= {"text-fr": "Modèle préféré", "choices-0-labels-en": "Choice A, corrected"}
    # Structural fields sent anyway are ignored.
    values |= {"key": "renamed", "channels": ["open"], "choices-9-key": "extra"}
    assert send(page, f"{BASE}/questions/model/edit", values) == 302
    after = stored(app)
    model = after.document().question("model")
    assert model is not None and model.text["fr"] == "Modèle préféré"
    assert model.choices[0].label["en"] == "Choice A, corrected"
    assert [c.key for c in model.choices] == ["a", "b", "c"] and model.required
    assert after.version == version == schema.version(after.document())

    for url in ("options/ombuds/edit", "sections/s1/edit", "profile"):
        values = form_values(page, f"{BASE}/{url}")
        assert send(page, f"{BASE}/{url}", values) == 302, (url, page.text)
    assert stored(app).version == version
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("questionnaire.text_corrected") == 4


def test_after_opening_moves_deletions_imports_and_new_items_are_refused(
    app: Flask, page: Page, opened: None
) -> None:
    before = stored(app).questionnaire
    page.get(OVERVIEW)
    assert "Move up" not in page.text and "Delete" not in page.text
    assert "Import" not in page.text.replace("Import and export", "")
    assert "Correct the texts" in page.text
    fixed = "This consultation has opened: its questions and choices are fixed."
    for url, data in (
        ("questions/why/move", {"direction": "up"}),
        ("questions/model/move", {"direction": "up"}),  # already first: still refused
        ("sections/s2/delete", {}),
    ):
        assert send(page, f"{BASE}/{url}", data) == 409, url
        assert fixed in page.text
    again = {"text": json.dumps(schema.to_dict(sample_questionnaire(("en", "fr"))))}
    assert send(page, f"{BASE}/import", again) == 409
    assert "can only be imported into a draft consultation" in page.text
    for url in ("options/new", "sections/new", "sections/s1/questions/new?type=yes_no"):
        assert page.get(f"{BASE}/{url}").status_code == 409, url
    assert stored(app).questionnaire == before


# Import and export -------------------------------------------------------------------------


def test_export_then_import_into_another_draft(
    app: Flask, page: Page, make: Factory, login_as: Callable[..., Member]
) -> None:
    make.consultation(
        "acme", "npm-2027", ("en", "fr"), questionnaire=sample_questionnaire(("en", "fr"))
    )
    make.consultation("acme", "other-2028", ("en", "fr"))
    login_as(Role.ORGANISER)
    response = page.get(f"{BASE}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition == "attachment; filename=npm-2027-questionnaire.json"
    exported = response.get_data()

    other = "/admin/acme/consultations/other-2028/questionnaire"
    upload = {"file": (io.BytesIO(exported), "npm-2027-questionnaire.json")}
    assert page.post(f"{other}/import", upload, form_page=f"{other}/").status_code == 302
    original, copy = document(app), document(app, "other-2028")
    assert schema.version(copy) == schema.version(original)
    assert copy.question("model") == original.question("model")
    # Imported translations count as current, and the consultation's own texts stay current.
    assert all(not state.stale for state in stored(app, "other-2028").text_states().values())

    pasted = {"text": exported.decode()}
    assert page.post(f"{other}/import", pasted, form_page=f"{other}/").status_code == 302


def test_a_bad_import_says_what_is_wrong_and_changes_nothing(
    app: Flask, page: Page, draft: None
) -> None:
    section(page)
    before = stored(app).questionnaire
    assert send(page, f"{BASE}/import", {"text": "{not json"}) == 400
    assert "The questionnaire could not be imported" in page.text
    assert "The file is not valid JSON." in page.text and "Nothing was changed." in page.text
    assert "{not json" in html(page)
    broken = {"sections": [{"key": "s1", "questions": [{"key": "q1", "type": "essay"}]}]}
    assert send(page, f"{BASE}/import", {"text": json.dumps(broken)}) == 400
    assert "Unknown question type. (at sections[0].questions[0].type)" in page.text
    assert send(page, f"{BASE}/import", {"text": "  "}) == 400
    assert "Choose a file or paste the JSON." in page.text
    latin1 = {"file": (io.BytesIO('{"x": "é"}'.encode("latin-1")), "q.json")}
    assert send(page, f"{BASE}/import", latin1) == 400
    assert "The file must be JSON text in UTF-8." in page.text
    assert stored(app).questionnaire == before


# Who may do what ---------------------------------------------------------------------------


def test_analysts_see_the_questionnaire_but_cannot_change_it(
    app: Flask, page: Page, make: Factory, login_as: Callable[..., Member]
) -> None:
    make.consultation(
        "acme", "npm-2027", ("en", "fr"), questionnaire=sample_questionnaire(("en", "fr"))
    )
    login_as(Role.ANALYST)
    assert page.get(OVERVIEW).status_code == 200
    assert "Q1" in page.text and "Shown if Q1 is" in page.text
    for hidden in ("Edit", "Move up", "Add a section", "Correct the texts"):
        assert hidden not in page.text
    assert page.get(f"{BASE}/export.json").status_code == 200
    assert page.get(f"{BASE}/questions/model/edit").status_code == 403
    assert page.get(f"{BASE}/options/new").status_code == 403
    assert send(page, f"{BASE}/questions/model/move", {"direction": "down"}) == 403
    assert send(page, f"{BASE}/import", {"text": "{}"}) == 403


def test_unknown_items_are_not_found(page: Page, draft: None) -> None:
    for url in ("options/nope/edit", "sections/nope/edit", "questions/nope/edit",
                "sections/nope/questions/new", "sections/nope/questions/new?type=yes_no",
                "options/nope/delete"):  # fmt: skip
        assert page.get(f"{BASE}/{url}").status_code == 404, url
