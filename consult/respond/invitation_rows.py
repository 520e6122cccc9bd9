"""What a row of invitations may say, and reading a CSV file of them.

A row is ``{column: text}``, from the one-invitation form or a line of a file. Checking it
gives either the fields to create or every problem found, with a translated reason the
organiser can act on. Categories, jurisdictions and languages may be written as keys or,
ignoring case, as their names (in the organiser's language or in English), because people
fill spreadsheets with words, not keys.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.errors import ValidationFailed
from consult.extensions import db
from consult.i18n.locales import display_name
from consult.i18n.numbers import format_number, ngettext
from consult.questionnaires.schema import Channel
from consult.respond.models import Invitation
from consult.respond.services import category_choices, jurisdiction_choices

ORGANISATION_MAX = 200
CONTACT_MAX = 254
#: Invitations one file may hold; more is a mistake or belongs in several files.
MAX_ROWS = 2000
COLUMNS = ("organisation", "category", "jurisdiction", "contact", "language")
#: Header names accepted for each column (compared case- and space-insensitively).
HEADER_NAMES: dict[str, frozenset[str]] = {
    "organisation": frozenset(
        {"organisation", "organization", "organisation name", "organization name", "organisme"}
        | {"organización", "organizacion"}
    ),
    "category": frozenset(
        {"category", "stakeholder category", "catégorie", "categorie", "categoría", "categoria"}
    ),
    "jurisdiction": frozenset({"jurisdiction", "juridiction", "jurisdicción", "jurisdiccion"}),
    "contact": frozenset({"contact", "e-mail", "email", "courriel", "contacto", "correo"}),
    "language": frozenset({"language", "lang", "langue", "idioma", "lengua"}),
}


class BadFile(ValidationFailed):
    """The uploaded file as a whole cannot be read; nothing was imported."""


@dataclass(frozen=True)
class InvitationFields:
    """A checked invitation, ready to create."""

    organisation: str
    category: str
    #: ``None``: the invitee chooses their jurisdiction when answering.
    jurisdiction: str | None
    contact: str | None
    language: str


@dataclass(frozen=True)
class Problem:
    """Why a value of a row is refused; reads as its message."""

    column: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CsvFile:
    """The records of a file, each with the line it starts on, and what its columns hold."""

    records: list[tuple[int, list[str]]]
    #: The column each cell position holds; ``None`` for an unknown header.
    columns: list[str | None]
    #: Header names that are none of the known columns (their cells are not read).
    ignored: list[str]


def check_row(
    consultation: Consultation, row: Mapping[str, str]
) -> tuple[InvitationFields | None, list[Problem]]:
    """Check one invitation given as ``{column: text}`` (see :data:`COLUMNS`).

    Returns the fields when everything is right, else ``None`` and every problem found.
    Categories, jurisdictions and languages may be given by key or, ignoring case, by label.
    """
    return RowChecker(consultation).check(row)


class RowChecker:
    """The rules of one consultation, read once for a whole file."""

    def __init__(self, consultation: Consultation) -> None:
        self.consultation = consultation
        document = consultation.document()
        default = consultation.default_locale
        self.categories = _lookup(
            lambda locale: category_choices(document, Channel.INVITED, locale, default)
        )
        self.jurisdictions = _lookup(
            lambda locale: jurisdiction_choices(consultation, document, locale)
        )
        self.languages = _language_lookup(consultation.offered_locales)
        #: Organisation names taken, normalised, with the line that took them (0: earlier).
        self.taken: dict[str, int] = {
            _fold(name): 0
            for name in db.session.scalars(
                select(Invitation.organisation_name).where(
                    Invitation.consultation_id == consultation.id
                )
            )
        }

    def check(
        self, row: Mapping[str, str], line: int = 0
    ) -> tuple[InvitationFields | None, list[Problem]]:
        values = {column: _clean(row.get(column) or "") for column in COLUMNS}
        problems: list[Problem] = []
        organisation = self._organisation(values["organisation"], line, problems)
        category = self._category(values["category"], problems)
        jurisdiction = self._jurisdiction(values["jurisdiction"], problems)
        contact = _contact(values["contact"], problems)
        language = self._language(values["language"], problems)
        if problems:
            return None, problems
        return InvitationFields(organisation, category, jurisdiction, contact, language), []

    def _organisation(self, name: str, line: int, problems: list[Problem]) -> str:
        if not name:
            problems.append(Problem("organisation", _("The organisation is missing.")))
        elif len(name) > ORGANISATION_MAX:
            problems.append(
                Problem(
                    "organisation",
                    ngettext(
                        "The organisation's name is longer than %(num)s character.",
                        "The organisation's name is longer than %(num)s characters.",
                        ORGANISATION_MAX,
                    ),
                )
            )
        elif (earlier := self.taken.get(_fold(name))) is not None:
            problems.append(Problem("organisation", _duplicate(name, earlier)))
        elif line:
            self.taken[_fold(name)] = line
        return name

    def _category(self, value: str, problems: list[Problem]) -> str:
        if not value:
            problems.append(Problem("category", _("The stakeholder category is missing.")))
            return ""
        key = self.categories.get(_fold(value))
        if key is None:
            problems.append(
                Problem("category", _("Unknown stakeholder category “%(value)s”.", value=value))
            )
        return key or ""

    def _jurisdiction(self, value: str, problems: list[Problem]) -> str | None:
        if not value:
            return None
        key = self.jurisdictions.get(_fold(value))
        if key is None:
            message = (
                _("Unknown jurisdiction “%(value)s”.", value=value)
                if self.jurisdictions
                else _("This consultation does not ask for a jurisdiction; leave it empty.")
            )
            problems.append(Problem("jurisdiction", message))
        return key

    def _language(self, value: str, problems: list[Problem]) -> str:
        if not value:
            return self.consultation.default_locale
        code = self.languages.get(_fold(value))
        if code is None:
            problems.append(
                Problem(
                    "language",
                    _(
                        "“%(value)s” is not a language of this consultation (%(codes)s).",
                        value=value,
                        codes=", ".join(self.consultation.offered_locales),
                    ),
                )
            )
        return code or ""


def check_cells(
    checker: RowChecker, columns: list[str | None], line: int, cells: list[str]
) -> tuple[InvitationFields | None, list[Problem]]:
    """Check a record of a file whose header gave ``columns``."""
    extra = cells[len(columns) :]
    if any(cell.strip() for cell in extra):
        return None, [Problem("", _("This line has more cells than the header line."))]
    row = {column: cell for column, cell in zip(columns, cells, strict=False) if column}
    return checker.check(row, line)


def _duplicate(name: str, line: int) -> str:
    if line:
        return _("“%(name)s” is already on line %(line)s.", name=name, line=format_number(line))
    return _("“%(name)s” is already invited to this consultation.", name=name)


def _contact(value: str, problems: list[Problem]) -> str | None:
    if not value:
        return None
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        address = ""
    if not address or len(address) > CONTACT_MAX:
        problems.append(
            Problem("contact", _("“%(value)s” is not a valid e-mail address.", value=value))
        )
        return None
    return str(address)


def _lookup(pairs_in: Callable[[str], list[tuple[str, str]]]) -> dict[str, str]:
    """``{folded key or label: key}``, labels in the UI language and in English.

    Keys win over labels, and the UI language over English, when two would collide.
    """
    ui = _ui_language()
    found = pairs_in(ui)
    with force_locale("en"):
        english = [(key, str(label)) for key, label in pairs_in("en")]
    lookup = {_fold(key): key for key, _label in found}
    for key, label in [*found, *english]:
        lookup.setdefault(_fold(label), key)
    return lookup


def _language_lookup(codes: Iterable[str]) -> dict[str, str]:
    """Offered languages by code, by name in the UI language, in English or in themselves."""
    ui = _ui_language()
    lookup = {_fold(code): code for code in codes}
    for code in codes:
        for name in (display_name(code, ui), display_name(code, "en"), display_name(code)):
            lookup.setdefault(_fold(name), code)
    return lookup


def _ui_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def _clean(value: str) -> str:
    """Control characters (a NUL breaks PostgreSQL) become spaces; runs of spaces, one."""
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    return " ".join(text.split())


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


# Reading a file ----------------------------------------------------------------------------


def read_csv(data: bytes) -> CsvFile:
    """The records of a CSV file of invitations; :class:`BadFile` when it cannot be read.

    The file is UTF-8 (with or without BOM; UTF-16 with BOM too), separated by commas,
    semicolons or tabs, with a header line naming the columns (case and spaces ignored);
    empty lines are skipped, and at most :data:`MAX_ROWS` records are accepted.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = list(_numbered(reader))
    except csv.Error as error:
        raise BadFile(
            _(
                "The file could not be read as CSV near line %(line)s.",
                line=format_number(reader.line_num),
            )
        ) from error
    if not rows:
        raise BadFile(_("The file is empty."))
    (_line, header), records = rows[0], rows[1:]
    columns, ignored = _columns(header)
    if not records:
        raise BadFile(_("The file has no invitation below its header line."))
    if len(records) > MAX_ROWS:
        raise BadFile(
            ngettext(
                "A file may hold at most %(num)s invitation; split it into several files.",
                "A file may hold at most %(num)s invitations; split it into several files.",
                MAX_ROWS,
            )
        )
    return CsvFile(records, columns, ignored)


def _decode(data: bytes) -> str:
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise BadFile(
            _(
                "The file is not in UTF-8. In your spreadsheet, save it as “CSV UTF-8” "
                "and upload it again."
            )
        ) from None


def _delimiter(text: str) -> str:
    """The separator of the header line: a semicolon (spreadsheets in many languages), a tab
    (“Unicode text”), else a comma."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = Counter(c for c in first if c in ",;\t")
    return max((",", ";", "\t"), key=lambda c: counts[c]) if counts else ","


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Non-empty records, each with the line of the file it starts on."""
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1  # type: ignore[attr-defined]


def _columns(header: list[str]) -> tuple[list[str | None], list[str]]:
    names = {name: column for column, names in HEADER_NAMES.items() for name in names}
    columns = [names.get(_fold(cell).replace("_", " ")) for cell in header]
    if "organisation" not in columns or "category" not in columns:
        raise BadFile(
            _(
                "The first line must name the columns: %(columns)s.",
                columns=", ".join(COLUMNS),
            )
        )
    ignored = [cell.strip() for cell, column in zip(header, columns, strict=True) if not column]
    return columns, [name for name in ignored if name]
