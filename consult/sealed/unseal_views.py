"""Unsealing in the app: k trustees type their shares in turn, in one sitting."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as HTTPResponse
from wtforms import FieldList, TextAreaField

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.errors import ConsultError
from consult.extensions import db
from consult.sealed import services, unsealing
from consult.sealed.unseal import Tally

bp = Blueprint("unseal", __name__, url_prefix="/admin")
SHARE_MAX = 1000


class UnsealForm(FlaskForm):
    shares = FieldList(TextAreaField(_l("Share")), min_entries=2, max_entries=16)


@bp.route("/<org>/consultations/<slug>/unseal", methods=["GET", "POST"])
@organiser_route(Permission.HOLD_SHARE)
def form(organisation: Organisation, membership: Membership, slug: str) -> HTTPResponse:
    """The unsealing form; on success, the counts and the digest of the envelope set."""
    consultation = consultations.get(organisation, slug)
    key = services.sealing_key(consultation)
    threshold = key.threshold if key else 2
    sent = UnsealForm()
    if not sent.is_submitted():
        return _page(
            organisation,
            consultation,
            UnsealForm(formdata=None, data={"shares": [""] * threshold}),
            threshold,
        )
    error, tally = None, None
    shares = [(entry.data or "")[:SHARE_MAX] for entry in sent.shares.entries]
    try:
        tally = unsealing.unseal(consultation, shares, membership.user)
    except ConsultError as failure:
        db.session.rollback()
        error = failure
    else:
        db.session.commit()
    del shares
    # The shares typed are never sent back: the form comes back empty.
    blank = UnsealForm(formdata=None, data={"shares": [""] * threshold})
    return _page(organisation, consultation, blank, threshold, error, tally)


def _page(
    organisation: Organisation,
    consultation: Consultation,
    form: UnsealForm,
    threshold: int,
    error: ConsultError | None = None,
    tally: Tally | None = None,
) -> HTTPResponse:
    status = 200 if error is None else error.status
    html = render_template(
        "sealed/unseal.html",
        organisation=organisation,
        consultation=consultation,
        form=form,
        threshold=threshold,
        error=error,
        tally=tally,
        digest=unsealing.envelope_digest(consultation) if tally else "",
        received=services.envelope_counts(consultation)[0],
    )
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response
