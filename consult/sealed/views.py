"""The sealed web channel, ``/<lang>/c/<slug>/sealed``, for persons deprived of liberty.

A first page explains, in very simple words, what happens to the answers (and, where the
consultation speaks to children too, asks for their consent); then comes the questionnaire of
the sealed channel, one page or one question at a time like the open channel, without
JavaScript. On sending, the answers are sealed inside the request and only the envelope is
stored (DESIGN.md §5).

No plaintext reaches disk: the form is accepted only URL-encoded (a multipart body would have
Werkzeug spool its file parts to temporary files), nothing of the form is logged, access logs
skip these routes (:mod:`consult.logging_filters`), and every page tells the browser not to
keep it.
"""

from __future__ import annotations

import re
from typing import Any, cast

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HTTPResponse

from consult.consultations.models import Consultation
from consult.db import read_first, start_writing
from consult.errors import render_error
from consult.extensions import csrf, db
from consult.i18n.content import current_language
from consult.questionnaires.answers import Submission
from consult.questionnaires.schema import Channel, has_easy_read
from consult.respond import flow as flows
from consult.respond.services import NotAccepting
from consult.respond.views import (
    _closed,
    _Page,
    _page,
    _public,
    add_lang,
    closed_since,
    pull_lang,
    settle_content_language,
)
from consult.sealed import rate
from consult.sealed import services as sealed
from consult.sealed.models import SealingKey
from consult.sealed.settings import ALL_AGES

bp = Blueprint("sealed", __name__, url_prefix="/<lang>")
bp.url_value_preprocessor(pull_lang)
bp.url_defaults(add_lang)

#: The only body the sealed form is read from: kept in memory, never spooled to disk.
FORM_TYPE = "application/x-www-form-urlencoded"
#: ``Consultation.sealed_audience``: adults only, or children too (with their consent).
#: Age brackets, recorded only inside the envelope.
AGES = ("child", "adult")
RECEIPT = re.compile(r"[0-9a-f]{10}")

NOT_A_FORM = _l(
    "This page only accepts the answers of its own form. Nothing was recorded. "
    "Go back to the questionnaire and send it again."
)
CHOOSE_AGE = _l("Say whether you are under 18.")
NEED_CONSENT = _l("Tick the box if you understand and want to answer.")
START_AGAIN = _l("Please read the first page again before you send your answers.")


@bp.after_request
def forget(response: HTTPResponse) -> HTTPResponse:
    """The thank-you page clears what the browser kept (``no-store``: consult/security.py)."""
    response.headers["Clear-Site-Data"] = (
        '"cache", "cookies", "storage"' if request.endpoint == "sealed.thanks" else '"cache"'
    )
    return response


@bp.route("/c/<slug>/sealed", methods=["GET", "POST"])
@csrf.exempt  # checked by the page, so that an expired form comes back with its answers
def channel(slug: str) -> HTTPResponse | tuple[str, int] | str:
    """The first page (GET), then the questionnaire and the sending (POST)."""
    if request.method == "POST" and request.mimetype != FORM_TYPE:
        return render_error(415, NOT_A_FORM)  # before anything reads the body
    read_first()  # the answers are checked and sealed before the one write that stores them
    consultation, key = sealed.public_channel(slug, sending=request.method == "POST")
    settle_content_language(consultation)
    if key is None:
        return render_template("sealed/channel_unavailable.html", consultation=consultation), 404
    if not consultation.is_accepting():
        return _closed(consultation)
    if request.method == "GET":
        return _first_page(consultation, MultiDict())
    page = cast(_SealedPage, _page(consultation, Channel.SEALED, False, _SealedPage))
    page.sealing_key = key
    if request.form.get("stage") == "intro":
        return page.start()
    return page.handle()


@bp.get("/c/<slug>/sealed/thanks")
def thanks(slug: str) -> str:
    """Thanks; a receipt code only where the organiser turned receipts on."""
    consultation = _public(slug)
    receipt = request.args.get("r", "")
    shown = receipt if consultation.sealed_receipts and RECEIPT.fullmatch(receipt) else None
    return render_template("sealed/channel_thanks.html", consultation=consultation, receipt=shown)


def _first_page(
    consultation: Consultation,
    form: MultiDict[str, str],
    errors: dict[str, LazyString] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "sealed/channel.html", form=form, errors=errors or {}, **first_page_context(consultation)
    ), status


def first_page_context(consultation: Consultation) -> dict[str, Any]:
    """What a sealed first page shows (on the web and at the kiosk), besides the form."""
    return {
        "consultation": consultation,
        "key": sealed.sealing_key(consultation),
        "all_ages": consultation.sealed_audience == ALL_AGES,
        "urgent_help": consultation.text("urgent_help"),
        "easy_offered": has_easy_read(consultation.shared_document(), current_language()),
    }


def _first_page_errors(
    consultation: Consultation, form: MultiDict[str, str]
) -> dict[str, LazyString]:
    """Where children may answer: the age bracket, and a child's consent."""
    if consultation.sealed_audience != ALL_AGES:
        return {}
    age = form.get("age")
    if age not in AGES:
        return {"age": CHOOSE_AGE}
    if age == "child" and form.get("consent") != "yes":
        return {"consent": NEED_CONSENT}
    return {}


class _SealedPage(_Page):
    """A questionnaire page of the sealed channel: it seals instead of storing."""

    template = "sealed/channel_questionnaire.html"
    #: The consultation's sealing key, once the channel has looked it up.
    sealing_key: SealingKey | None = None

    @property
    def age(self) -> str | None:
        """The age bracket chosen on the first page (only where children may answer)."""
        age = self.flow.form.get("age")
        return age if self.consultation.sealed_audience == ALL_AGES and age in AGES else None

    def start(self) -> tuple[str, int]:
        """From the first page to the first questions, once its questions are answered."""
        errors = _first_page_errors(self.consultation, self.flow.form)
        if errors:
            return _first_page(self.consultation, self.flow.form, errors, 400)
        return self.render(flows.PROFILE)

    def context(self, step: str) -> dict[str, object]:
        """The first page's answers, carried from page to page like the others."""
        return {"age": self.age, "consent": self.flow.form.get("consent") == "yes"}

    def store(self, submission: Submission) -> HTTPResponse | tuple[str, int]:
        """Seal (held for review past the threshold), commit, and say thank you."""
        consultation = self.consultation
        if _first_page_errors(consultation, self.flow.form):  # the first page was skipped
            return _first_page(consultation, MultiDict(), {"age": START_AGAIN}, 400)
        address = request.remote_addr or ""
        slug, receipts = consultation.slug, consultation.sealed_receipts
        start_writing(db.session)
        try:
            stored = sealed.seal(
                consultation,
                Channel.SEALED,
                submission,
                locale=self.locale,
                submission_key=self.key,
                details={"age": self.age} if self.age else None,
                held=rate.should_hold(consultation, address),  # a retry stores nothing anyway
                key=self.sealing_key,
            )
        except NotAccepting:  # closed since the page's copy was read
            return closed_since(slug)
        db.session.commit()
        if stored.is_new:  # counted once stored; a retry is neither stored nor counted again
            rate.count(consultation, address)
        receipt = stored.sha256[:10] if receipts else None
        return redirect(url_for(".thanks", slug=slug, r=receipt), code=303)
