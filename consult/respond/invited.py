"""The invited channel, ``/<lang>/c/<slug>/i/<token>``: an invited organisation answers by name.

The link's token is the only credential: the database keeps its SHA-256
(:func:`consult.tokens.digest`), and the token appears in no URL but the page's own address
(which the form posts back to); the site's ``Referrer-Policy: same-origin`` keeps it from
other sites. The organisation and its stakeholder group come from the invitation and cannot be
changed, whatever the form sends; the jurisdiction too, where the invitation names one the
questionnaire offers. The respondent may save a draft, kept with the invitation (the only
server-side draft of the product, DESIGN.md §9) and never counted in any result, and says
whether the response may be published in full under the organisation's name.

Pages are the open channel's (one page or one question at a time, without JavaScript), with
the fixed profile, the consent question and a "Save and continue later" button.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HTTPResponse

from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import LinkInvalid, NotFound
from consult.extensions import csrf, db
from consult.i18n.content import current_language
from consult.opcat.vocabulary import STAKEHOLDERS
from consult.questionnaires.answers import (
    ProfileRules,
    Submission,
    clean_text,
    field_names,
    localized_numbers,
)
from consult.questionnaires.schema import Channel
from consult.respond import flow as flows
from consult.respond import services
from consult.respond.display import Words
from consult.respond.models import Invitation, InvitationDraft, Response
from consult.respond.views import _closed, _Page, _public, add_lang, pull_lang
from consult.tokens import digest

bp = Blueprint("invited", __name__, url_prefix="/<lang>")
bp.url_value_preprocessor(pull_lang)
bp.url_defaults(add_lang)

#: Largest draft kept, as stored (JSON, UTF-8): far above any real questionnaire's answers.
DRAFT_MAX_BYTES = 200 * 1024
#: The form field of the publication consent, and its answers.
CONSENT = "consent"
CONSENT_ANSWERS = ("yes", "no")
#: How long the thank-you address names the organisation it thanks.
THANKS_MAX_AGE = 24 * 3600
THANKS_SALT = "consult.invited.thanks"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")

NEED_CONSENT = _l("Say whether your organisation's response may be published in full.")
TOO_LONG_TO_SAVE = _l("This answer is too long to keep in a draft. Shorten it, then save again.")
DRAFT_TOO_LARGE = _l(
    "Your draft was not saved: it is larger than a draft may be. "
    "Shorten your longest answers, then save again."
)


class UnknownInvitation(NotFound):
    default_message = _l(
        "This link is not valid. Check that you opened the whole link from your invitation, "
        "or ask the organisers of the consultation for a new one."
    )


class InvitationWithdrawn(LinkInvalid):
    default_message = _l(
        "This invitation was withdrawn by the organisers of the consultation. "
        "If you think this is a mistake, please contact them."
    )


class InvitationUsed(LinkInvalid):
    default_message = _l("This invitation has already been used to answer. Thank you.")


# Services: plain arguments, flush but never commit -------------------------------------------


def find(consultation: Consultation, token: str) -> Invitation:
    """The invitation of ``consultation`` whose link holds ``token``, answered or not.

    Raises :class:`UnknownInvitation` when there is none, :class:`InvitationWithdrawn` when
    the organisers revoked it before it was answered.
    """
    invitation = (
        db.session.scalar(
            select(Invitation).where(
                Invitation.consultation_id == consultation.id,
                Invitation.token_hash == digest(token),
            )
        )
        if _TOKEN.fullmatch(token)
        else None
    )
    if invitation is None:
        raise UnknownInvitation()
    if invitation.revoked_at is not None and invitation.answered_at is None:
        raise InvitationWithdrawn()
    return invitation


def answered_with(consultation: Consultation, invitation: Invitation, submission_key: str) -> bool:
    """Whether ``invitation`` was answered from the form of ``submission_key`` (a retry)."""
    found = db.session.scalar(
        select(Response.id).where(
            Response.invitation_id == invitation.id,
            Response.submission_key_hash == services.key_hash(consultation, submission_key),
        )
    )
    return found is not None


def fixed_profile(
    rules: ProfileRules, invitation: Invitation
) -> tuple[ProfileRules, dict[str, str]]:
    """The profile rules of an invited respondent, and the fields the invitation fixes.

    The group is the invitation's; so is the jurisdiction, where the invitation names one the
    questionnaire offers (otherwise it is asked). The organisation is not asked at all.
    """
    fixed = {"p-category": invitation.stakeholder_category}
    jurisdictions = rules.jurisdictions
    if invitation.jurisdiction and invitation.jurisdiction in rules.jurisdictions:
        fixed["p-jurisdiction"] = invitation.jurisdiction
        jurisdictions = [invitation.jurisdiction]
    rules = replace(
        rules,
        categories=[invitation.stakeholder_category],
        jurisdictions=jurisdictions,
        ask_organisation=False,
    )
    return rules, fixed


def draft_fields(form: MultiDict[str, str], names: set[str]) -> list[list[str]]:
    """The answers of ``form`` worth keeping: fields among ``names``, cleaned, in form order."""
    kept = []
    for name in form:
        if name in names:
            kept += [[name, value] for value in map(clean_text, form.getlist(name)) if value]
    return kept


def too_large(fields: list[list[str]]) -> str | None:
    """The field to shorten when ``fields`` make a draft larger than :data:`DRAFT_MAX_BYTES`."""
    if len(json.dumps(fields, ensure_ascii=False).encode("utf-8")) <= DRAFT_MAX_BYTES:
        return None
    return max(fields, key=lambda pair: len(pair[1]))[0]


def save_draft(invitation: Invitation, fields: list[list[str]]) -> InvitationDraft:
    """Keep ``fields`` as the invitation's draft, in place of any earlier one."""
    if too_large(fields) is not None:
        raise ValueError("a draft must be checked with too_large() first")
    draft = invitation.draft or InvitationDraft(invitation_id=invitation.id)
    draft.fields, draft.saved_at = fields, utcnow()
    invitation.draft = draft
    db.session.flush()
    return draft


def draft_form(invitation: Invitation, names: set[str]) -> MultiDict[str, str]:
    """The saved draft as the form it came from (only fields among ``names``)."""
    form: MultiDict[str, str] = MultiDict()
    for name, value in invitation.draft.fields if invitation.draft else []:
        if name in names:
            form.add(name, value)
    return form


def answer(
    consultation: Consultation,
    invitation: Invitation,
    submission: Submission,
    *,
    consent: bool,
    locale: str,
    submission_key: str,
) -> Response:
    """Store the invitation's response once, under the organisation's name; spend the link.

    The response is linked to the invitation with its publication consent, the invitation is
    marked answered and its draft deleted. A retry with the same submission key returns the
    response stored before. Raises :class:`InvitationUsed` when another form answered the
    invitation meanwhile, and whatever :func:`consult.respond.services.store` raises.
    """
    submission.profile.organisation = invitation.organisation_name
    submission.profile.category = invitation.stakeholder_category
    response = services.store(
        consultation, Channel.INVITED, submission, locale=locale, submission_key=submission_key
    )
    if response.invitation_id not in (None, invitation.id):
        raise InvitationUsed()
    response.invitation_id, response.publication_consent = invitation.id, consent
    invitation.answered_at = invitation.answered_at or utcnow()
    invitation.draft = None
    try:
        db.session.flush()
    except IntegrityError:  # a parallel request answered with another form a moment ago
        raise InvitationUsed() from None
    return response


def thanks_token(invitation: Invitation) -> str:
    """What the thank-you address carries to name the organisation: never the link's token."""
    return _serializer().dumps(invitation.id)


def thanked(consultation: Consultation, signed: str) -> tuple[str, bool] | None:
    """The organisation named by a thank-you address, and its consent (``None`` if stale)."""
    try:
        invitation_id = _serializer().loads(signed, max_age=THANKS_MAX_AGE)
    except BadData:
        return None
    row = db.session.execute(
        select(Invitation.organisation_name, Response.publication_consent)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.id == invitation_id, Invitation.consultation_id == consultation.id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=THANKS_SALT)


# Views -----------------------------------------------------------------------------------------


@bp.route("/c/<slug>/i/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the page, so that an expired form comes back with its answers
def respond(slug: str, token: str) -> HTTPResponse | tuple[str, int]:
    """The questionnaire of an invited organisation (GET), its drafts and its sending (POST)."""
    consultation = _public(slug)
    invitation = find(consultation, token)
    if invitation.answered_at is not None:
        return _answered(consultation, invitation)
    if not consultation.is_accepting():
        return _closed(consultation)
    page = _InvitedPage.build(consultation, invitation)
    if request.method == "GET":
        return page.render(flows.PROFILE)
    return page.handle()


def _answered(consultation: Consultation, invitation: Invitation) -> HTTPResponse:
    """The form that answered, sent again (a double click, a retry): thanks again.

    Raises :class:`InvitationUsed` for anything else: the link cannot answer twice.
    """
    key = request.form.get("submission_key", "") if request.method == "POST" else ""
    if flows.valid_submission_key(key) and answered_with(consultation, invitation, key):
        return _to_thanks(consultation, invitation)
    raise InvitationUsed()


@bp.get("/c/<slug>/invited/thanks")
def thanks(slug: str) -> str:
    """Thanks to the organisation by name (for a day; later, simply thanks)."""
    consultation = _public(slug)
    found = thanked(consultation, request.args.get("r", ""))
    organisation, consent = found if found else (None, False)
    return render_template(
        "invited/thanks.html", consultation=consultation, organisation=organisation, consent=consent
    )


def _to_thanks(consultation: Consultation, invitation: Invitation) -> HTTPResponse:
    url = url_for(".thanks", slug=consultation.slug, r=thanks_token(invitation))
    return redirect(url, code=303)


@dataclass
class _InvitedFlow(flows.Flow):
    """The open channel's way through the questionnaire, with a fixed profile and a consent."""

    #: Profile fields set by the invitation, whatever the form says.
    fixed: dict[str, str] = field(default_factory=dict)

    @property
    def consent(self) -> str | None:
        value = self.form.get(CONSENT)
        return value if value in CONSENT_ANSWERS else None

    def carried(self, showing: list[str]) -> list[tuple[str, str]]:
        return [(n, v) for n, v in super().carried(showing) if n not in self.fixed]

    def submission(self) -> Submission:
        """The checked answers; the consent is required too (asked last)."""
        submission = super().submission()
        if self.consent is None:
            submission.errors[CONSENT] = NEED_CONSENT
        return submission

    def first_step_with(self, errors: dict[str, LazyString]) -> str:
        others = {name: error for name, error in errors.items() if name != CONSENT}
        return super().first_step_with(others) if others else flows.REVIEW

    def draft_names(self) -> set[str]:
        """The fields a draft keeps: every question's, and the profile's that are asked."""
        names = {name for q in self.questions for name in field_names(q, self.document)}
        if self.rules.jurisdictions and "p-jurisdiction" not in self.fixed:
            names.add("p-jurisdiction")
        if self.rules.ask_place:
            names.add("p-place")
        return names


class _InvitedPage(_Page):
    """A questionnaire page of one invitation: drafts, a fixed profile, a consent, a name."""

    template = "invited/questionnaire.html"
    invitation: Invitation
    flow: _InvitedFlow
    #: This request saved a draft.
    saved = False

    @classmethod
    def build(cls, consultation: Consultation, invitation: Invitation) -> _InvitedPage:
        """This request's page; its form is what was sent, or else the saved draft.

        Raises ``NotFound`` when the invited channel asks no question.
        """
        document = consultation.shared_document()
        questions = services.questions_for(document, Channel.INVITED)
        if not questions:
            raise NotFound()
        locale = current_language()
        rules, fixed = fixed_profile(
            services.profile_rules(consultation, document, Channel.INVITED, locale), invitation
        )
        flow = _InvitedFlow(document, questions, rules, MultiDict(), fixed)
        sent = request.method == "POST"
        form = (
            localized_numbers(MultiDict(request.form), questions, locale)
            if sent
            else draft_form(invitation, flow.draft_names())
        )
        form.poplist("p-organisation")  # never asked: the invitation names the organisation
        for name, value in fixed.items():
            form.setlist(name, [value])
        flow.form = form  # before anything reads it (``visible`` is computed once)
        page = cls(consultation, Channel.INVITED, flow, False, locale)
        page.invitation = invitation
        return page

    def button(self, nav: str, step: str) -> tuple[str, int] | None:
        return self.save(step) if nav == "save" else None

    def save(self, step: str) -> tuple[str, int]:
        """Keep the answers so far as the draft, and show the same page again."""
        fields = draft_fields(self.flow.form, self.flow.draft_names())
        oversized = too_large(fields)
        if oversized is not None:
            errors = {oversized: TOO_LONG_TO_SAVE}
            shown = self.flow.first_step_with(errors) if self.mode == "steps" else step
            return self.render(shown, errors=errors, notice=DRAFT_TOO_LARGE, status=400)
        save_draft(self.invitation, fields)
        db.session.commit()
        self.saved = True
        return self.render(step)

    def store(self, submission: Submission) -> HTTPResponse:
        """Store the named response, commit, and thank the organisation."""
        answer(
            self.consultation,
            self.invitation,
            submission,
            consent=self.flow.consent == "yes",
            locale=self.locale,
            submission_key=self.key,
        )
        db.session.commit()
        return _to_thanks(self.consultation, self.invitation)

    def context(self, step: str) -> dict[str, Any]:
        """Who answers, what the invitation fixed, the consent, and the draft's news."""
        consultation, invitation, flow = self.consultation, self.invitation, self.flow
        default = consultation.default_locale
        groups = dict(services.category_choices(flow.document, self.channel, self.locale, default))
        regions = dict(services.jurisdiction_choices(consultation, flow.document, self.locale))
        fixed_region = flow.fixed.get("p-jurisdiction")
        draft = invitation.draft
        return {
            **super().context(step),
            "invitation": invitation,
            "category_label": groups.get(invitation.stakeholder_category)
            or STAKEHOLDERS.label(invitation.stakeholder_category),
            "jurisdiction_label": regions.get(fixed_region) if fixed_region else None,
            "ask_jurisdiction": bool(regions) and not fixed_region,
            "consent": flow.consent,
            "draft_saved": self.saved,
            "draft_restored": draft.saved_at if draft and request.method == "GET" else None,
        }

    def error_items(
        self, words: Words, errors: dict[str, LazyString]
    ) -> list[tuple[str, str, str]]:
        items = super().error_items(words, errors)
        if CONSENT in errors:
            items.append((CONSENT, "", str(errors[CONSENT])))
        return items
