"""The observatory: every published consultation of the instance, side by side (DESIGN.md §7).

One entry per consultation whose report was ever made public: who took part, which option the
respondents preferred, what the State designated, how far that follows the consultation
(:mod:`consult.reports.comparison`), and which OPCAT guarantees its founding text leaves out.
The numbers are the report's published ones, so the observatory never shows more than the
report does: a hidden count stays hidden.

A **withdrawn** report stays listed, marked withdrawn, with its dates and none of its numbers,
nor the comparison built on them: its page says when and why it was withdrawn, and dropping
the line would silently rewrite the instance's history.

:func:`entry` computes one entry from what it is given (no query); :func:`rows` queries, names
every key in one language and filters, for the page and the API alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from consult.consultations.models import Consultation, Status
from consult.errors import ValidationFailed
from consult.extensions import db
from consult.i18n.content import country_name, resolve, zone
from consult.opcat.regions import REGIONS, region_choices, region_name, region_of
from consult.opcat.vocabulary import GUARANTEES, NPM_MODELS
from consult.reports.comparison import LEFT_OUT, Alignment, standings
from consult.reports.data import ReportData
from consult.reports.designation_models import DesignationRevision
from consult.reports.models import Report, ReportStatus
from consult.reports.services import PUBLIC, numbers

#: Stakeholder categories whose participation the observatory shows, in order, named as
#: groups (the vocabulary names one respondent).
PARTICIPATION: dict[str, LazyString] = {
    "deprived_of_liberty": _l("Persons deprived of liberty"),
    "parliament": _l("Parliament"),
    "government_subnational": _l("Sub-national authorities"),
    "judiciary": _l("Judges and prosecutors"),
}
#: Alignment of a consultation whose State has no designation on record yet.
NOT_RECORDED = "not_recorded"
#: Longest part of a refused filter value quoted back in the error message.
VALUE_SHOWN = 40

#: Each verdict in a few words, for a table cell and the filter (the report's comparison
#: section says it in sentences).
ALIGNMENT_LABELS: dict[str, LazyString] = {
    Alignment.FOLLOWS: _l("Follows the consultation"),
    Alignment.PARTLY_FOLLOWS: _l("Partly follows the consultation"),
    Alignment.DEPARTS: _l("Departs from the consultation"),
    Alignment.OUTSIDE: _l("Outside the options consulted"),
    Alignment.UNKNOWN: _l("Not known (numbers hidden)"),
    NOT_RECORDED: _l("No designation recorded yet"),
}


class InvalidFilter(ValidationFailed):
    """A filter value the observatory does not offer."""


# One entry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the observatory knows of one consultation, as keys (named by :func:`row`)."""

    consultation: Consultation
    #: Its public report: published, or withdrawn.
    report: Report
    #: Published responses of each category of :data:`PARTICIPATION`; ``None``: hidden.
    #: Empty when the report was withdrawn.
    participation: dict[str, int | None]
    responses: int | None
    #: Option with the largest published first-choice share.
    preferred: str | None
    #: The latest designation revision; ``None`` before one, or when withdrawn.
    designation: DesignationRevision | None
    #: An :class:`Alignment` value or :data:`NOT_RECORDED`; ``None`` when withdrawn.
    alignment: str | None
    #: Guarantees the founding text leaves out (:func:`missing_guarantees`), in OPCAT order.
    missing: list[str]

    @property
    def withdrawn(self) -> bool:
        return self.report.status is ReportStatus.WITHDRAWN

    @property
    def region(self) -> str | None:
        return region_of(self.consultation.country)

    @property
    def model(self) -> str | None:
        return self.designation.model if self.designation else None


def entry(
    consultation: Consultation,
    report: Report,
    data: ReportData,
    designation: DesignationRevision | None,
) -> Entry:
    """The entry of ``consultation`` from its public report's numbers and latest designation."""
    if report.status is ReportStatus.WITHDRAWN:
        return Entry(consultation, report, {}, None, None, None, None, [])
    option = (designation.option_key or None) if designation else None
    overall = standings(data, option)[0]
    return Entry(
        consultation=consultation,
        report=report,
        participation=participation(data),
        responses=data.responses,
        preferred=overall.preferred,
        designation=designation,
        alignment=overall.alignment.value if designation else NOT_RECORDED,
        missing=missing_guarantees(designation),
    )


def participation(data: ReportData) -> dict[str, int | None]:
    """Published responses of each :data:`PARTICIPATION` category (0 when nobody answered)."""
    table = data.participation.get("category")
    if table is None:
        return dict.fromkeys(PARTICIPATION)
    totals = dict(zip(table.rows, table.row_totals, strict=True))
    return {key: totals.get(key, 0) for key in PARTICIPATION}


def missing_guarantees(designation: DesignationRevision | None) -> list[str]:
    """Guarantees the founding text does not contain (:data:`~consult.reports.comparison.LEFT_OUT`:
    absent, or respected in practice only; ``unknown`` says nothing of the text), in OPCAT order."""
    if designation is None:
        return []
    left_out = {
        key for key, (status, _article) in designation.guarantee_map().items() if status in LEFT_OUT
    }
    return [term.key for term in GUARANTEES if term.key in left_out]


# Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the reader asked to see; empty strings admit everything."""

    #: M49 code of a world region (:mod:`consult.opcat.regions`).
    region: str = ""
    #: Key of the designated NPM model.
    model: str = ""
    #: An :class:`Alignment` value or :data:`NOT_RECORDED`.
    alignment: str = ""

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        """The filters of a query string; :class:`InvalidFilter` names a value not offered."""
        filters = cls(*(args.get(name, "").strip() for name in ("region", "model", "alignment")))
        for name, allowed in (
            ("region", REGIONS),
            ("model", NPM_MODELS.keys()),
            ("alignment", ALIGNMENT_LABELS),
        ):
            value = getattr(filters, name)
            if value and value not in allowed:
                raise InvalidFilter(
                    _l(
                        "“%(value)s” is not a value of the filter “%(name)s”.",
                        value=value[:VALUE_SHOWN],
                        name=name,
                    )
                )
        return filters

    @property
    def active(self) -> bool:
        return bool(self.region or self.model or self.alignment)

    def admits(self, entry: Entry) -> bool:
        return (
            (not self.region or entry.region == self.region)
            and (not self.model or entry.model == self.model)
            and (not self.alignment or entry.alignment == self.alignment)
        )

    def params(self) -> dict[str, str]:
        """The filters in use, as query parameters."""
        return {name: value for name, value in asdict(self).items() if value}

    def to_dict(self) -> dict[str, str | None]:
        return {name: value or None for name, value in asdict(self).items()}


def choices(locale: str) -> dict[str, list[tuple[str, str]]]:
    """``(value, label)`` of each filter, for the form, in the active UI language."""
    return {
        "region": region_choices(locale),
        "model": NPM_MODELS.choices(),
        "alignment": [(key, str(label)) for key, label in ALIGNMENT_LABELS.items()],
    }


# Rows: entries named in one language -----------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A key and its name in the reader's language."""

    key: str
    label: str


@dataclass(frozen=True)
class Count:
    """Published responses of one stakeholder category; ``None``: hidden."""

    key: str
    label: str
    count: int | None


@dataclass(frozen=True)
class Row:
    """One line of the observatory, every key named in one language."""

    slug: str
    title: str
    #: Language of ``title`` (the reader's, or the consultation's default when missing).
    title_lang: str
    country: Named
    region: Named | None
    organisation: str
    #: Days in the consultation's time zone.
    opened_on: date | None
    closed_on: date | None
    published_on: date | None
    withdrawn_on: date | None
    withdrawn: bool
    responses: int | None
    participation: list[Count]
    preferred: Named | None
    #: Designated model, and the day of the designation.
    model: Named | None
    designated_on: date | None
    alignment: Named | None
    missing_guarantees: list[Named]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO 8601."""
        return {key: _plain(value) for key, value in asdict(self).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def row(entry: Entry, locale: str) -> Row:
    """``entry`` named in ``locale`` (a UI language; call it in that locale, see :func:`rows`)."""
    consultation, report = entry.consultation, entry.report
    title_lang = locale if consultation.title.get(locale) else consultation.default_locale
    return Row(
        slug=consultation.slug,
        title=resolve(consultation.title, consultation.default_locale, locale),
        title_lang=title_lang,
        country=Named(consultation.country, country_name(consultation.country, locale)),
        region=Named(entry.region, region_name(entry.region, locale)) if entry.region else None,
        organisation=consultation.organisation.name,
        opened_on=_day(consultation.opened_at, consultation),
        closed_on=_day(consultation.closed_at, consultation),
        published_on=_day(report.published_at, consultation),
        withdrawn_on=_day(report.withdrawn_at, consultation),
        withdrawn=entry.withdrawn,
        responses=entry.responses,
        participation=[
            Count(key, str(PARTICIPATION[key]), count) for key, count in entry.participation.items()
        ],
        preferred=_option(consultation, entry.preferred, locale),
        model=Named(entry.model, NPM_MODELS.label(entry.model)) if entry.model else None,
        designated_on=entry.designation.designated_on if entry.designation else None,
        alignment=Named(entry.alignment, str(ALIGNMENT_LABELS[entry.alignment]))
        if entry.alignment
        else None,
        missing_guarantees=[Named(key, GUARANTEES.label(key)) for key in entry.missing],
    )


def _day(moment: datetime | None, consultation: Consultation) -> date | None:
    return moment.astimezone(zone(consultation.timezone)).date() if moment else None


def _option(consultation: Consultation, key: str | None, locale: str) -> Named | None:
    """The option ``key`` of the consultation, titled in ``locale`` (else its default)."""
    if key is None:
        return None
    titles = {option.key: option.title for option in consultation.document().options}
    return Named(key, resolve(titles.get(key), consultation.default_locale, locale) or key)


def rows(filters: Filters, locale: str) -> list[Row]:
    """The observatory in ``locale``: entries ``filters`` admit, by country name then date."""
    with force_locale(locale):
        named = [row(e, locale) for e in public_entries() if filters.admits(e)]
    return sorted(named, key=lambda r: (_folded(r.country.label), r.opened_on or date.min, r.slug))


def _folded(text: str) -> str:
    """``text`` without case or accents, so that "État" sorts among the E's."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Queries -------------------------------------------------------------------------------------


def public_entries() -> list[Entry]:
    """An entry for each consultation (never a draft) whose report was ever made public."""
    reports = public_reports()
    designations = latest_designations(r.consultation_id for r in reports)
    return [
        entry(r.consultation, r, numbers(r), designations.get(r.consultation_id)) for r in reports
    ]


def public_reports() -> Sequence[Report]:
    """The latest public revision (published or withdrawn) of each non-draft consultation."""
    latest = (
        select(Report.consultation_id, func.max(Report.revision).label("revision"))
        .where(Report.status.in_(PUBLIC))
        .group_by(Report.consultation_id)
        .subquery()
    )
    return db.session.scalars(
        select(Report)
        .join(
            latest,
            and_(
                Report.consultation_id == latest.c.consultation_id,
                Report.revision == latest.c.revision,
            ),
        )
        .join(Report.consultation)
        .where(Consultation.status != Status.DRAFT)
        .options(joinedload(Report.consultation).joinedload(Consultation.organisation))
    ).all()


def latest_designations(consultation_ids: Iterable[int]) -> dict[int, DesignationRevision]:
    """The latest designation revision of each of ``consultation_ids`` that has one."""
    ids = list(consultation_ids)
    if not ids:
        return {}
    latest = (
        select(
            DesignationRevision.consultation_id,
            func.max(DesignationRevision.revision).label("revision"),
        )
        .where(DesignationRevision.consultation_id.in_(ids))
        .group_by(DesignationRevision.consultation_id)
        .subquery()
    )
    found = db.session.scalars(
        select(DesignationRevision).join(
            latest,
            and_(
                DesignationRevision.consultation_id == latest.c.consultation_id,
                DesignationRevision.revision == latest.c.revision,
            ),
        )
    )
    return {revision.consultation_id: revision for revision in found}
