"""Name forms as string functions (no model): titles, legal forms, acronyms, short names."""

from __future__ import annotations

import pytest

from kg.extract.names import ShortNames, initials, is_acronym, strip_company_suffix, title_length, undot


@pytest.mark.parametrize("name, acronym", [
    ("Northfield Motors Corp", "NM"),  # without its legal form
    ("Ministry of Fisheries and Oceans", "MFO"),  # small words skipped
    ("U.S. Office of Marine Safety", "OMS"),  # without a leading place
    ("Organization for Harbour Safety and Co-operation", "OHSC"),  # a hyphenated word gives its first letter
    ("Pellman Brace Holloway Inc", "PBH"),
    ("The Organization for Harbour Safety", "OHS"),  # without a leading article
])
def test_initials_spell_the_acronyms_a_name_is_written_as(name, acronym):
    assert acronym in initials(name)


def test_an_acronym_inside_a_name_keeps_its_letters():
    """"EU Commission" is not "EU": the acronym of the longer name keeps all of EU."""
    assert "EU" not in initials("EU Commission") and "EUC" in initials("EU Commission")


@pytest.mark.parametrize("written, name", [
    ("Acme Widgets Inc", "Acme Widgets"),
    ("Acme Widgets Inc.", "Acme Widgets"),
    ("Brown, Lowe and Co Inc", "Brown, Lowe"),
    ("Brown, Lowe And Co", "Brown, Lowe"),
    ("Coal Valley Limited", "Coal Valley"),
    ("Kessler AG", "Kessler"),
    ("Harlow Holdings Ltd", "Harlow Holdings"),  # a designator stays in the name it is matched by
    ("Inc", "Inc"),  # a company is never only its legal form
    ("Amnesty International", "Amnesty International"),
])
def test_company_legal_forms_are_stripped(written, name):
    assert strip_company_suffix(written) == name


@pytest.mark.parametrize("text, plain", [("F.B.I.", "FBI"), ("U.N.", "UN"), ("FBI", "FBI"), ("Dr.", "Dr.")])
def test_dotted_acronyms_lose_their_dots(text, plain):
    assert undot(text) == plain


@pytest.mark.parametrize("text, acronym", [("GATT", True), ("U.S.", True), ("G7", False), ("I", False), ("Reuters", False), ("NATO's", False)])
def test_what_is_an_acronym(text, acronym):
    assert is_acronym(text) is acronym


@pytest.mark.parametrize("name, n", [
    ("Ms. Berger", 1),
    ("Vice President Anna Berger", 2),
    ("Secretary of State Anna Berger", 3),
    ("Sheikh Hamad", 1),
    ("Anna Berger", 0),
])
def test_titles_before_a_name_are_counted(name, n):
    assert title_length(name.split()) == n


def test_short_names_expand_to_one_candidate_only():
    names = ShortNames([
        ("org:fnfc", "Federation of Northern Fishing Cooperatives", "Organization", ()),
        ("org:zwu", "Zambezi Workers Union", "Organization", ("ZAWU",)),  # an acronym the text defined
        ("person:anna-berger", "Anna Berger", "Person", ()),
        ("person:tomas-berger", "Tomas Berger", "Person", ()),
        ("person:oskar-lindqvist", "Oskar Lindqvist", "Person", ()),
    ])
    assert names.expand("FNFC", "Organization") == "org:fnfc"
    assert names.expand("ZAWU", "Organization") == "org:zwu"
    assert names.expand("Lindqvist", "Person") == "person:oskar-lindqvist"
    assert names.expand("Berger", "Person") is None  # two people share the surname
