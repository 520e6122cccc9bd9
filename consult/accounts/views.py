"""Sign-in, account settings, members and invitations (``/admin/…``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from consult.accounts import services, sessions, signin, two_factor
from consult.accounts.access import organiser_route
from consult.accounts.forms import (
    AccountForm,
    InviteForm,
    JoinExistingForm,
    JoinForm,
    LoginForm,
    PasswordChangeForm,
    ResetForm,
    ResetRequestForm,
    RolesForm,
    SecondFactorForm,
    TwoFactorPolicyForm,
)
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import ROLE_DESCRIPTIONS, ROLE_LABELS, Permission, Role
from consult.accounts.throttle import TooManyAttempts
from consult.accounts.two_factor_views import bp as two_factor_bp
from consult.accounts.web import FORM_ERRORS, client_address
from consult.accounts.web import form_error as _form_error
from consult.accounts.web import sign_in as _sign_in
from consult.extensions import db
from consult.forms import ActionForm
from consult.i18n.numbers import ngettext
from consult.mail import mailer
from consult.urls import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/admin")
bp.register_blueprint(two_factor_bp)

#: Where the session keeps the token of a sign-in that waits for its second factor.
CHALLENGE = "login_challenge"


@bp.get("/")
@login_required
def index() -> Response | str:
    """The organisations of the signed-in user; straight to the dashboard when there is one."""
    organisations = services.organisations_of(current_user)
    if len(organisations) == 1:
        return redirect(url_for("consultations.dashboard", org=organisations[0].slug))
    return render_template("accounts/index.html", organisations=organisations)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    """The password step; the same answer for every failure, account or not."""
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 200
    email, password = form.email.data or "", form.password.data or ""
    try:
        accepted = signin.password_step(email, password, client_address())
    except (services.LoginFailed, TooManyAttempts) as error:
        db.session.commit()  # the failure counts
        _form_error(form, "password", error)
        return render_template("accounts/login.html", form=form), _failure_status(error)
    return _continue_sign_in(accepted, safe_next(form.next.data, url_for("accounts.index")))


def _failure_status(error: Exception) -> int:
    """A lock-out answers 429; a wrong password or code re-shows the form with 200."""
    return error.status if isinstance(error, TooManyAttempts) else 200


def _continue_sign_in(accepted: signin.PasswordAccepted, target: str) -> Response:
    """Sign in, or send to the code step holding only the challenge token (commits)."""
    if accepted.challenge is None:
        _sign_in(accepted.user)
        db.session.commit()
        return redirect(target)
    session.clear()
    session[CHALLENGE] = accepted.challenge
    db.session.commit()
    return redirect(url_for("accounts.login_code", next=target))


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response | tuple[str, int]:
    """The second step: a code from the authenticator app, or a recovery code."""
    token = session.get(CHALLENGE)
    try:
        signin.open_challenge(token)
    except signin.ChallengeExpired as expired:
        flash(str(expired.message), "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = SecondFactorForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("accounts/login_code.html", form=form), 200
    try:
        user, factor = signin.code_step(token, form.code.data or "", client_address())
    except (two_factor.CodeWrong, TooManyAttempts) as error:
        db.session.commit()  # the failure counts
        _form_error(form, "code", error)
        return render_template("accounts/login_code.html", form=form), _failure_status(error)
    _sign_in(user)
    left = two_factor.remaining_recovery_codes(user) if factor is two_factor.Factor.RECOVERY else 0
    db.session.commit()
    if factor is two_factor.Factor.RECOVERY:
        _flash_codes_left(left)
    return redirect(safe_next(form.next.data, url_for("accounts.index")))


def _flash_codes_left(left: int) -> None:
    flash(
        ngettext(
            "You used a recovery code: %(num)s is left. Make new ones in your account.",
            "You used a recovery code: %(num)s are left. Make new ones in your account.",
            left,
        ),
        "info",
    )


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        sessions.end(current_user.session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Response | str:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data or "")
        db.session.commit()
        flash(
            _("If this address has an account, a link to choose a new password is on its way."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form, mail_enabled=mailer().enabled)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str:
    services.open_reset(token)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data or "")
        except FORM_ERRORS as error:
            _form_error(form, "password", error)
        else:
            db.session.commit()
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> Response | tuple[str, int]:
    """Accept a member invitation, creating an account unless the address already has one."""
    invitation = services.open_invitation(token)
    existing = services.find_user(invitation.email)
    form: FlaskForm = JoinExistingForm() if existing else JoinForm()
    status = 200
    if form.validate_on_submit():
        data = form.data
        try:
            accepted = signin.join(
                token,
                password=data["password"],
                name=data.get("name", ""),
                locale=data.get("locale", "en"),
                address=client_address(),
            )
        except (*FORM_ERRORS, TooManyAttempts) as error:
            if isinstance(error, services.LoginFailed):
                db.session.commit()  # the failure counts
            _form_error(form, "password", error)
            status = _failure_status(error)
        else:
            dashboard = url_for("consultations.dashboard", org=invitation.organisation.slug)
            response = _continue_sign_in(accepted, dashboard)
            flash(
                _("Welcome to %(organisation)s.", organisation=invitation.organisation.name),
                "success",
            )
            return response
    return render_template(
        "accounts/join.html",
        form=form,
        invitation=invitation,
        existing=existing,
        role_labels=ROLE_LABELS,
    ), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Response | str:
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        services.update_account(current_user, form.name.data or "", form.locale.data or "")
        db.session.commit()
        flash(_("Your account has been updated."), "success")
        return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html", form=form, password_form=PasswordChangeForm(formdata=None)
    )


@bp.post("/account/password")
@login_required
def change_password() -> Response | tuple[str, int]:
    password_form = PasswordChangeForm()
    if password_form.validate_on_submit():
        if not services.verify_password(current_user, password_form.current.data or ""):
            password_form.current.errors = [_("This is not your current password.")]
        else:
            user = current_user._get_current_object()
            services.set_password(user, password_form.password.data or "")
            _sign_in(user)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html", form=AccountForm(obj=current_user), password_form=password_form
    ), 400


# Members of an organisation -------------------------------------------------------------


def _members_page(
    organisation: Organisation,
    invite_form: InviteForm | None = None,
    new_link: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "accounts/members.html",
        organisation=organisation,
        members=services.members(organisation),
        invitations=services.pending_invitations(organisation),
        invite_form=invite_form or InviteForm(formdata=None),
        roles_form=RolesForm,
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
        role_descriptions=ROLE_DESCRIPTIONS,
        roles=list(Role),
        policy_form=TwoFactorPolicyForm(
            formdata=None, required=organisation.is_two_factor_required
        ),
        new_link=new_link,
        mail_enabled=mailer().enabled,
    ), status


@bp.get("/<org>/members/")
@organiser_route(Permission.MANAGE_MEMBERS)
def members(organisation: Organisation, membership: Membership) -> tuple[str, int]:
    return _members_page(organisation)


@bp.post("/<org>/members/invite")
@organiser_route(Permission.MANAGE_MEMBERS)
def invite(organisation: Organisation, membership: Membership) -> tuple[str, int]:
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(organisation, form, status=400)
    try:
        _invitation, token = services.invite_member(
            organisation,
            form.email.data or "",
            [Role(r) for r in form.roles.data or []],
            membership.user,
        )
    except FORM_ERRORS as error:
        _form_error(form, "email", error)
        return _members_page(organisation, form, status=400)
    db.session.commit()
    link = url_for("accounts.join", token=token, _external=True)
    flash(_("Invitation created for %(email)s.", email=form.email.data), "success")
    return _members_page(organisation, new_link=link)


@bp.post("/<org>/members/two-factor")
@organiser_route(Permission.MANAGE_MEMBERS)
def two_factor_policy(organisation: Organisation, membership: Membership) -> Response:
    """Turn the organisation's two-factor rule on or off."""
    form = TwoFactorPolicyForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.members", org=organisation.slug))
    try:
        two_factor.set_required(organisation, bool(form.required.data), membership.user)
    except FORM_ERRORS as error:
        flash(str(error.message), "error")
        return redirect(url_for("accounts.members", org=organisation.slug))
    db.session.commit()
    flash(
        _("Two-factor authentication is now required for these roles.")
        if organisation.is_two_factor_required
        else _("Two-factor authentication is no longer required."),
        "success",
    )
    return redirect(url_for("accounts.members", org=organisation.slug))


@bp.post("/<org>/members/<int:member_id>/roles")
@organiser_route(Permission.MANAGE_MEMBERS)
def change_roles(
    organisation: Organisation, membership: Membership, member_id: int
) -> Response | tuple[str, int]:
    member = services.get_membership(organisation, member_id)
    form = RolesForm(prefix=f"m{member_id}")
    if not form.validate_on_submit():
        flash(_("Choose at least one role."), "error")
        return _members_page(organisation, status=400)
    services.set_roles(member, [Role(r) for r in form.roles.data or []], membership.user)
    db.session.commit()
    flash(_("Roles of %(name)s updated.", name=member.user.name), "success")
    return redirect(url_for("accounts.members", org=organisation.slug))


@bp.post("/<org>/members/<int:member_id>/deactivate")
@organiser_route(Permission.MANAGE_MEMBERS)
def deactivate(organisation: Organisation, membership: Membership, member_id: int) -> Response:
    return _set_active(organisation, membership, member_id, active=False)


@bp.post("/<org>/members/<int:member_id>/activate")
@organiser_route(Permission.MANAGE_MEMBERS)
def activate(organisation: Organisation, membership: Membership, member_id: int) -> Response:
    return _set_active(organisation, membership, member_id, active=True)


def _set_active(
    organisation: Organisation, membership: Membership, member_id: int, active: bool
) -> Response:
    member = services.get_membership(organisation, member_id)
    services.set_active(member, active, membership.user)
    db.session.commit()
    name = member.user.name
    flash(
        _("%(name)s can act again.", name=name)
        if active
        else _("%(name)s can no longer act.", name=name),
        "success",
    )
    return redirect(url_for("accounts.members", org=organisation.slug))


@bp.post("/<org>/members/<int:member_id>/reset-link")
@organiser_route(Permission.MANAGE_MEMBERS)
def reset_link(
    organisation: Organisation, membership: Membership, member_id: int
) -> tuple[str, int]:
    """Issue a password link for a member, shown once to the owner to hand over."""
    member = services.get_membership(organisation, member_id)
    token = services.issue_reset_link(member.user, membership.user)
    db.session.commit()
    link = url_for("accounts.reset_password", token=token, _external=True)
    flash(
        _(
            "Give this link to %(name)s in person or over a channel you trust; it works once.",
            name=member.user.name,
        ),
        "info",
    )
    return _members_page(organisation, new_link=link)


@bp.post("/<org>/invitations/<int:invitation_id>/revoke")
@organiser_route(Permission.MANAGE_MEMBERS)
def revoke(organisation: Organisation, membership: Membership, invitation_id: int) -> Response:
    services.revoke_invitation(organisation, invitation_id, membership.user)
    db.session.commit()
    flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("accounts.members", org=organisation.slug))
