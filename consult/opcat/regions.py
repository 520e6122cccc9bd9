"""World regions of countries, to filter the observatory: CLDR's territory containment.

CLDR groups territories by the UN M49 standard (``002`` Africa, ``019`` Americas, ``142`` Asia,
``150`` Europe, ``009`` Oceania). Babel ships the **names** of those regions in every locale
(``Locale.territories["150"]``) but not the containment itself, so the five top-level groups
are kept here, from CLDR's ``territoryContainment`` (``supplementalData.xml``). Antarctica and
the other outlying territories belong to no region.
"""

from __future__ import annotations

from babel import Locale

#: ``{M49 code: members, by sub-region, separated by spaces}``.
_MEMBERS: dict[str, str] = {
    "002": (
        # Northern, Eastern, Middle, Southern and Western Africa
        "DZ EG EH LY MA SD TN "
        "BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW "
        "AO CD CF CG CM GA GQ ST TD "
        "BW LS NA SZ ZA "
        "BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG"
    ),
    "019": (
        # Caribbean, Central, South and Northern America
        "AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI "
        "BZ CR GT HN MX NI PA SV "
        "AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE "
        "BM CA GL PM US"
    ),
    "142": (
        # Central, Eastern, South-eastern, Southern and Western Asia
        "KG KZ TJ TM UZ "
        "CN HK JP KP KR MN MO TW "
        "BN ID KH LA MM MY PH SG TH TL VN "
        "AF BD BT IN IR LK MV NP PK "
        "AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE"
    ),
    "150": (
        # Eastern, Northern, Southern and Western Europe
        "BG BY CZ HU MD PL RO RU SK UA "
        "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ "
        "AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA XK "
        "AT BE CH DE FR LI LU MC NL"
    ),
    "009": (
        # Australia and New Zealand, Melanesia, Micronesia, Polynesia
        "AU CC CX HM NF NZ FJ NC PG SB VU FM GU KI MH MP NR PW UM AS CK NU PF PN TK TO TV WF WS"
    ),
}
REGIONS: dict[str, frozenset[str]] = {
    region: frozenset(codes.split()) for region, codes in _MEMBERS.items()
}


def region_of(country: str) -> str | None:
    """The M49 code of the region containing ``country`` (ISO alpha-2), if any."""
    code = country.upper()
    return next((region for region, members in REGIONS.items() if code in members), None)


def region_name(region: str, locale: str) -> str:
    """The region's name in ``locale``, from CLDR through Babel."""
    return Locale.parse(locale).territories.get(region, region)


def region_choices(locale: str) -> list[tuple[str, str]]:
    """``(code, name)`` of every region, sorted by name in ``locale``."""
    return sorted(((r, region_name(r, locale)) for r in REGIONS), key=lambda pair: pair[1])
