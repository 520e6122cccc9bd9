"""Roles, permissions and the matrix between them (DESIGN.md §2). Pure: no Flask, no database.

Every organiser route names one :class:`Permission`; whether a member has it depends on the
matrix below and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    OWNER = "owner"
    ORGANISER = "organiser"
    TRUSTEE = "trustee"
    FACILITATOR = "facilitator"
    ANALYST = "analyst"
    PUBLISHER = "publisher"


class Permission(StrEnum):
    #: See the organisation's dashboard and consultations (any active member).
    VIEW = "view"
    MANAGE_MEMBERS = "manage_members"
    EDIT_CONSULTATIONS = "edit_consultations"
    RUN_LIFECYCLE = "run_lifecycle"
    HOLD_SHARE = "hold_share"
    ASSISTED_ENTRY = "assisted_entry"
    READ_RESPONSES = "read_responses"
    PUBLISH = "publish"


MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(
        {Permission.MANAGE_MEMBERS, Permission.EDIT_CONSULTATIONS, Permission.RUN_LIFECYCLE}
    ),
    Role.ORGANISER: frozenset({Permission.EDIT_CONSULTATIONS, Permission.RUN_LIFECYCLE}),
    Role.TRUSTEE: frozenset({Permission.HOLD_SHARE}),
    Role.FACILITATOR: frozenset({Permission.ASSISTED_ENTRY}),
    Role.ANALYST: frozenset({Permission.READ_RESPONSES}),
    Role.PUBLISHER: frozenset({Permission.PUBLISH}),
}

#: Roles that can read or unlock sealed data, or give others that power: two-factor
#: authentication applies to them where the organisation enforces it.
SENSITIVE_ROLES = frozenset({Role.OWNER, Role.TRUSTEE, Role.ANALYST, Role.PUBLISHER})

ROLE_LABELS: dict[Role, LazyString] = {
    Role.OWNER: _l("Owner"),
    Role.ORGANISER: _l("Organiser"),
    Role.TRUSTEE: _l("Trustee"),
    Role.FACILITATOR: _l("Facilitator"),
    Role.ANALYST: _l("Analyst"),
    Role.PUBLISHER: _l("Publisher"),
}

ROLE_DESCRIPTIONS: dict[Role, LazyString] = {
    Role.OWNER: _l("Manages members and their roles; can also edit and run consultations."),
    Role.ORGANISER: _l(
        "Creates and edits consultations, questionnaires and invitations; opens "
        "and closes consultations."
    ),
    Role.TRUSTEE: _l(
        "Holds one share of a consultation's opening key and takes part in unsealing."
    ),
    Role.FACILITATOR: _l("Enters paper forms and assisted interviews from places of detention."),
    Role.ANALYST: _l("Reads responses, including unredacted free text, and redacts quotations."),
    Role.PUBLISHER: _l("Approves quotations, publishes reports and records the designation."),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    """Every permission that a set of roles grants; any member may :attr:`Permission.VIEW`."""
    granted = {Permission.VIEW}
    for role in roles:
        granted |= MATRIX[Role(role)]
    return frozenset(granted)


def allows(roles: Iterable[Role], permission: Permission) -> bool:
    return permission in permissions_of(roles)
