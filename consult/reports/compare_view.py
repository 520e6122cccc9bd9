"""The report's designation section: what the State designated beside what the consultation said.

DESIGN.md §7 (5): the latest designation revision, the standing of the designated option
overall and per group (persons deprived of liberty first) with its alignment in plain words,
the OPCAT guarantees most respondents asked for against the founding text, the implementation
stages, "You said — what happened", and the history of revisions.

The verdicts come from :mod:`consult.reports.comparison` (fixed rules on the published
numbers); this module only names and formats them, in the active UI language, like
:class:`~consult.reports.page.Layout`. A hidden number stays the hidden mark: nothing here
computes around it. Texts a publisher typed (bodies, references, notes) are returned as plain
strings for the templates to escape; the founding text's address is returned only when it is
a web address, so a ``javascript:`` or ``file:`` link can never become one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import LazyString, format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.consultations.models import Consultation
from consult.i18n.content import resolve
from consult.opcat.vocabulary import (
    GUARANTEE_STATUSES,
    GUARANTEES,
    LEGAL_BASES,
    NPM_MODELS,
    PLACES,
    STAGES,
)
from consult.reports import designation
from consult.reports.comparison import (
    Alignment,
    GuaranteeCheck,
    Standing,
    essential_shares,
    guarantee_checks,
    standings,
)
from consult.reports.data import ALL, DEPRIVED, ReportData
from consult.reports.designation_models import (
    DesignationRevision,
    Recommendation,
    RecommendationUpdate,
)
from consult.reports.designation_views import PART_LABELS, STAGE_STATE_LABELS
from consult.reports.labels import ReportLabels
from consult.reports.page import GROUP, HIDDEN, Cell
from consult.templating import local_date
from consult.text import contain_bidi

#: The breakdown by stakeholder category (a dimension of :mod:`consult.reports.data`).
CATEGORY = "category"
#: Schemes of a founding text's address that may become a link.
WEB_SCHEMES = frozenset({"http", "https"})
#: Whose preference a row of the standing table holds, for its sentence.
RESPONDENTS, DEPRIVED_PERSONS, THIS_GROUP = "respondents", "deprived", "group"
#: The alignment of each row as a sentence; ``%(preferred)s`` is the option they put first.
SENTENCES: dict[tuple[str, Alignment], LazyString] = {
    (RESPONDENTS, Alignment.FOLLOWS): _l(
        "The designation follows what respondents preferred: they put the designated option first."
    ),
    (RESPONDENTS, Alignment.PARTLY_FOLLOWS): _l(
        "The designation partly follows what respondents preferred: they put %(preferred)s "
        "first, and the designated option second or within five points of it."
    ),
    (RESPONDENTS, Alignment.DEPARTS): _l(
        "The designation departs from what respondents preferred (they put %(preferred)s first)."
    ),
    (RESPONDENTS, Alignment.OUTSIDE): _l(
        "The designation is outside the options consulted; respondents put %(preferred)s first."
    ),
    (DEPRIVED_PERSONS, Alignment.FOLLOWS): _l(
        "The designation follows what persons deprived of liberty preferred: they put the "
        "designated option first."
    ),
    (DEPRIVED_PERSONS, Alignment.PARTLY_FOLLOWS): _l(
        "The designation partly follows what persons deprived of liberty preferred: they put "
        "%(preferred)s first, and the designated option second or within five points of it."
    ),
    (DEPRIVED_PERSONS, Alignment.DEPARTS): _l(
        "The designation departs from what persons deprived of liberty preferred (they put "
        "%(preferred)s first)."
    ),
    (DEPRIVED_PERSONS, Alignment.OUTSIDE): _l(
        "The designation is outside the options consulted; persons deprived of liberty put "
        "%(preferred)s first."
    ),
    (THIS_GROUP, Alignment.FOLLOWS): _l(
        "The designation follows what this group preferred: it put the designated option first."
    ),
    (THIS_GROUP, Alignment.PARTLY_FOLLOWS): _l(
        "The designation partly follows what this group preferred: it put %(preferred)s first, "
        "and the designated option second or within five points of it."
    ),
    (THIS_GROUP, Alignment.DEPARTS): _l(
        "The designation departs from what this group preferred (it put %(preferred)s first)."
    ),
    (THIS_GROUP, Alignment.OUTSIDE): _l(
        "The designation is outside the options consulted; this group put %(preferred)s first."
    ),
}
#: The same, when the option they put first is not known (a hidden share could be larger).
UNNAMED: dict[tuple[str, Alignment], LazyString] = {
    (RESPONDENTS, Alignment.PARTLY_FOLLOWS): _l(
        "The designation partly follows what respondents preferred: the designated option came "
        "second, or within five points of the option they put first."
    ),
    (RESPONDENTS, Alignment.DEPARTS): _l(
        "The designation departs from what respondents preferred."
    ),
    (DEPRIVED_PERSONS, Alignment.PARTLY_FOLLOWS): _l(
        "The designation partly follows what persons deprived of liberty preferred: the "
        "designated option came second, or within five points of the option they put first."
    ),
    (DEPRIVED_PERSONS, Alignment.DEPARTS): _l(
        "The designation departs from what persons deprived of liberty preferred."
    ),
    (THIS_GROUP, Alignment.PARTLY_FOLLOWS): _l(
        "The designation partly follows what this group preferred: the designated option came "
        "second, or within five points of the option it put first."
    ),
    (THIS_GROUP, Alignment.DEPARTS): _l("The designation departs from what this group preferred."),
}
OUTSIDE_UNRANKED = _l("The designation is outside the options consulted.")
NOT_KNOWN = _l(
    "Not known: the numbers needed are hidden to protect small groups, or nobody ranked the "
    "options."
)


@dataclass(frozen=True)
class StandingRow:
    """The designated option in one column: overall, one group or one stakeholder category."""

    #: ``all``, ``group`` or ``category``, and the column's key in it.
    dimension: str
    column: str
    label: str
    rank: Cell
    share: Cell
    borda: Cell
    borda_rank: Cell
    #: :class:`~consult.reports.comparison.Alignment` value, for the row's class.
    alignment: str
    sentence: str


@dataclass(frozen=True)
class GuaranteeRow:
    """One OPCAT guarantee: how many rated it essential, and what the founding text says."""

    label: str
    #: Where OPCAT (or the SPT guidelines) sets it out.
    reference: str
    share: Cell
    asked_for: str
    status: str
    #: Article of the founding text (publisher's text).
    article: str
    gap: bool
    #: Asked for, but what the founding text provides is not recorded (status unknown).
    unrecorded: bool


@dataclass(frozen=True)
class StageRow:
    label: str
    #: ``reached``, ``pending`` or ``skipped``, for the row's class.
    state: str
    state_label: str
    reached_on: str


@dataclass(frozen=True)
class UpdateView:
    status: str
    as_of: str
    note: str


@dataclass(frozen=True)
class RecommendationView:
    text: str
    #: Where it stands now; ``None`` before its first update.
    now: UpdateView | None
    #: The updates before, oldest first.
    earlier: list[UpdateView]


@dataclass(frozen=True)
class RevisionView:
    revision: int
    recorded_on: str
    designated_on: str
    #: Names of the parts that changed since the revision before; empty for the first.
    changes: list[str]
    first: bool


@dataclass(frozen=True)
class DesignationView:
    """Everything the section prints, in the reader's language, numbers formatted."""

    revision: int
    designated_on: str
    legal_basis: str
    reference: str
    #: The founding text's address, only when it is a web address (http or https).
    link: str
    bodies: list[str]
    model: str
    model_description: str
    #: Title of the matching option; ``None`` when outside the options consulted.
    option: str | None
    places: list[str]
    note: str
    #: The alignment overall and for persons deprived of liberty, as sentences.
    summary: list[str]
    #: Empty when the questionnaire did not rank the options.
    standings: list[StandingRow]
    guarantees: list[GuaranteeRow]
    stages: list[StageRow]
    recommendations: list[RecommendationView]
    history: list[RevisionView]

    @property
    def gaps(self) -> list[GuaranteeRow]:
        return [row for row in self.guarantees if row.gap]

    @property
    def unrecorded(self) -> list[GuaranteeRow]:
        return [row for row in self.guarantees if row.unrecorded]


def designation_view(
    consultation: Consultation, data: ReportData, labels: ReportLabels
) -> DesignationView | None:
    """The section for ``consultation``'s latest designation revision; ``None`` before one."""
    revisions = designation.revisions(consultation)
    if not revisions:
        return None
    return Section(consultation, data, labels).view(
        revisions, designation.recommendations(consultation)
    )


def web_link(address: str) -> str:
    """``address`` when it is an http or https address with a host, else empty."""
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return ""
    return address.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else ""


class Section:
    """Names and formats the designation section of one report, in the active language."""

    def __init__(self, consultation: Consultation, data: ReportData, labels: ReportLabels):
        self.consultation, self.data, self.labels = consultation, data, labels

    def text(self, texts: dict[str, str]) -> str:
        """A publisher's translated text, in the report's content language."""
        return resolve(texts, self.consultation.default_locale, self.labels.locale)

    def view(
        self, revisions: Sequence[DesignationRevision], recommendations: Sequence[Recommendation]
    ) -> DesignationView:
        """The section for ``revisions`` (newest first) and the recommendations."""
        latest = revisions[0]
        rows = self.standings(latest.option_key)
        return DesignationView(
            revision=latest.revision,
            designated_on=format_date(latest.designated_on, "long"),
            legal_basis=LEGAL_BASES.label(latest.legal_basis),
            reference=latest.instrument_reference,
            link=web_link(latest.instrument_link),
            bodies=list(latest.bodies),
            model=NPM_MODELS.label(latest.model),
            model_description=self.text(latest.model_description),
            option=self.option_title(latest.option_key),
            places=[PLACES.label(key) for key in latest.places],
            note=self.text(latest.note),
            summary=summary(latest.option_key, rows),
            standings=rows,
            guarantees=self.guarantees(latest),
            stages=stages(latest),
            recommendations=[self.recommendation(r) for r in recommendations],
            history=history(revisions, self.consultation.timezone),
        )

    def option_title(self, key: str | None) -> str | None:
        if key is None:
            return None
        option = next((o for o in self.consultation.document().options if o.key == key), None)
        return (self.text(option.title) or key) if option else key

    def option_name(self, key: str | None) -> str:
        """An option as the ranking's rows name it."""
        return self.labels.row(self.data.options_question, ALL, key) if key else ""

    # Standing ------------------------------------------------------------------------------

    def standings(self, option: str | None) -> list[StandingRow]:
        return [self.standing(d, s) for d, s in ranked_standings(self.data, option)]

    def standing(self, dimension: str, standing: Standing) -> StandingRow:
        outside = standing.alignment is Alignment.OUTSIDE
        return StandingRow(
            dimension=dimension,
            column=standing.column,
            label=self.labels.column(None, dimension, standing.column),
            rank=number(standing.rank, outside),
            share=share(standing.first_choice_share, outside),
            borda=number(standing.borda, outside),
            borda_rank=number(standing.borda_rank, outside),
            alignment=standing.alignment.value,
            sentence=self.sentence(standing),
        )

    def sentence(self, standing: Standing) -> str:
        """The row's alignment in plain words, naming the option its respondents put first."""
        if standing.alignment is Alignment.UNKNOWN:
            return str(NOT_KNOWN)
        if standing.preferred is None and standing.alignment is Alignment.OUTSIDE:
            return str(OUTSIDE_UNRANKED)
        subject = {ALL: RESPONDENTS, DEPRIVED: DEPRIVED_PERSONS}.get(standing.column, THIS_GROUP)
        if standing.preferred is None and (subject, standing.alignment) in UNNAMED:
            return str(UNNAMED[subject, standing.alignment])
        return str(SENTENCES[subject, standing.alignment]) % {
            "preferred": contain_bidi(self.option_name(standing.preferred))
        }

    # Guarantees ----------------------------------------------------------------------------

    def guarantees(self, revision: DesignationRevision) -> list[GuaranteeRow]:
        """Every guarantee rated or recorded, in the order of OPCAT.md §1."""
        rated = essential_shares(self.data)
        return [self.guarantee(c, c.key in rated) for c in checks(self.data, revision)]

    def guarantee(self, check: GuaranteeCheck, rated: bool) -> GuaranteeRow:
        return GuaranteeRow(
            label=GUARANTEES.label(check.key),
            reference=str(GUARANTEES[check.key].reference) if check.key in GUARANTEES else "",
            share=share(check.essential_share, False) if rated else Cell(_("not asked")),
            asked_for=_asked_for(check, rated),
            status=GUARANTEE_STATUSES.label(check.status),
            article=check.article,
            gap=check.gap,
            unrecorded=check.unrecorded,
        )

    # Recommendations -----------------------------------------------------------------------

    def recommendation(self, recommendation: Recommendation) -> RecommendationView:
        updates = [self.update(u) for u in recommendation.updates]
        return RecommendationView(
            text=self.text(recommendation.text),
            now=updates[-1] if updates else None,
            earlier=updates[:-1],
        )

    def update(self, update: RecommendationUpdate) -> UpdateView:
        return UpdateView(
            str(update.status.label), format_date(update.as_of, "long"), self.text(update.note)
        )


def ranked_standings(data: ReportData, option: str | None) -> list[tuple[str, Standing]]:
    """``(dimension, standing)`` overall, then persons deprived of liberty and everyone else,
    then each stakeholder category (persons deprived of liberty first); nothing when the
    questionnaire did not rank the options."""
    if data.options_question is None:
        return []
    overall, *groups = standings(data, option, GROUP)
    categories = standings(data, option, CATEGORY)[1:]
    return [
        (ALL, overall),
        *((GROUP, s) for s in deprived_first(groups)),
        *((CATEGORY, s) for s in deprived_first(categories)),
    ]


def checks(data: ReportData, revision: DesignationRevision) -> list[GuaranteeCheck]:
    """Every guarantee rated or recorded, in the order of OPCAT.md §1."""
    founding = {
        key: (str(status), article) for key, (status, article) in revision.guarantee_map().items()
    }
    return sorted(guarantee_checks(data, founding), key=_vocabulary_order)


def summary(option: str | None, rows: list[StandingRow]) -> list[str]:
    """The overall sentence, then that of persons deprived of liberty when published."""
    if not rows:
        return [str(OUTSIDE_UNRANKED)] if option is None else []
    deprived = [r for r in rows if (r.dimension, r.column) == (GROUP, DEPRIVED)]
    return [rows[0].sentence, *(r.sentence for r in deprived)]


def deprived_first(items: list[Standing]) -> list[Standing]:
    """The column of persons deprived of liberty first, the others in their order."""
    return sorted(items, key=lambda s: s.column != DEPRIVED)


def number(value: int | None, outside: bool) -> Cell:
    """A count or a place (see :func:`_cell`)."""
    return _cell(None if value is None else str(format_decimal(value)), outside)


def share(value: float | None, outside: bool) -> Cell:
    """A share (see :func:`_cell`)."""
    return _cell(None if value is None else str(format_percent(value)), outside)


def _cell(text: str | None, outside: bool) -> Cell:
    """The hidden mark where suppression removed the number; a dash where it has none (the
    designation is outside the options consulted)."""
    if text is None:
        return Cell("—") if outside else Cell(str(HIDDEN), hidden=True)
    return Cell(text)


def _asked_for(check: GuaranteeCheck, rated: bool) -> str:
    if not rated:
        return "—"
    if check.essential_share is None:
        return str(HIDDEN)
    return _("Yes") if check.asked_for else _("No")


def _vocabulary_order(check: GuaranteeCheck) -> int:
    keys = GUARANTEES.keys()
    return keys.index(check.key) if check.key in keys else len(keys)


def stages(revision: DesignationRevision) -> list[StageRow]:
    """Each stage of OPCAT.md §4, in order: reached (with its date), pending or skipped."""
    reached = revision.stage_dates()
    return [
        StageRow(
            label=STAGES.label(key),
            state=state,
            state_label=str(STAGE_STATE_LABELS[state]),
            reached_on=format_date(reached[key], "long") if key in reached else "",
        )
        for key, state in designation.stage_states(reached).items()
    ]


def history(revisions: Sequence[DesignationRevision], zone: str) -> list[RevisionView]:
    """Every revision, newest first, with the day (in ``zone``) it was recorded and what it
    changed."""
    changes = designation.history(revisions)
    return [
        RevisionView(
            revision=r.revision,
            recorded_on=local_date(r.recorded_at, zone),
            designated_on=format_date(r.designated_on, "long"),
            changes=[str(PART_LABELS[part]) for part in changes[r.revision]],
            first=n == len(revisions) - 1,
        )
        for n, r in enumerate(revisions)
    ]
