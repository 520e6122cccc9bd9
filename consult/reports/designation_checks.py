"""Checking what a publisher typed for the designation record, field by field.

Every key must be one of the OPCAT vocabulary (:mod:`consult.opcat.vocabulary`) or of the
consultation's own NPM options; dates fall between the adoption of OPCAT and today in the
consultation's time zone; links are web addresses. Problems are collected for every field, so
the form shows them all at once beside what was typed (:class:`InvalidDesignation`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.forms import REQUIRED, too_long
from consult.i18n.content import zone
from consult.i18n.numbers import lazy_number
from consult.opcat.vocabulary import GUARANTEES, LEGAL_BASES, NPM_MODELS, PLACES, STAGES
from consult.questionnaires.answers import clean_text
from consult.reports.designation_models import (
    LINK_MAX,
    REFERENCE_MAX,
    DesignationGuarantee,
    DesignationRevision,
    DesignationStage,
    GuaranteeStatus,
)
from consult.reports.services import InvalidReport, check_texts

#: OPCAT was adopted on this day: nothing about an NPM happened before it.
OPCAT_ADOPTED = date(2002, 12, 18)
BODIES_MAX = 20
#: Longest note of a revision, and longest recommendation or update note, per language.
NOTE_MAX = 5000
TEXT_MAX = 2000
Errors = dict[str, list[object]]

CHOOSE = _l("Choose one of the options offered.")
CHOOSE_OPTION = _l(
    "Choose the option of the consultation the designation corresponds to, or "
    "“Outside the options consulted”."
)
DESCRIBE_OTHER = _l("Describe the arrangement: its model is “Other arrangement”.")
NO_TEXT_WITHOUT_BASIS = _l(
    "With no legal basis there is no founding text: change the legal basis, or leave this empty."
)
ARTICLE_ONLY_IN_LAW = _l("Give an article only for a guarantee that the founding text contains.")
BAD_LINK = _l("Enter a web address that starts with https:// or http://.")


class InvalidDesignation(InvalidReport):
    """Field-by-field problems with what was typed: ``errors[field] = [messages]``."""


@dataclass(frozen=True)
class DesignationEntry:
    """What a publisher typed for a revision, before it is checked."""

    designated_on: date | None
    legal_basis: str
    model: str
    #: The questionnaire option it corresponds to; ``None``: outside the options consulted,
    #: ``""``: not chosen yet.
    option_key: str | None
    bodies: Sequence[str] = ()
    instrument_reference: str = ""
    instrument_link: str = ""
    model_description: Mapping[str, str] = field(default_factory=dict)
    places: Sequence[str] = ()
    #: ``{guarantee key: (status, article)}``; a guarantee left out is ``unknown``.
    guarantees: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: ``{stage key: date reached or None}``.
    stages: Mapping[str, date | None] = field(default_factory=dict)
    note: Mapping[str, str] = field(default_factory=dict)


class CheckedEntry:
    """``entry`` checked field by field: the cleaned values, and ``errors`` by field name."""

    def __init__(self, consultation: Consultation, entry: DesignationEntry) -> None:
        self.consultation = consultation
        self.entry = entry
        self.today = today_in(consultation)
        self.errors: Errors = {}
        self.designated_on = self._date("designated_on", entry.designated_on, required=True)
        self.legal_basis = self._key("legal_basis", entry.legal_basis, LEGAL_BASES.keys())
        self.reference, self.link = self._instrument()
        self.bodies = self._bodies()
        self.model = self._key("model", entry.model, NPM_MODELS.keys())
        self.option_key = self._option()
        self.places = self._places()
        self.guarantees = self._guarantees()
        self.stages = self._stages()
        texts = self._texts(
            note=(entry.note, NOTE_MAX), model_description=(entry.model_description, TEXT_MAX)
        )
        self.note, self.description = texts.get("note", {}), texts.get("model_description", {})
        if self.model == "other" and not self.description.get(consultation.default_locale):
            self._error(f"model_description_{consultation.default_locale}", DESCRIBE_OTHER)

    def _error(self, name: str, message: object) -> None:
        self.errors.setdefault(name, []).append(message)

    def _key(self, name: str, value: str, keys: Iterable[str]) -> str:
        if not value:
            self._error(name, REQUIRED)
        elif value not in keys:
            self._error(name, CHOOSE)
        return value

    def _date(self, name: str, value: date | None, *, required: bool = False) -> date | None:
        if value is None:
            if required:
                self._error(name, REQUIRED)
        elif not OPCAT_ADOPTED <= value <= self.today:
            self._error(name, date_range_message(self.today))
        return value

    def _instrument(self) -> tuple[str, str]:
        reference = clean_text(self.entry.instrument_reference)
        link = clean_text(self.entry.instrument_link)
        if self.entry.legal_basis == "none":
            for name, value in (("instrument_reference", reference), ("instrument_link", link)):
                if value:
                    self._error(name, NO_TEXT_WITHOUT_BASIS)
            return reference, link
        if not reference:
            self._error("instrument_reference", REQUIRED)
        elif len(reference) > REFERENCE_MAX:
            self._error("instrument_reference", too_long(REFERENCE_MAX))
        if link and (len(link) > LINK_MAX or web_address(link) is None):
            self._error("instrument_link", BAD_LINK)
        return reference, web_address(link) or link

    def _bodies(self) -> list[str]:
        bodies = [clean_text(name) for name in self.entry.bodies]
        bodies = [name for name in bodies if name]
        folded = [name.casefold() for name in bodies]
        if not bodies:
            self._error("bodies", REQUIRED)
        elif len(bodies) > BODIES_MAX:
            self._error("bodies", _l("Name at most %(max)s bodies.", max=lazy_number(BODIES_MAX)))
        elif any(len(name) > REFERENCE_MAX for name in bodies):
            self._error("bodies", too_long(REFERENCE_MAX))
        elif len(set(folded)) != len(folded):
            self._error("bodies", _l("Name each body once."))
        return bodies

    def _option(self) -> str | None:
        key = self.entry.option_key
        if key == "":
            self._error("option", CHOOSE_OPTION)
        elif key is not None and key not in {o.key for o in self.consultation.document().options}:
            self._error("option", CHOOSE)
        return key

    def _places(self) -> list[str]:
        chosen = set(self.entry.places)
        if not chosen:
            self._error("places", _l("Tick at least one kind of place the mandate covers."))
        elif not chosen <= set(PLACES.keys()):
            self._error("places", CHOOSE)
        return [term.key for term in PLACES if term.key in chosen]

    def _stages(self) -> dict[str, date | None]:
        if not set(self.entry.stages) <= set(STAGES.keys()):
            self._error("stages", CHOOSE)
        stages = self.entry.stages
        return {t.key: self._date(f"stage_{t.key}", stages.get(t.key)) for t in STAGES}

    def _guarantees(self) -> dict[str, tuple[GuaranteeStatus, str]]:
        if not set(self.entry.guarantees) <= set(GUARANTEES.keys()):
            self._error("guarantees", CHOOSE)
        return {term.key: self._guarantee(term.key) for term in GUARANTEES}

    def _guarantee(self, key: str) -> tuple[GuaranteeStatus, str]:
        status, article = self.entry.guarantees.get(key, (GuaranteeStatus.UNKNOWN, ""))
        article = clean_text(article)
        if status not in set(GuaranteeStatus):
            self._error(f"guarantee_{key}", CHOOSE)
            return GuaranteeStatus.UNKNOWN, article
        in_law = status == GuaranteeStatus.IN_LAW
        if in_law and self.entry.legal_basis == "none":
            self._error(f"guarantee_{key}", NO_TEXT_WITHOUT_BASIS)
        if in_law and not article:
            self._error(f"article_{key}", _l("Give the article of the founding text."))
        elif article and not in_law:
            self._error(f"article_{key}", ARTICLE_ONLY_IN_LAW)
        elif len(article) > REFERENCE_MAX:
            self._error(f"article_{key}", too_long(REFERENCE_MAX))
        return GuaranteeStatus(status), article

    def _texts(self, **fields: tuple[Mapping[str, str], int]) -> dict[str, dict[str, str]]:
        cleaned: dict[str, dict[str, str]] = {}
        for name, (texts, limit) in fields.items():
            try:
                cleaned.update(check_texts(self.consultation, {name: texts}, limit))
            except InvalidReport as error:
                for field_name, messages in error.errors.items():
                    self.errors.setdefault(field_name, []).extend(messages)
        return cleaned

    def revision(self, number: int, actor: User) -> DesignationRevision:
        """The new revision row, with its guarantees and stages (call only without errors)."""
        assert self.designated_on is not None
        return DesignationRevision(
            consultation_id=self.consultation.id,
            revision=number,
            designated_on=self.designated_on,
            legal_basis=self.legal_basis,
            instrument_reference=self.reference,
            instrument_link=self.link,
            bodies=self.bodies,
            model=self.model,
            model_description=self.description,
            option_key=self.option_key,
            places=self.places,
            note=self.note,
            recorded_at=utcnow(),
            recorded_by_id=actor.id,
            guarantees=[
                DesignationGuarantee(guarantee=key, status=status, article=article)
                for key, (status, article) in self.guarantees.items()
            ],
            stages=[
                DesignationStage(stage=key, reached_on=reached)
                for key, reached in self.stages.items()
                if reached is not None
            ],
        )


def today_in(consultation: Consultation) -> date:
    """Today's date in the consultation's time zone (dates are typed there)."""
    return utcnow().astimezone(zone(consultation.timezone)).date()


def date_range_message(today: date) -> object:
    return _l(
        "Enter a date between %(first)s (adoption of OPCAT) and today, %(today)s.",
        first=OPCAT_ADOPTED.isoformat(),
        today=today.isoformat(),
    )


def web_address(text: str) -> str | None:
    """``text`` as an http or https address with a host (scheme in lowercase), else ``None``."""
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme + text[len(parts.scheme) :]
