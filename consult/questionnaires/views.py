"""The questionnaire builder (``/admin/<org>/consultations/<slug>/questionnaire/…``).

Each page edits one item (an NPM option, the profile, a section or a question) through one
service of :mod:`consult.questionnaires.services`, which checks the whole document; the view
commits once. Once the consultation has opened the same forms correct texts only (see
:mod:`consult.questionnaires.forms`), and moving, deleting or importing is refused by the
services with a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.errors import Conflict, NotFound, ValidationFailed
from consult.extensions import db
from consult.i18n.numbers import format_number
from consult.opcat.vocabulary import NPM_MODELS
from consult.questionnaires import services
from consult.questionnaires.forms.common import Builder, ItemForm, Reviewed
from consult.questionnaires.forms.items import (
    ImportForm,
    option_form,
    profile_form,
    section_form,
)
from consult.questionnaires.forms.questions import question_form, question_type
from consult.questionnaires.schema import (
    CHANNEL_LABELS,
    QUESTION_TYPE_LABELS,
    ConditionOp,
    Question,
    Questionnaire,
)
from consult.respond import services as responses

bp = Blueprint("questionnaires", __name__, url_prefix="/admin")

BASE = "/<org>/consultations/<slug>/questionnaire"
GET_POST = ["GET", "POST"]
MOVES = {"up": -1, "down": 1}
FIELD_NAMES = {
    "title": _l("title"),
    "summary": _l("purpose"),
    "use_of_input": _l("how the answers will be used"),
    "description": _l("description"),
    "intro": _l("introduction"),
    "text": _l("question"),
    "help": _l("help text"),
    "easy": _l("easy-read wording"),
    "label": _l("label"),
}
CONDITION_WORDS = {
    ConditionOp.ANSWERED: _l("Shown if %(question)s is answered"),
    ConditionOp.EQUALS: _l("Shown if %(question)s is %(answer)s"),
    ConditionOp.NOT_EQUALS: _l("Shown if %(question)s is not %(answer)s"),
    ConditionOp.INCLUDES: _l("Shown if %(question)s includes %(answer)s"),
}


# Overview, export, import ------------------------------------------------------------------


@bp.get(f"{BASE}/")
@organiser_route(Permission.VIEW)
def overview(organisation: Organisation, membership: Membership, slug: str) -> tuple[str, int]:
    consultation = consultations.get(organisation, slug)
    return _overview(consultation, membership, ImportForm())


@bp.get(f"{BASE}/export.json")
@organiser_route(Permission.VIEW)
def export(organisation: Organisation, membership: Membership, slug: str) -> Response:
    consultation = consultations.get(organisation, slug)
    response = Response(services.export_json(consultation), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f"attachment; filename={consultation.slug}-questionnaire.json"
    )
    return response


@bp.post(f"{BASE}/import")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def import_(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    form = ImportForm()
    if not form.validate():
        return _overview(consultation, membership, form, status=400)
    try:
        services.import_json(consultation, membership.user, form.content)
    except services.InvalidQuestionnaire as error:
        db.session.rollback()
        message = error.message
        if error.path:
            message = _("%(message)s (at %(path)s)", message=message, path=error.path)
        return _overview(consultation, membership, form, message, 400)
    db.session.commit()
    flash(_("The questionnaire was imported."), "success")
    return redirect(_overview_url(consultation))


# Editing one item --------------------------------------------------------------------------


@bp.route(f"{BASE}/options/new", defaults={"key": None}, methods=GET_POST)
@bp.route(f"{BASE}/options/<key>/edit", methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def option(
    organisation: Organisation, membership: Membership, slug: str, key: str | None
) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    form = option_form(Builder.of(consultation), key)
    return _save(
        consultation,
        form,
        lambda item, reviewed: services.put_option(
            consultation, membership.user, item, key, reviewed
        ),
    )


@bp.route(f"{BASE}/profile", methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def profile(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    builder = Builder.of(consultation)
    form = profile_form(builder, len(responses.subdivisions(consultation.country, builder.ui)))
    return _save(
        consultation,
        form,
        lambda item, reviewed: services.put_profile(consultation, membership.user, item, reviewed),
    )


@bp.route(f"{BASE}/sections/new", defaults={"key": None}, methods=GET_POST)
@bp.route(f"{BASE}/sections/<key>/edit", methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def section(
    organisation: Organisation, membership: Membership, slug: str, key: str | None
) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    form = section_form(Builder.of(consultation), key)
    return _save(
        consultation,
        form,
        lambda item, reviewed: services.put_section(
            consultation, membership.user, item, key, reviewed
        ),
    )


@bp.route(f"{BASE}/sections/<section>/questions/new", defaults={"key": None}, methods=GET_POST)
@bp.route(f"{BASE}/questions/<key>/edit", defaults={"section": None}, methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def question(
    organisation: Organisation,
    membership: Membership,
    slug: str,
    section: str | None,
    key: str | None,
) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    builder = Builder.of(consultation)
    kind = question_type(request.args.get("type"))
    if key is None and kind is None:
        return _question_types(consultation, builder, section or "")
    form = question_form(builder, key, section, kind)
    return _save(
        consultation,
        form,
        lambda item, reviewed: services.put_question(
            consultation, membership.user, form.target_section(), item, key, reviewed
        ),
    )


# Moving and deleting -----------------------------------------------------------------------


@bp.post(f"{BASE}/options/<key>/move", defaults={"kind": "option"})
@bp.post(f"{BASE}/sections/<key>/move", defaults={"kind": "section"})
@bp.post(f"{BASE}/questions/<key>/move", defaults={"kind": "question"})
@organiser_route(Permission.EDIT_CONSULTATIONS)
def move(
    organisation: Organisation, membership: Membership, slug: str, kind: str, key: str
) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    delta = MOVES.get(request.form.get("direction", ""))
    if delta is None:
        raise ValidationFailed(_l("Choose whether to move up or down."))
    services.move(consultation, membership.user, kind, key, delta)
    db.session.commit()
    return redirect(_overview_url(consultation, f"{kind}-{key}"))


@bp.route(f"{BASE}/options/<key>/delete", defaults={"kind": "option"}, methods=GET_POST)
@bp.route(f"{BASE}/sections/<key>/delete", defaults={"kind": "section"}, methods=GET_POST)
@bp.route(f"{BASE}/questions/<key>/delete", defaults={"kind": "question"}, methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def delete(
    organisation: Organisation, membership: Membership, slug: str, kind: str, key: str
) -> ResponseReturnValue:
    consultation = consultations.get(organisation, slug)
    if request.method == "GET":
        return _delete_page(consultation, kind, key)
    try:
        services.remove(consultation, membership.user, kind, key)
    except Conflict as error:
        db.session.rollback()
        return _delete_page(consultation, kind, key, error.message, error.status)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(_overview_url(consultation))


# Rendering ---------------------------------------------------------------------------------


def _save(
    consultation: Consultation, form: ItemForm, put: Callable[[Any, Reviewed], object]
) -> ResponseReturnValue:
    """Save a sent, valid form with ``put``; else show it again with what went wrong."""
    if not form.ready():
        return _form_page(consultation, form, status=400 if form.problems() else 200)
    item = form.result()
    try:
        put(item, form.reviewed_paths())
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        return _form_page(consultation, form, error.message, error.status)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(_overview_url(consultation))


def _form_page(
    consultation: Consultation, form: ItemForm, problem: object = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        form.template,
        organisation=consultation.organisation,
        consultation=consultation,
        form=form,
        builder=form.builder,
        problem=problem,
    ), status


def _question_types(consultation: Consultation, builder: Builder, section: str) -> tuple[str, int]:
    builder.refuse_new_items()
    if builder.document.section(section) is None:
        raise NotFound()
    return render_template(
        "questionnaires/question_types.html",
        organisation=consultation.organisation,
        consultation=consultation,
        section=section,
        types=QUESTION_TYPE_LABELS,
    ), 200


def _delete_page(
    consultation: Consultation, kind: str, key: str, problem: object = None, status: int = 200
) -> tuple[str, int]:
    builder = Builder.of(consultation)
    document = builder.document
    item = {
        "option": document.option,
        "section": document.section,
        "question": document.question,
    }[kind](key)
    if item is None:
        raise NotFound()
    return render_template(
        "questionnaires/delete.html",
        organisation=consultation.organisation,
        consultation=consultation,
        builder=builder,
        kind=kind,
        item=item,
        numbers=builder.numbers,
        dependents=[
            _("Q%(number)s", number=format_number(builder.numbers[q.key]))
            for q in document.questions()
            if q.condition and q.condition.question == key
        ],
        problem=problem,
    ), status


def _overview(
    consultation: Consultation,
    membership: Membership,
    import_form: ImportForm,
    problem: object = None,
    status: int = 200,
) -> tuple[str, int]:
    builder = Builder.of(consultation)
    return render_template(
        "questionnaires/overview.html",
        organisation=consultation.organisation,
        membership=membership,
        consultation=consultation,
        builder=builder,
        document=builder.document,
        numbers=builder.numbers,
        states=builder.states,
        place=lambda path: _place(consultation, builder, path),
        condition_words=lambda q: _condition_words(builder, q),
        channel_labels=CHANNEL_LABELS,
        models=NPM_MODELS,
        editable=services.structure_editable(consultation),
        can_edit=membership.can(Permission.EDIT_CONSULTATIONS),
        import_form=import_form,
        problem=problem,
    ), status


def _overview_url(consultation: Consultation, anchor: str | None = None) -> str:
    return url_for(
        ".overview", org=consultation.organisation.slug, slug=consultation.slug, _anchor=anchor
    )


def _condition_words(builder: Builder, question: Question) -> str:
    """A question's display condition in words: "Shown if Q2 is Yes"."""
    condition = question.condition
    source = builder.document.question(condition.question) if condition else None
    if condition is None or source is None:
        return ""
    position = format_number(builder.numbers[source.key])
    answer = dict(builder.answer_labels(source)).get(condition.value, condition.value)
    reference = _("Q%(number)s", number=position)
    return str(CONDITION_WORDS[condition.op]) % {"question": reference, "answer": answer}


def _place(consultation: Consultation, builder: Builder, path: str) -> tuple[str, str]:
    """Where a text lives, in words, and the page that edits it: ``question.q2.help`` →
    ("Q2: help text", ".../questions/q2/edit")."""
    kind, key, *rest = path.split(".")
    what = str(FIELD_NAMES.get(rest[-1] if rest else key, rest[-1] if rest else key))
    org, slug = consultation.organisation.slug, consultation.slug
    if kind == "consultation":
        where = _("Consultation: %(field)s", field=what)
        return where, url_for("consultations.edit", org=org, slug=slug)
    if kind == "profile":
        return _profile_place(key, rest[0], what), url_for(".profile", org=org, slug=slug)
    endpoint = {"option": ".option", "section": ".section", "question": ".question"}[kind]
    return _item_place(builder, kind, key, rest, what), url_for(
        endpoint, org=org, slug=slug, key=key
    )


def _item_place(builder: Builder, kind: str, key: str, rest: list[str], what: str) -> str:
    document: Questionnaire = builder.document
    if kind == "option":
        option = document.option(key)
        name = builder.resolve(option.title) if option else key
        return _("Option “%(name)s”: %(field)s", name=name or key, field=what)
    if kind == "section":
        section = document.section(key)
        name = builder.resolve(section.title) if section else key
        return _("Section “%(name)s”: %(field)s", name=name or key, field=what)
    position = format_number(builder.numbers.get(key, 0))
    if rest[0] == "choice":
        return _(
            "Q%(number)s, answer “%(answer)s”: %(field)s",
            number=position,
            answer=rest[1],
            field=what,
        )
    return _("Q%(number)s: %(text)s", number=position, text=what)


def _profile_place(group: str, key: str, what: str) -> str:
    if group == "category":
        return _("Stakeholder category “%(key)s”: %(field)s", key=key, field=what)
    return _("Jurisdiction “%(key)s”: %(field)s", key=key, field=what)
