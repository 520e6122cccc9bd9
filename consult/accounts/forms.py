"""Forms of the organiser accounts: sign-in, members, invitations, passwords, 2FA."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length

from consult.accounts.permissions import ROLE_LABELS
from consult.accounts.services import PASSWORD_MAX, PASSWORD_MIN
from consult.forms import MultiCheckboxField, at_most, choices, required
from consult.i18n.locales import UI_LOCALES, display_name
from consult.i18n.numbers import lazy_number


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail address"),
        validators=[required(), at_most(254), Email(message=_l("Enter a valid e-mail address."))],
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Use between %(min)s and %(max)s characters.",
                    min=lazy_number(PASSWORD_MIN),
                    max=lazy_number(PASSWORD_MAX),
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
    )
    return password, confirm


def _role_choices() -> list[SelectChoice]:
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


def _locale_field() -> SelectField:
    return SelectField(
        _l("Language of the interface"),
        choices=choices(((code, display_name(code)) for code in UI_LOCALES), lang=True),
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[required(), at_most(PASSWORD_MAX)])
    next = HiddenField()


class RolesField(MultiCheckboxField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            _l("Roles"),
            choices=_role_choices,
            validators=[InputRequired(message=_l("Choose at least one role."))],
            **kwargs,
        )


class InviteForm(FlaskForm):
    email = _email_field()
    roles = RolesField()


class RolesForm(FlaskForm):
    roles = RolesField()


class JoinForm(FlaskForm):
    """Accept an invitation with a new account."""

    name = StringField(_l("Your name"), validators=[required(), at_most(120)])
    password, confirm = _new_password_fields()
    locale = _locale_field()


class JoinExistingForm(FlaskForm):
    """Accept an invitation with the account that already has this address."""

    password = PasswordField(_l("Password"), validators=[required(), at_most(PASSWORD_MAX)])


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetForm(FlaskForm):
    password, confirm = _new_password_fields()


class AccountForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[required(), at_most(120)])
    locale = _locale_field()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[required(), at_most(PASSWORD_MAX)])
    password, confirm = _new_password_fields()


def _code_field(label: object) -> StringField:
    return StringField(label, validators=[required(), at_most(32)])


class SecondFactorForm(FlaskForm):
    """The second step of signing in."""

    code = _code_field(_l("Code from your authenticator app, or a recovery code"))
    next = HiddenField()


class TwoFactorConfirmForm(FlaskForm):
    """The first code, which proves the authenticator app is set up right."""

    code = _code_field(_l("Code from your authenticator app"))
    next = HiddenField()


class TwoFactorCheckForm(FlaskForm):
    """Password and code again, before switching off or renewing recovery codes."""

    password = PasswordField(_l("Password"), validators=[required(), at_most(PASSWORD_MAX)])
    code = _code_field(_l("Code from your authenticator app, or a recovery code"))


class TwoFactorPolicyForm(FlaskForm):
    required = BooleanField(
        _l("Require two-factor authentication of owners, trustees, analysts and publishers")
    )
