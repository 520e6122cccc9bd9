"""Re-sharing the key (``/admin/<org>/consultations/<slug>/reshare``), in any status.

In one sitting, as many current trustees as the key needs type their shares, one field each;
the organiser chooses the new trustees and how many of them will be needed. The response is
the single page that shows the new shares (the key ceremony's page), marked ``no-store``.
Shares typed are never sent back: every page shown after a refusal has empty share fields.

The operation lives in :mod:`consult.sealed.reshare`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, flash, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import HiddenField, TextAreaField

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.forms import whole_number
from consult.i18n.numbers import lazy_number
from consult.sealed import crypto, services
from consult.sealed import reshare as reshare_service
from consult.sealed.ceremony import eligible_trustees
from consult.sealed.ceremony_views import _holders, _shares_page
from consult.sealed.forms import CeremonyForm
from consult.sealed.models import CeremonyMode, SealingKey

bp = Blueprint("reshare", __name__, url_prefix="/admin")
BASE = "/<org>/consultations/<slug>/reshare"

UNREADABLE = _l("A word of this share is wrong or missing: check each word, in order.")
REPEATED = _l("This share was typed already: each trustee types their own.")
FOREIGN = _l("This share belongs to another key, or to an earlier set of shares of this key.")
TYPE_SHARE = _l("The trustee who holds a share of the current key types it here.")


# The form -----------------------------------------------------------------------------------


class ReshareForm(CeremonyForm):
    """k fields for the current shares, then the new trustees and threshold (as a ceremony)."""

    #: Identifier of the set of shares this page was made for: a stale page replaces nothing.
    current_set = HiddenField()
    slots: int = 0
    #: Identifier and threshold of the current set (set by :func:`reshare_form`).
    expected: tuple[int, int] = (0, 0)

    def share_fields(self) -> list[TextAreaField]:
        return [self[f"share_{n}"] for n in range(1, self.slots + 1)]

    @property
    def shares(self) -> list[str]:
        return [f.data or "" for f in self.share_fields()]

    @property
    def expected_set(self) -> int | None:
        value = (self.current_set.data or "").strip()
        return whole_number(value, 6)

    def forget_shares(self) -> None:
        """Empty every share field, so that no page ever sends a share back."""
        for field in self.share_fields():
            field.data, field.raw_data = "", []

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_shares() and valid

    def _check_shares(self) -> bool:
        """Each share on its own: readable, of the current set, not typed twice."""
        seen: set[int] = set()
        ok = True
        for field in self.share_fields():
            message = self._problem(field.data or "", seen)
            if message is not None:
                field.errors = [*field.errors, str(message)]
                ok = False
        return ok

    def _problem(self, typed: str, seen: set[int]) -> LazyString | None:
        if not typed.strip():
            return TYPE_SHARE
        try:
            info = crypto.read_share(typed)
        except crypto.ShareError:
            return UNREADABLE
        if (info.identifier, info.threshold) != self.expected:
            return FOREIGN
        if info.number in seen:
            return REPEATED
        seen.add(info.number)
        return None


def reshare_form(key: SealingKey, eligible: Sequence[Membership]) -> ReshareForm:
    """The form for ``key``: one share field per share it needs to open."""

    class Bound(ReshareForm):
        pass

    for number in range(1, key.threshold + 1):
        setattr(
            Bound,
            f"share_{number}",
            TextAreaField(
                _l("Share %(number)s of the current key", number=lazy_number(number)),
                description=_l("All its words, in order, separated by spaces."),
                render_kw={
                    "rows": 3,
                    "autocomplete": "off",
                    "autocapitalize": "none",
                    "spellcheck": "false",
                    "dir": "ltr",
                    "lang": "en",
                },
            ),
        )
    form = Bound()
    form.bind(eligible)
    form.slots, form.expected = key.threshold, (key.share_identifier, key.threshold)
    return form


# The view -----------------------------------------------------------------------------------


@bp.route(BASE, methods=["GET", "POST"], endpoint="form")
@organiser_route(Permission.RUN_LIFECYCLE)
def reshare_key(
    organisation: Organisation, membership: Membership, slug: str
) -> ResponseReturnValue:
    """The form; sent, it re-shares the key and answers with the new shares, once."""
    consultation = consultations.get(organisation, slug)
    key = services.sealing_key(consultation)
    if key is None:
        if request.method == "POST":
            raise services.NoKey()
        return _page(organisation, membership, consultation, None, None)
    form = reshare_form(key, eligible_trustees(organisation))
    if request.method == "GET":
        form.current_set.data = str(key.share_identifier)
        return _page(organisation, membership, consultation, key, form)
    reshare_service.ensure_current(key, form.expected_set)  # a stale page: 409, nothing echoed
    valid = form.validate_on_submit()
    shares = form.shares
    form.forget_shares()
    if not valid:
        return _page(organisation, membership, consultation, key, form, status=400)
    try:
        ceremony = reshare_service.reshare(
            consultation, membership.user, shares, form.trustee_ids, form.k, form.expected_set
        )
    except reshare_service.SharesRefused as error:
        problems = [str(error.message)]
        return _page(organisation, membership, consultation, key, form, problems, 400)
    db.session.commit()
    flash(
        _("The key was re-shared. The previous shares no longer open it: destroy them."),
        "success",
    )
    return _shares_page(organisation, consultation, ceremony, form)


def _page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    key: SealingKey | None,
    form: ReshareForm | None,
    problems: Sequence[str] = (),
    status: int = 200,
) -> Response:
    html = render_template(
        "sealed/reshare.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        key=key,
        holders=_holders(key),
        form=form,
        problems=problems,
        is_offline=key is not None and key.mode is CeremonyMode.OFFLINE,
        enough_trustees=form is not None and len(form.eligible) >= 2,
    )
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response
