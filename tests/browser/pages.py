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
from tests.browser.conftest import DRAFT, OPEN, ORG, PUBLISHED, LiveServer

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
}
#: Endpoints whose prefix says they are not pages (the JSON API).
NOT_PAGE_PREFIXES = ("api.",)
#: Pages only a draft consultation has: the builder adds items only before opening, and a
#: key ceremony is held (or its outcome uploaded) only then.
DRAFT_ONLY = (
    "/admin/<org>/consultations/<slug>/questionnaire/options/new",
    "/admin/<org>/consultations/<slug>/questionnaire/sections/new",
    "/admin/<org>/consultations/<slug>/questionnaire/sections/<section>/questions/new",
    "ceremony.upload",
)


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
    """Values for parameter ``name`` of ``rule``: by rule or endpoint where one name means
    several."""
    for specific in (f"{name}:{rule.rule}", f"{name}:{rule.endpoint}"):
        if specific in values:
            return values[specific]
    if name == "key":
        kind = (rule.defaults or {}).get("kind") or rule.endpoint.rsplit(".", 1)[1]
        return values.get(f"key:{kind}") or values.get(f"key:{rule.endpoint}", [])
    if name == "token":
        return values[f"token:{rule.endpoint}"]
    return values.get(name, [])


def _values(live: LiveServer, lang: str) -> dict[str, list[Any]]:
    from consult.consultations.models import Consultation
    from consult.quotations.services import QUOTABLE_CHANNELS
    from consult.reports.designation_models import Recommendation
    from consult.reports.models import Report
    from consult.respond.models import Answer, Response

    demo = select(Consultation).where(Consultation.slug.in_([OPEN, PUBLISHED, DRAFT]))
    consultations = {c.slug: c for c in db.session.scalars(demo)}
    document = consultations[OPEN].document()
    published = consultations[PUBLISHED]
    # A quotation is proposed from the free text of an unsealed (sealed or assisted) answer.
    text = db.session.execute(
        select(Answer.response_id, Answer.question_key)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.consultation_id == published.id,
            Response.channel.in_(QUOTABLE_CHANNELS),
            Answer.text.is_not(None),
            Answer.item_key == "",
            Answer.choice_key == "",
        )
        .limit(1)
    ).first()
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
        "key:propose": [text.question_key] if text else [],
        "response_id": [text.response_id] if text else [],
        "token:invited.respond": [live.demo.invitation],
        "token:accounts.join": [live.demo.join],
        "token:accounts.reset_password": [live.demo.reset],
        "visit_id": [live.demo.visit],
        "visit_id:visits.enter": [live.demo.paper_visit],
        **{f"slug:{rule}": [DRAFT] for rule in DRAFT_ONLY},
        f"section:{DRAFT_ONLY[2]}": [consultations[DRAFT].document().sections[0].key],
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
