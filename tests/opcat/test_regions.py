"""World regions for the observatory: every country in exactly one, names from CLDR."""

from __future__ import annotations

import pycountry

from consult.opcat.regions import REGIONS, region_choices, region_name, region_of


def test_every_country_but_antarctica_is_in_exactly_one_region() -> None:
    countries = {country.alpha_2 for country in pycountry.countries}
    placed = [code for members in REGIONS.values() for code in members]
    assert len(placed) == len(set(placed)), "a country in two regions"
    assert countries - set(placed) == {"AQ"}


def test_regions_of_countries_that_designated_npms() -> None:
    assert region_of("fr") == "150"
    assert region_of("AR") == "019"
    assert region_of("TN") == "002"
    assert region_of("NZ") == "009"
    assert region_of("KZ") == "142"
    assert region_of("XX") is None  # the demo's fictional State


def test_region_names_are_translated() -> None:
    assert region_name("150", "en") == "Europe"
    assert region_name("150", "fr") == "Europe"
    assert region_name("002", "ar") == "أفريقيا"
    assert region_name("019", "ru") == "Америка"
    assert [code for code, _name in region_choices("en")] == ["002", "019", "142", "150", "009"]
