"""Printable paper questionnaires: ``/<lang>/c/<slug>/paper.pdf`` (``?easy=1``: easy-read).

A public document, like the consultation page: anyone may print it, so it is cached briefly
by browsers and proxies. Members of the organisation may also print a draft's form to try it
out; that copy is marked as a draft and never cached.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, current_app, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as HTTPResponse

from consult.accounts.permissions import Permission
from consult.consultations.models import Consultation, Status
from consult.errors import NotFound
from consult.extensions import db
from consult.i18n.content import current_language
from consult.paper import render
from consult.respond.views import _public, add_lang, pull_lang, settle_content_language

bp = Blueprint("paper", __name__, url_prefix="/<lang>")
bp.url_value_preprocessor(pull_lang)
bp.url_defaults(add_lang)

#: A published form changes only when a text is corrected: keep it a few minutes at most.
PUBLIC_CACHE = "public, max-age=300"
#: A draft's form is for its organisers' eyes.
DRAFT_CACHE = "private, no-store"


@bp.get("/c/<slug>/paper.pdf")
def questionnaire(slug: str) -> HTTPResponse:
    """The assisted channel's questions, to print and answer on paper."""
    easy = request.args.get("easy") == "1"
    consultation, draft = _readable(slug)
    pdf = render.paper_pdf(
        consultation,
        content_locale=current_language(),
        ui_locale=g.lang,
        static_root=Path(current_app.static_folder or "static"),
        easy=easy,
        draft=draft,
    )
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{_filename(slug, easy)}"'
    response.headers["Cache-Control"] = DRAFT_CACHE if draft else PUBLIC_CACHE
    response.add_etag()
    return response.make_conditional(request)


def _readable(slug: str) -> tuple[Consultation, bool]:
    """The consultation and whether it is a draft, which only its organisation's members see."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None or consultation.status is not Status.DRAFT:
        return _public(slug), False
    membership = (
        current_user.membership_in(consultation.organisation)
        if current_user.is_authenticated
        else None
    )
    if membership is None or not membership.can(Permission.VIEW):
        raise NotFound()
    settle_content_language(consultation)
    return consultation, True


def _filename(slug: str, easy: bool) -> str:
    language = re.sub(r"[^A-Za-z0-9_-]", "", current_language())
    return f"{slug}-{language}{'-easy' if easy else ''}.pdf"
