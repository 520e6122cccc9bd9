"""The OPCAT vocabulary the application encodes (see ``shared/OPCAT.md``).

Keys are stable identifiers, stored in the database and exports, never shown to users; labels
are translated paraphrases, not treaty text. Import-time strings use ``lazy_gettext`` so they
are translated when rendered, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: a stable key, a translated label, and an optional reference."""

    key: str
    label: LazyString
    #: Article of OPCAT (or the SPT guidelines) the entry rests on, where there is one.
    reference: LazyString | str = ""


class Vocabulary:
    """An ordered, immutable list of terms, looked up by key."""

    def __init__(self, name: str, *terms: Term) -> None:
        self.name = name
        self._terms = terms
        self._by_key = {term.key: term for term in terms}
        if len(self._by_key) != len(terms):
            raise ValueError(f"duplicate key in vocabulary {name}")

    def __iter__(self) -> Iterator[Term]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __getitem__(self, key: str) -> Term:
        return self._by_key[key]

    def keys(self) -> tuple[str, ...]:
        return tuple(self._by_key)

    def label(self, key: str) -> str:
        """The translated label of ``key``; the key itself if unknown (e.g. a removed entry)."""
        term = self._by_key.get(key)
        return str(term.label) if term else key

    def choices(self) -> list[tuple[str, str]]:
        """``(key, label)`` pairs for a form field, in the vocabulary's order."""
        return [(term.key, str(term.label)) for term in self._terms]


SPT_GUIDELINES = _l("SPT guidelines")

GUARANTEES = Vocabulary(
    "guarantees",
    Term(
        "mandate_all_places",
        _l("Visits to any place where people are or may be deprived of liberty, public or private"),
        "4",
    ),
    Term("designated_within_year", _l("Mechanism in place within one year of ratification"), "17"),
    Term("functional_independence", _l("Functional independence of the mechanism"), "18(1)"),
    Term("personnel_independence", _l("Independence of its members and staff"), "18(1)"),
    Term(
        "expertise",
        _l("Members with the required capabilities and professional knowledge"),
        "18(2)",
    ),
    Term(
        "gender_minority_balance",
        _l("Gender balance and representation of ethnic and minority groups"),
        "18(2)",
    ),
    Term("resources", _l("The necessary resources"), "18(3)"),
    Term("paris_principles", _l("Due consideration of the Paris Principles"), "18(4)"),
    Term(
        "regular_examination",
        _l("Regular examination of the treatment of persons deprived of liberty"),
        "19(a)",
    ),
    Term("recommendations", _l("Power to make recommendations to the authorities"), "19(b)"),
    Term("legislative_comments", _l("Comments on existing and draft legislation"), "19(c)"),
    Term(
        "access_information_numbers",
        _l(
            "Access to information on the number of detainees and the number and location of places"
        ),
        "20(a)",
    ),
    Term(
        "access_information_treatment",
        _l("Access to information on treatment and conditions"),
        "20(b)",
    ),
    Term("access_all_places", _l("Access to all places, installations and facilities"), "20(c)"),
    Term(
        "private_interviews",
        _l("Private interviews without witnesses, with an interpreter if needed"),
        "20(d)",
    ),
    Term(
        "choice_of_places_persons",
        _l("Freedom to choose the places to visit and the persons to interview"),
        "20(e)",
    ),
    Term("contact_spt", _l("Contact with the Subcommittee on Prevention of Torture"), "20(f)"),
    Term(
        "no_sanctions",
        _l("No sanction against anyone for communicating with the mechanism"),
        "21(1)",
    ),
    Term(
        "confidentiality",
        _l(
            "Confidential information protected; no personal data published without express consent"
        ),
        "21(2)",
    ),
    Term(
        "dialogue_on_recommendations",
        _l("Authorities examine recommendations and discuss them with the mechanism"),
        "22",
    ),
    Term(
        "annual_report_published",
        _l("Annual reports published and disseminated by the State"),
        "23",
    ),
    Term("privileges_immunities", _l("Privileges and immunities of the members"), "35"),
    Term(
        "legal_basis", _l("Mandate and powers set out in the constitution or a law"), SPT_GUIDELINES
    ),
    Term(
        "open_designation_process",
        _l("Open, transparent and inclusive designation process involving civil society"),
        SPT_GUIDELINES,
    ),
    Term(
        "separate_unit",
        _l(
            "A distinct unit with its own staff and budget where an existing body takes the mandate"
        ),
        SPT_GUIDELINES,
    ),
)

#: How the founding text of a designated NPM treats a guarantee.
GUARANTEE_STATUSES = Vocabulary(
    "guarantee_statuses",
    Term("in_law", _l("Guaranteed in the founding text")),
    Term("in_practice_only", _l("Respected in practice only")),
    Term("absent", _l("Absent")),
    Term("unknown", _l("Unknown")),
)

NPM_MODELS = Vocabulary(
    "npm_models",
    Term("nhri_commission", _l("National human rights commission")),
    Term("ombuds", _l("Ombuds institution")),
    Term("ombuds_plus", _l("Ombuds institution together with NGOs")),
    Term("new_specialised", _l("New specialised body")),
    Term("multiple_bodies", _l("Several existing bodies, one coordinating")),
    Term("decentralised_federal", _l("National and sub-national mechanisms")),
    Term("other", _l("Other arrangement")),
)

LEGAL_BASES = Vocabulary(
    "legal_bases",
    Term("constitution", _l("Constitution")),
    Term("statute", _l("Law adopted by parliament")),
    Term("decree", _l("Decree")),
    Term("ministerial_order", _l("Ministerial order")),
    Term("agreement", _l("Agreement")),
    Term("none", _l("No legal basis")),
)

STAGES = Vocabulary(
    "stages",
    Term("ratified", _l("OPCAT ratified or acceded to")),
    Term("art24_postponed", _l("Obligations postponed under article 24")),
    Term("places_mapped", _l("Oversight bodies and places of detention mapped")),
    Term("consultation_held", _l("National consultation held")),
    Term("model_chosen", _l("Model chosen")),
    Term("proposal_published", _l("Proposal published")),
    Term("bill_tabled", _l("Bill tabled in parliament")),
    Term("law_adopted", _l("Law or other legal basis adopted")),
    Term("budget_allocated", _l("Budget allocated")),
    Term("spt_notified", _l("Subcommittee on Prevention notified")),
    Term("members_appointed", _l("Members selected and appointed")),
    Term("staff_recruited", _l("Staff recruited and trained")),
    Term("operational", _l("First visits carried out")),
    Term("first_annual_report", _l("First annual report published")),
)

STAKEHOLDERS = Vocabulary(
    "stakeholders",
    Term("government_national", _l("National government")),
    Term("government_subnational", _l("Sub-national government")),
    Term("parliament", _l("Parliament")),
    Term("judiciary", _l("Judges and prosecutors")),
    Term("nhri", _l("National human rights institution or ombuds")),
    Term("civil_society", _l("Civil society organisation")),
    Term("professional_body", _l("Professional body")),
    Term("academia", _l("Researchers and universities")),
    Term("deprived_of_liberty", _l("Person deprived of liberty")),
    Term("former_detainee", _l("Former detainee")),
    Term("family", _l("Family of a person deprived of liberty")),
    Term("detention_staff", _l("Staff of a place of detention")),
    Term("media", _l("Media")),
    Term("international", _l("International body or organisation")),
    Term("other", _l("Other")),
)

#: Stakeholder categories that answer through the sealed channel.
SEALED_STAKEHOLDERS = frozenset({"deprived_of_liberty", "former_detainee", "family"})

PLACES = Vocabulary(
    "places",
    Term("police_custody", _l("Police custody")),
    Term("pretrial_remand", _l("Pre-trial detention")),
    Term("prison_sentenced", _l("Prison")),
    Term("juvenile", _l("Juvenile detention")),
    Term("immigration", _l("Immigration detention")),
    Term("psychiatric", _l("Psychiatric institution")),
    Term("social_care", _l("Social care home")),
    Term("child_welfare", _l("Child welfare institution")),
    Term("military", _l("Military detention")),
    Term("border_holding", _l("Border or transit holding area")),
    Term("court_cells", _l("Court cells")),
    Term("transport", _l("Transport of detainees")),
    Term("administrative_other", _l("Other administrative detention")),
)

ALL_VOCABULARIES = (
    GUARANTEES,
    GUARANTEE_STATUSES,
    NPM_MODELS,
    LEGAL_BASES,
    STAGES,
    STAKEHOLDERS,
    PLACES,
)
