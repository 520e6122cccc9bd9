"""Forms of the key ceremony: choosing trustees, uploading an offline ceremony, confirming a share.

No form here ever receives a whole share. A trustee confirms with the first four words only:
in SLIP-39 those 40 bits are the share's public header (ceremony identifier, iteration
exponent, group, member index and threshold), and say nothing of the secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from shamir_mnemonic import wordlist
from shamir_mnemonic.constants import (
    EXTENDABLE_FLAG_LENGTH_BITS,
    ID_EXP_LENGTH_WORDS,
    ITERATION_EXP_LENGTH_BITS,
    RADIX_BITS,
)
from shamir_mnemonic.utils import MnemonicError, int_to_indices
from wtforms import Field, HiddenField, SelectField, StringField
from wtforms.validators import ValidationError

from consult.accounts.models import Membership
from consult.forms import MultiCheckboxField, choices, required
from consult.i18n.numbers import lazy_ngettext as _ln
from consult.i18n.numbers import lazy_number
from consult.questionnaires.forms.items import ImportForm
from consult.sealed import crypto, keygen
from consult.sealed.models import CeremonyMode

#: The public header of a SLIP-39 share: identifier and exponent, then group and member.
HEADER_WORDS = ID_EXP_LENGTH_WORDS + 2

MODE_LABELS: dict[CeremonyMode, LazyString] = {
    CeremonyMode.IN_APP: _l("In this application"),
    CeremonyMode.OFFLINE: _l("Offline, with consult-keygen"),
}

NOT_YOUR_SHARE = _l("These words do not match your share.")

#: What each reason of :class:`keygen.UploadError` means to the organiser.
UPLOAD_ERRORS: dict[str, LazyString] = {
    "json": _l("This is not an upload.json file: it is not a JSON object."),
    "format": _l("This is not an upload.json made by consult-keygen (format 1)."),
    "suite": _l("The key in this file uses an encryption suite that this site does not know."),
    "encoding": _l("A key in this file is not valid base64 text."),
    "public_key": _l("The public key in this file has the wrong length or is malformed."),
    "wrapped": _l("The wrapped private key in this file has the wrong length."),
    "key_id": _l("The key id does not match the public key: the file was altered or mixed up."),
    "numbers": _l(
        "The file's numbers are impossible: at least two shares must be needed to open, "
        "no more than were made, and at most 16 can be made."
    ),
}


def read_header(words: str | Sequence[str]) -> crypto.ShareInfo:
    """The ceremony identifier, share number and threshold in a share's first four words.

    Only the public header is decoded; nothing is checked against a checksum, which needs
    every word. Raises :class:`crypto.ShareError` for anything but four words of the list, or
    a header of a multi-group share (ceremonies here make one group).
    """
    parts = words.split() if isinstance(words, str) else list(words)
    if len(parts) != HEADER_WORDS:
        raise crypto.ShareError("a share header is four words")
    try:
        indices = wordlist.mnemonic_to_indices(" ".join(parts))
    except MnemonicError:
        raise crypto.ShareError("not a share word") from None
    id_exp = _number(indices[:ID_EXP_LENGTH_WORDS])
    identifier = id_exp >> (EXTENDABLE_FLAG_LENGTH_BITS + ITERATION_EXP_LENGTH_BITS)
    group, group_threshold, group_count, index, threshold = int_to_indices(
        _number(indices[ID_EXP_LENGTH_WORDS:]), 5, 4
    )
    if (group, group_threshold, group_count) != (0, 0, 0):
        raise crypto.ShareError("not a single-group share")
    return crypto.ShareInfo(identifier, index + 1, threshold + 1)


def _number(indices: Sequence[int]) -> int:
    value = 0
    for index in indices:
        value = (value << RADIX_BITS) + index
    return value


def trustee_label(member: Membership) -> str:
    """Name and address: two trustees may share a name."""
    return f"{member.user.name} ({member.user.email})"


# The in-app ceremony ------------------------------------------------------------------------


class CeremonyForm(FlaskForm):
    """Trustees (each gets a share, in the order listed) and how many shares open the key."""

    trustees = MultiCheckboxField(
        _l("Trustees"),
        validate_choice=False,
        description=_l(
            "Each trustee chosen receives one share. Choose between 2 and 16 members who "
            "hold the trustee role."
        ),
    )
    threshold = SelectField(
        _l("Shares needed to open the answers"),
        validate_choice=False,
        description=_l(
            "If as many shares are needed as there are trustees, losing one share locks the "
            "answers for ever; fewer makes it easier for trustees to agree to open early."
        ),
    )
    #: The key this ceremony replaces (empty for none): a resubmitted form changes nothing.
    current_key = HiddenField()
    eligible: list[Membership]

    def bind(self, eligible: Sequence[Membership]) -> CeremonyForm:
        self.eligible = list(eligible)
        self.trustees.choices = choices((str(m.user_id), trustee_label(m)) for m in eligible)
        numbers = range(2, crypto.MAX_TRUSTEES + 1)
        self.threshold.choices = choices((str(k), str(k)) for k in numbers)
        return self

    @property
    def trustee_ids(self) -> list[int]:
        """The chosen members' user ids, in the order of the list (share 1, 2, …)."""
        chosen = set(self.trustees.data or ())
        return [m.user_id for m in self.eligible if str(m.user_id) in chosen]

    @property
    def k(self) -> int:
        return int(self.threshold.data or 0)

    def validate_trustees(self, field: Field) -> None:
        _check_trustees(self.eligible, list(field.data or ()))

    def validate_threshold(self, field: Field) -> None:
        if field.data not in {str(k) for k in range(2, crypto.MAX_TRUSTEES + 1)}:
            raise ValidationError(str(_l("Choose how many shares are needed to open.")))
        count = len(self.trustee_ids)
        if count >= 2 and self.k > count:
            raise ValidationError(
                str(
                    _ln(
                        "Only %(num)s trustee was chosen: no more shares than that can be needed.",
                        "Only %(num)s trustees were chosen: no more shares than that can be "
                        "needed.",
                        count,
                    )
                )
            )


def _check_trustees(eligible: Sequence[Membership], values: Sequence[str]) -> None:
    """The rules for any choice of trustees; raises :class:`ValidationError`."""
    allowed = {str(m.user_id) for m in eligible}
    if any(value not in allowed for value in values):
        raise ValidationError(
            str(_l("Choose trustees among the active members who hold the trustee role."))
        )
    if len(set(values)) != len(values):
        raise ValidationError(str(_l("A member can hold only one share.")))
    if len(values) < 2:
        raise ValidationError(str(_l("Choose at least two trustees.")))
    if len(values) > crypto.MAX_TRUSTEES:
        limit = crypto.MAX_TRUSTEES
        raise ValidationError(
            str(_ln("Choose at most %(num)s trustee.", "Choose at most %(num)s trustees.", limit))
        )


def ceremony_form(eligible: Sequence[Membership]) -> CeremonyForm:
    """The form, read from the request when it was sent, for these eligible members."""
    return CeremonyForm().bind(eligible)


# The offline ceremony's upload ----------------------------------------------------------------


class UploadForm(ImportForm):
    """``upload.json`` (a file or pasted text), and which member holds each share.

    A set of checkboxes has no order, and share numbers do: one select per share number
    ("share 1 → member") both chooses the trustees and orders them, without JavaScript.
    """

    current_key = HiddenField()
    #: Filled by :meth:`validate`.
    upload: keygen.Upload | None = None
    slots: int = 0
    eligible: list[Membership]

    def share_fields(self) -> list[SelectField]:
        return [self[f"share_{n}"] for n in range(1, self.slots + 1)]

    @property
    def trustee_ids(self) -> list[int]:
        return [int(f.data) for f in self.share_fields() if f.data]

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        holders_ok = self._check_holders()
        if not valid:
            return False
        try:
            self.upload = keygen.read_upload(self.content)
        except keygen.UploadError as error:
            target = self.file if self.file.data else self.text
            target.errors.append(str(UPLOAD_ERRORS[error.reason]))
            return False
        return holders_ok and self._check_count(self.upload.shares)

    def _check_holders(self) -> bool:
        fields = self.share_fields()
        values = [f.data or "" for f in fields]
        chosen = [v for v in values if v]
        gap = next((i for i, v in enumerate(values) if not v and any(values[i + 1 :])), None)
        if gap is not None:
            fields[gap].errors.append(
                str(_l("Give this share to a member: shares are numbered without gaps."))
            )
            return False
        try:
            _check_trustees(self.eligible, chosen)
        except ValidationError as error:
            fields[0].errors.append(str(error))
            return False
        return True

    def _check_count(self, shares: int) -> bool:
        chosen = len(self.trustee_ids)
        if chosen == shares:
            return True
        message = _ln(
            "The file made %(num)s share: give each share to one trustee, and no more.",
            "The file made %(num)s shares: give each share to one trustee, and no more.",
            shares,
        )
        fields = self.share_fields()
        target = fields[min(chosen, shares, len(fields) - 1)]
        target.errors.append(str(message))
        return False


def upload_form(eligible: Sequence[Membership]) -> UploadForm:
    """The upload form with one select per share the trustees on hand can hold."""
    slots = min(crypto.MAX_TRUSTEES, max(2, len(eligible)))

    class Bound(UploadForm):
        pass

    for number in range(1, slots + 1):
        setattr(
            Bound,
            f"share_{number}",
            SelectField(_l("Share %(number)s", number=lazy_number(number)), validate_choice=False),
        )
    form = Bound()
    form.slots, form.eligible = slots, list(eligible)
    options = choices([("", _l("Nobody")), *((str(m.user_id), trustee_label(m)) for m in eligible)])
    for field in form.share_fields():
        field.choices = options
    return form


# A trustee's confirmation ---------------------------------------------------------------------


class ConfirmForm(FlaskForm):
    """The first four words of a trustee's share, checked against the share they should hold."""

    words = StringField(
        _l("The first four words of your share"),
        validators=[required()],
        description=_l(
            "Only these four words: they say which ceremony and which share you hold, and "
            "nothing of the secret. Never type the other words into a web page."
        ),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "dir": "ltr",
            "lang": "en",
        },
    )
    #: The header the trustee's share must have (set by the view).
    expected: crypto.ShareInfo | None = None

    def validate_words(self, field: Field) -> None:
        typed = (field.data or "").split()
        field.data = ""  # never sent back: someone may have typed their whole share
        if len(typed) > HEADER_WORDS:
            raise ValidationError(
                str(
                    _l(
                        "Type only the first four words of your share: never type the others "
                        "into a web page."
                    )
                )
            )
        if len(typed) < HEADER_WORDS:
            raise ValidationError(str(_l("Type exactly the first four words of your share.")))
        try:
            header = read_header(typed)
        except crypto.ShareError:
            raise ValidationError(str(NOT_YOUR_SHARE)) from None
        if header != self.expected:
            raise ValidationError(str(NOT_YOUR_SHARE))
