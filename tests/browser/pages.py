"""Every page of the app, from its URL map: GET routes with their parameters filled from the demo.

A new route is audited as soon as it exists: :func:`urls` builds its URLs from the values
below, and the audits fail for a route none of whose URLs gives a page, unless
:data:`NOT_PAGES` says why it has none.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from werkzeug.routing import Rule

from consult.extensions import db
from tests.browser.conftest import OPEN, ORG, PUBLISHED, LiveServer

#: Routes (by endpoint or rule) that give no HTML page to audit, and why.
NOT_PAGES: dict[str, str] = {
    "root.index": "redirects to /<lang>/",
    "accounts.index": "redirects to the member's organisation",
    "static": "files",
    "paper.questionnaire": "a PDF",
    "reports.pdf": "a PDF",
    "open_data.report_csv": "CSV",
    "open_data.report_json": "JSON",
    "open_data.report_xlsx": "a spreadsheet",
    "questionnaires.export": "JSON",
    "respond_admin.export_csv": "CSV",
    "respond_admin.export_xlsx": "a spreadsheet",
    "accounts.login_code": "only half-way through a two-factor sign-in (none in the demo)",
    "reshare.form": "only while a trustee's share is being replaced",
    # Not reached with the demo's data yet (open, to fill from a draft consultation and more):
    "/admin/<org>/consultations/<slug>/questionnaire/options/new": "only for a draft",
    "/admin/<org>/consultations/<slug>/questionnaire/sections/new": "only for a draft",
    "/admin/<org>/consultations/<slug>/questionnaire/sections/<section>/questions/new": (
        "only for a draft"
    ),
    "ceremony.upload": "only before an offline key ceremony has uploaded its key",
    "report_admin.texts": "only while a prepared revision awaits publication",
    "quotations.propose": "only for an unsealed answer's free text",
    "visits.enter": "only for paper or assisted visits (the demo's visit is a kiosk)",
}
#: Endpoints whose prefix says they are not pages (the JSON API).
NOT_PAGE_PREFIXES = ("api.",)


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    urls: tuple[str, ...]

    @property
    def is_public(self) -> bool:
        return "<lang>" in self.rule


def routes(live: LiveServer, lang: str) -> list[Route]:
    """Every GET route that may give a page, with the URLs to try for it in ``lang``."""
    values = live.read(lambda: _values(live, lang))
    found = []
    for rule in sorted(live.app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or {rule.endpoint, rule.rule} & NOT_PAGES.keys():
            continue
        if rule.endpoint.startswith(NOT_PAGE_PREFIXES):
            continue
        found.append(Route(rule.endpoint, rule.rule, tuple(_build(rule, values))))
    return found


def _build(rule: Rule, values: dict[str, Any]) -> Iterator[str]:
    """The rule's URLs for every combination of the candidate values of its parameters."""
    names = sorted(rule.arguments - set(rule.defaults or {}))
    choices = [_candidates(rule, name, values) for name in names]
    for combination in itertools.product(*choices):
        built = rule.build({**(rule.defaults or {}), **dict(zip(names, combination, strict=True))})
        if built is not None:
            yield built[1]


def _candidates(rule: Rule, name: str, values: dict[str, Any]) -> list[Any]:
    """Values for parameter ``name`` of ``rule``: by endpoint where one name means several."""
    if name == "key":
        kind = (rule.defaults or {}).get("kind") or rule.endpoint.rsplit(".", 1)[1]
        return values.get(f"key:{kind}") or values.get(f"key:{rule.endpoint}", [])
    if name == "token":
        return values[f"token:{rule.endpoint}"]
    return values.get(name, [])


def _values(live: LiveServer, lang: str) -> dict[str, list[Any]]:
    from consult.consultations.models import Consultation
    from consult.reports.designation_models import Recommendation
    from consult.reports.models import Report
    from consult.respond.models import Answer

    demo = select(Consultation).where(Consultation.slug.in_([OPEN, PUBLISHED]))
    consultations = {c.slug: c for c in db.session.scalars(demo)}
    document = consultations[OPEN].document()
    published = consultations[PUBLISHED]
    text = db.session.execute(
        select(Answer.response_id, Answer.question_key).where(Answer.text.is_not(None)).limit(1)
    ).first()
    assert text is not None
    return {
        "lang": [lang],
        "org": [ORG],
        "slug": [OPEN, PUBLISHED],
        "section": [document.sections[0].key],
        "key:option": [document.options[0].key],
        "key:options": [document.options[0].key],
        "key:section": [document.sections[0].key],
        "key:sections": [document.sections[0].key],
        "key:question": [document.sections[0].questions[0].key],
        "key:questions": [document.sections[0].questions[0].key],
        "key:propose": [text.question_key],
        "response_id": [text.response_id],
        "token:invited.respond": [live.demo.invitation],
        "token:accounts.join": [live.demo.join],
        "token:accounts.reset_password": [live.demo.reset],
        "visit_id": [live.demo.visit],
        "revision": list(
            db.session.scalars(
                select(Report.revision).where(Report.consultation_id == published.id)
            )
        ),
        "recommendation_id": list(
            db.session.scalars(
                select(Recommendation.id).where(Recommendation.consultation_id == published.id)
            )
        )[:1],
    }
