"""Open data: a published report's numbers as JSON, CSV and XLSX, all from one ``ReportData``.

Every file is made from the frozen :class:`~consult.reports.data.ReportData` of a published
report and its :class:`~consult.reports.labels.ReportLabels`, so the files, the page and the
API cannot disagree. A hidden count is ``None`` in the data and an empty cell in the files:
its value never reaches them, because the snapshot never held it. Shares are computed on the
published totals (:meth:`~consult.reports.data.Table.share`).

The layout of ``report.json`` and of the CSV columns is documented in ``docs/report-json.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.consultations.models import Consultation
from consult.errors import ConsultError
from consult.i18n.content import country_name, resolve
from consult.questionnaires.schema import CHANNELS
from consult.reports import designation
from consult.reports.compare_view import checks, ranked_standings, web_link
from consult.reports.data import ALL, ReportData, Table, to_dict
from consult.reports.designation_models import DesignationRevision, Recommendation
from consult.reports.labels import ANSWERED, ReportLabels
from consult.reports.models import Report, ReportStatus
from consult.reports.services import numbers
from consult.spreadsheets import Cell
from consult.spreadsheets import to_csv as csv_bytes

#: Name and version of the layout of ``report.json``; see ``docs/report-json.md``.
JSON_SCHEMA = "consult-report/1"
JSON_MIMETYPE = "application/json"
#: Row and column key of the margins: not a valid questionnaire key, so it never collides.
TOTAL = "_total"
#: Columns of the CSV file (and of the XLSX ``Data`` sheet): stable keys, documented.
CSV_HEADER = (
    "section",
    "section_title",
    "question_key",
    "question",
    "dimension",
    "dimension_label",
    "measure",
    "row_key",
    "row",
    "column_key",
    "column",
    "value",
    "share",
)


class ReportWithdrawn(ConsultError):
    """The report was public and has been withdrawn: its numbers are no longer served."""

    status = 410
    title = _l("Report withdrawn")
    default_message = _l("This report has been withdrawn; its numbers are no longer published.")


def published_numbers(report: Report) -> ReportData:
    """The numbers of a public report; raise :class:`ReportWithdrawn` if it was withdrawn."""
    if report.status is ReportStatus.WITHDRAWN:
        raise ReportWithdrawn(_withdrawal_notice(report))
    return numbers(report)


def _withdrawal_notice(report: Report) -> str:
    day = format_date(report.withdrawn_at, "long") if report.withdrawn_at else ""
    reason = resolve(report.withdrawal_reason, report.consultation.default_locale)
    if reason:
        return _(
            "This report was withdrawn on %(day)s: %(reason)s. Its numbers are no longer "
            "published.",
            day=day,
            reason=reason,
        )
    return _("This report was withdrawn on %(day)s. Its numbers are no longer published.", day=day)


# JSON --------------------------------------------------------------------------------------


def consultation_summary(consultation: Consultation) -> dict[str, Any]:
    """What ``report.json`` and the API say about a consultation (no draft ever gets here)."""
    document = consultation.document()
    used = {channel for question in document.questions() for channel in question.channels}
    return {
        "slug": consultation.slug,
        "title": dict(consultation.title),
        "country": consultation.country,
        "organisation": consultation.organisation.name,
        "status": consultation.phase().value,
        "dates": {
            name: _iso(getattr(consultation, name))
            for name in ("opens_at", "closes_at", "opened_at", "closed_at")
        },
        "languages": {
            "default": consultation.default_locale,
            "offered": list(consultation.offered_locales),
        },
        "channels": [channel for channel in CHANNELS if channel in used],
    }


def report_summary(report: Report) -> dict[str, Any]:
    """Which report the numbers come from, and how to check them."""
    return {
        "revision": report.revision,
        "published_at": _iso(report.published_at),
        "k": report.k,
        "digest": report.digest,
        "dataset_digest": report.dataset_digest,
        "audit_head": report.audit_head,
    }


def document(
    consultation: Consultation, report: Report, labels: ReportLabels, data: ReportData
) -> dict[str, Any]:
    """The content of ``report.json`` (and of the API's report), schema :data:`JSON_SCHEMA`."""
    return {
        "schema": JSON_SCHEMA,
        "consultation": consultation_summary(consultation),
        "report": report_summary(report),
        "labels": labels.to_dict(),
        "data": to_dict(data),
        "designation": designation_summary(consultation, data),
    }


def designation_summary(consultation: Consultation, data: ReportData) -> dict[str, Any] | None:
    """The latest designation revision held against ``data``, with the revisions before it
    and the recommendations; ``None`` before the first revision. Keys, not names: the
    vocabularies are those of OPCAT.md."""
    revisions = designation.revisions(consultation)
    if not revisions:
        return None
    latest = revisions[0]
    return {
        **_revision(latest),
        "standings": [
            {"dimension": dimension, **asdict(standing)}
            for dimension, standing in ranked_standings(data, latest.option_key)
        ],
        "guarantees": [{**asdict(check), "gap": check.gap} for check in checks(data, latest)],
        "stages": _stages(latest),
        "history": _history(revisions),
        "recommendations": [_recommendation(r) for r in designation.recommendations(consultation)],
    }


def _revision(revision: DesignationRevision) -> dict[str, Any]:
    return {
        "revision": revision.revision,
        "recorded_at": _iso(revision.recorded_at),
        "designated_on": _iso(revision.designated_on),
        "legal_basis": revision.legal_basis,
        "instrument": {
            "reference": revision.instrument_reference,
            "link": web_link(revision.instrument_link),
        },
        "bodies": list(revision.bodies),
        "model": revision.model,
        "model_description": dict(revision.model_description),
        "option": revision.option_key,
        "places": list(revision.places),
        "note": dict(revision.note),
    }


def _stages(revision: DesignationRevision) -> list[dict[str, Any]]:
    reached = revision.stage_dates()
    return [
        {"key": key, "state": state, "reached_on": _iso(reached.get(key))}
        for key, state in designation.stage_states(reached).items()
    ]


def _history(revisions: list[DesignationRevision]) -> list[dict[str, Any]]:
    changes = designation.history(revisions)
    return [
        {
            "revision": r.revision,
            "recorded_at": _iso(r.recorded_at),
            "designated_on": _iso(r.designated_on),
            "changed": changes[r.revision],
        }
        for r in revisions
    ]


def _recommendation(recommendation: Recommendation) -> dict[str, Any]:
    return {
        "position": recommendation.position,
        "text": dict(recommendation.text),
        "updates": [
            {"status": u.status.value, "as_of": _iso(u.as_of), "note": dict(u.note)}
            for u in recommendation.updates
        ],
    }


def about(
    consultation: Consultation, report: Report, labels: ReportLabels
) -> list[tuple[str, Cell]]:
    """The About sheet of the workbook: which report, its threshold and how to check it."""
    return [
        (_("Consultation"), consultation.text("title", labels.locale)),
        (_("Organisation"), consultation.organisation.name),
        (_("Country"), country_name(consultation.country, labels.ui_locale)),
        (_("Report revision"), report.revision),
        (_("Published on"), _iso(report.published_at)),
        (_("Language of the texts"), labels.locale),
        (_("Smallest count published (k)"), report.k),
        (_("Digest of the numbers (SHA-256)"), report.digest),
        (_("Digest of the dataset (SHA-256)"), report.dataset_digest),
        (_("Head of the audit log"), report.audit_head),
        (_("Hidden cells"), suppression_note(report.k)),
    ]


def suppression_note(k: int) -> str:
    return _(
        "Counts from 1 to %(below)d are hidden, and so are other counts from which a hidden one "
        "could be worked out from the totals of the same table. Hidden cells are empty. Shares "
        "are computed on the published totals.",
        below=k - 1,
    )


def to_json(content: dict[str, Any]) -> bytes:
    """UTF-8 JSON; texts are escaped by the encoder, never pasted in."""
    return json.dumps(content, ensure_ascii=False, indent=1).encode()


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


# The long format ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One published number: where it sits, what it measures, its value and share (0–1)."""

    #: ``None`` for the participation tables.
    question: str | None
    dimension: str
    measure: str
    row: str
    column: str
    value: int | float | None
    share: float | None = None
    #: The dimension of the columns, where it differs from ``dimension`` (participation).
    column_dimension: str | None = None


def lines(data: ReportData) -> Iterator[Line]:
    """Every published number of ``data``, hidden ones included as ``None``, in report order."""
    yield Line(None, ALL, "responses", ALL, ALL, data.responses)
    yield Line(None, ALL, "held", ALL, ALL, data.held)
    for dimension, table in data.participation.items():
        yield from _table_lines(None, dimension, table, "channel")
    for result in data.questions:
        for dimension, table in result.tables.items():
            yield from _table_lines(result.key, dimension, table)
        for dimension, borda in result.borda.items():
            for i, item in enumerate(borda.items):
                for j, column in enumerate(borda.columns):
                    where = (result.key, dimension)
                    yield Line(*where, "borda_points", item, column, borda.points[i][j])
                    yield Line(*where, "borda_average", item, column, borda.average(i, j))
        for dimension, summary in result.numbers.items():
            for j, column in enumerate(summary.columns):
                where = (result.key, dimension)
                yield Line(*where, "mean", ANSWERED, column, summary.mean[j])
                yield Line(*where, "median", ANSWERED, column, summary.median[j])


def _table_lines(
    question: str | None, dimension: str, table: Table, columns: str | None = None
) -> Iterator[Line]:
    """The cells, then the margins: row totals, column totals (respondents), the total."""

    def line(measure: str, row: str, column: str, value: Any, share: Any = None) -> Line:
        return Line(question, dimension, measure, row, column, value, share, columns)

    for i, row in enumerate(table.rows):
        for j, column in enumerate(table.columns):
            yield line("count", row, column, table.cells[i][j], table.share(i, j))
        yield line("row_total", row, TOTAL, table.row_totals[i], table.row_share(i))
    for j, column in enumerate(table.columns):
        yield line("column_total", TOTAL, column, table.column_totals[j])
    yield line("total", TOTAL, TOTAL, table.total)


def named(line: Line, labels: ReportLabels) -> list[Cell]:
    """A line with its names, in the order of :data:`CSV_HEADER`."""
    section = labels.section_of(line.question)
    column_dimension = line.column_dimension or line.dimension
    return [
        section,
        labels.sections.get(section, ""),
        line.question or "",
        labels.question_text(line.question),
        line.dimension,
        labels.dimensions.get(line.dimension, line.dimension),
        line.measure,
        line.row,
        _total_or(line.row, labels.row(line.question, line.dimension, line.row)),
        line.column,
        _total_or(line.column, labels.column(line.question, column_dimension, line.column)),
        line.value,
        line.share,
    ]


def _total_or(key: str, name: str) -> str:
    return _("Total") if key == TOTAL else name


def to_csv(data: ReportData, labels: ReportLabels) -> bytes:
    """The long format: a header of :data:`CSV_HEADER`, then one line per published number.

    Hidden numbers are empty; shares have four decimals; UTF-8 with a byte order mark.
    """
    rows = ([*cells[:-1], _share(cells[-1])] for cells in _named_lines(data, labels))
    return csv_bytes([list(CSV_HEADER), *rows])


def _named_lines(data: ReportData, labels: ReportLabels) -> Iterator[list[Cell]]:
    return (named(line, labels) for line in lines(data))


def _share(share: Cell) -> str:
    return f"{share:.4f}" if isinstance(share, float) else ""
