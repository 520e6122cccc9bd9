"""Editing a consultation's questionnaire: options, profile, sections and questions.

Every change goes through :func:`save`, which checks the whole document, keeps track of which
translations a change of the default text has made stale, refuses any change of structure once
the consultation has opened (only texts may be corrected then, and each correction is
audited), and records the change in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import flag_modified

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Status
from consult.errors import Conflict, NotFound, ValidationFailed
from consult.questionnaires import schema
from consult.questionnaires.schema import (
    Option,
    Profile,
    Question,
    Questionnaire,
    SchemaError,
    Section,
)

Reviewed = Mapping[str, Collection[str]]
STRUCTURE_FIXED = _l(
    "This consultation has opened: its questions and choices are fixed. "
    "Only texts can still be corrected."
)


class InvalidQuestionnaire(ValidationFailed):
    """The change would break a rule of the questionnaire; ``path`` says where."""

    def __init__(self, error: SchemaError) -> None:
        super().__init__(error.message)
        self.path = error.path


def document(consultation: Consultation) -> Questionnaire:
    """The consultation's questionnaire (an empty one for a new consultation)."""
    if not consultation.questionnaire:
        return Questionnaire()
    return schema.from_dict(consultation.questionnaire)


def structure_editable(consultation: Consultation) -> bool:
    return consultation.status is Status.DRAFT


def save(
    consultation: Consultation,
    new: Questionnaire,
    actor: User,
    action: str,
    *,
    reviewed: Reviewed | None = None,
    subject: str = "",
) -> None:
    """Check and store ``new``; refuse structural changes after opening (flushed)."""
    try:
        schema.check(new)
        schema.check_text_budget(new)
    except SchemaError as error:
        raise InvalidQuestionnaire(error) from None
    frozen = not structure_editable(consultation)
    if frozen and schema.version(new) != consultation.version:
        raise Conflict(STRUCTURE_FIXED)
    old = document(consultation)
    schema.update_sources(
        schema.text_slots(old),
        schema.text_slots(new),
        new.sources,
        consultation.default_locale,
        reviewed or {},
    )
    _forget_removed_paths(new)
    consultation.questionnaire = schema.to_dict(new)
    flag_modified(consultation, "questionnaire")
    record(
        f"questionnaire.{'text_corrected' if frozen else action}",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={"change": action, "item": subject} if subject else {"change": action},
    )


def _forget_removed_paths(new: Questionnaire) -> None:
    live = {slot.path for slot in schema.text_slots(new)}
    for path in [p for p in new.sources if p not in live and not p.startswith("consultation.")]:
        del new.sources[path]


def new_key(existing: Iterable[str], prefix: str) -> str:
    """The first free key ``prefix1``, ``prefix2``, …"""
    taken = set(existing)
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def slug_key(text: str, existing: Iterable[str], prefix: str) -> str:
    """A readable key from ``text`` (``Don't know`` → ``don-t-know``), else ``prefix<n>``."""
    taken = set(existing)
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:36]
    if base and schema.KEY.match(base) and base not in taken:
        return base
    return new_key(taken, prefix)


# NPM options ------------------------------------------------------------------------------


def put_option(
    consultation: Consultation,
    actor: User,
    option: Option,
    original_key: str | None = None,
    reviewed: Reviewed | None = None,
) -> Option:
    """Add ``option`` (``original_key`` None) or replace the option ``original_key``."""
    new = document(consultation)
    if not option.key:
        option = replace(option, key=new_key((o.key for o in new.options), "option"))
    _replace_or_append(new.options, option, original_key)
    save(consultation, new, actor, "option_saved", reviewed=reviewed, subject=option.key)
    return option


# Profile -----------------------------------------------------------------------------------


def put_profile(
    consultation: Consultation, actor: User, profile: Profile, reviewed: Reviewed | None = None
) -> None:
    new = document(consultation)
    new.profile = profile
    save(consultation, new, actor, "profile_saved", reviewed=reviewed)


# Sections and questions --------------------------------------------------------------------


def put_section(
    consultation: Consultation,
    actor: User,
    section: Section,
    original_key: str | None = None,
    reviewed: Reviewed | None = None,
) -> Section:
    new = document(consultation)
    if not section.key:
        section = replace(section, key=new_key((s.key for s in new.sections), "section"))
    if original_key is not None:
        current = new.section(original_key)
        if current is None:
            raise NotFound()
        section = replace(section, questions=current.questions)
    _replace_or_append(new.sections, section, original_key)
    save(consultation, new, actor, "section_saved", reviewed=reviewed, subject=section.key)
    return section


def put_question(
    consultation: Consultation,
    actor: User,
    section_key: str,
    question: Question,
    original_key: str | None = None,
    reviewed: Reviewed | None = None,
) -> Question:
    """Add a question at the end of a section, or replace one (possibly moving sections)."""
    new = document(consultation)
    target = new.section(section_key)
    if target is None:
        raise NotFound()
    if not question.key:
        question = replace(question, key=new_key((q.key for q in new.questions()), "q"))
    if original_key is not None:
        home = new.section_of(original_key)
        if home is None:
            raise NotFound()
        if home is target:
            _replace_or_append(target.questions, question, original_key)
        else:
            home.questions = [q for q in home.questions if q.key != original_key]
            target.questions.append(question)
        _rename_conditions(new, original_key, question.key)
    else:
        target.questions.append(question)
    save(consultation, new, actor, "question_saved", reviewed=reviewed, subject=question.key)
    return question


def _rename_conditions(document: Questionnaire, old: str, new_key_: str) -> None:
    if old == new_key_:
        return
    for question in document.questions():
        if question.condition is not None and question.condition.question == old:
            question.condition.question = new_key_


KINDS = ("option", "section", "question")


def remove(consultation: Consultation, actor: User, kind: str, key: str) -> None:
    """Delete an option, a section (with its questions) or a question; draft only."""
    new = document(consultation)
    if kind == "option":
        new.options = _without(new.options, key)
    elif kind == "section":
        new.sections = _without(new.sections, key)
    elif kind == "question":
        home = new.section_of(key)
        if home is None:
            raise NotFound()
        home.questions = _without(home.questions, key)
    else:
        raise NotFound()
    _refuse_dangling_conditions(new)
    save(consultation, new, actor, f"{kind}_removed", subject=key)


def move(consultation: Consultation, actor: User, kind: str, key: str, delta: int) -> None:
    """Move an option, section or question one place up (``-1``) or down (``+1``); draft only."""
    if not structure_editable(consultation):
        # Checked here: moving the first item up changes no version that save() would notice.
        raise Conflict(STRUCTURE_FIXED)
    new = document(consultation)
    if kind == "option":
        items: list[Any] = new.options
    elif kind == "section":
        items = new.sections
    elif kind == "question":
        home = new.section_of(key)
        if home is None:
            raise NotFound()
        items = home.questions
    else:
        raise NotFound()
    index = next((i for i, item in enumerate(items) if item.key == key), None)
    if index is None:
        raise NotFound()
    target = index + (1 if delta > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    save(consultation, new, actor, f"{kind}_moved", subject=key)


def _refuse_dangling_conditions(document: Questionnaire) -> None:
    keys = {q.key for q in document.questions()}
    for question in document.questions():
        if question.condition is not None and question.condition.question not in keys:
            raise Conflict(
                _l("Another question depends on this one. Change its display condition first.")
            )


def _without(items: list[Any], key: str) -> list[Any]:
    remaining = [item for item in items if item.key != key]
    if len(remaining) == len(items):
        raise NotFound()
    return remaining


def _replace_or_append(items: list[Any], item: Any, original_key: str | None) -> None:
    if original_key is None:
        items.append(item)
        return
    for index, existing in enumerate(items):
        if existing.key == original_key:
            items[index] = item
            return
    raise NotFound()


# Import and export -------------------------------------------------------------------------


def export_json(consultation: Consultation) -> str:
    return schema.to_json(document(consultation))


def import_json(consultation: Consultation, actor: User, text: str) -> None:
    """Replace the questionnaire of a draft with a JSON export (from here or elsewhere)."""
    if not structure_editable(consultation):
        raise Conflict(_l("A questionnaire can only be imported into a draft consultation."))
    try:
        new = schema.from_json(text)
    except SchemaError as error:
        raise InvalidQuestionnaire(error) from None
    # The consultation's own texts keep their review state; the imported ones count as current.
    own = document(consultation).sources
    new.sources = {path: marks for path, marks in own.items() if path.startswith("consultation.")}
    schema.record_all_sources(new, consultation.default_locale)
    consultation.questionnaire = {}
    save(consultation, new, actor, "imported")
