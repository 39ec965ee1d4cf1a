"""Entity mentions and their canonical entities, on short texts parsed by the real model."""

from __future__ import annotations

import pytest

from kg.extract.entities import find_entities

pytestmark = pytest.mark.model


def entities_of(nlp, gazetteer, text):
    doc = nlp(text)
    doc.user_data["article"] = "t"
    return {e.id: e for e in find_entities(doc, gazetteer).entities()}


@pytest.mark.parametrize("text, entity_id, entity_type", [
    ("Russian President Vladimir Putin held talks in Berlin.", "vladimir-putin", "Person"),
    ("UN envoy Staffan de Mistura said the truce would be long enough.", "staffan-de-mistura", "Person"),
    ("The army recaptured nearby Kindi Hospital on Friday.", "kindi-hospital", "Facility"),
    ("Syrian and Russian warplanes halted strikes on rebel districts.", "russia-aerospace-forces", "Military"),
    ("The Turkish army shelled Kurdish positions near the border.", "turkey-military", "Military"),
    ("Moscow has dismissed the accusation.", "russia-government", "Government"),
    ("Clashes erupted in Aleppo on Saturday.", "aleppo", "City"),
])
def test_known_names_resolve_to_gazetteer_entities(nlp, gazetteer, text, entity_id, entity_type):
    found = entities_of(nlp, gazetteer, text)
    assert found[entity_id].type == entity_type


def test_title_is_kept_as_role_not_name(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "French President Francois Hollande condemned the bombing.")
    assert found["francois-hollande"].label == "Francois Hollande"
    assert found["francois-hollande"].roles == ("President",)


def test_surname_joins_full_name_within_article(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Local resident Zoheir Makhlouf told reporters the shelling had started. Makhlouf said the attacks were intense.")
    assert "person:makhlouf" not in found
    assert "Makhlouf" in found["person:zoheir-makhlouf"].aliases


def test_collective_actors_are_scoped_by_the_main_place(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Rebels in Homs said pro-government forces shelled the district. The militants fled Homs.")
    assert found["collective:rebel@homs"].type == "CollectiveActor"
    assert found["collective:pro-government-force@homs"].label == "pro-government forces (Homs)"
    assert "collective:militant@homs" in found


def test_capital_as_place_stays_a_place(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Talks were held on Wednesday in Geneva and Moscow.")
    assert "moscow" in found and "russia-government" not in found


@pytest.mark.parametrize("junk", ["Share this articleClose Button", "at 0700 GMT on Tuesday", "Su-34 bombers arrived"])
def test_widget_time_and_model_names_are_not_entities(nlp, gazetteer, junk):
    found = entities_of(nlp, gazetteer, f"The army said so. {junk}.")
    assert not any(e.label in ("Button", "GMT", "Su-34", "Su-34 bombers") for e in found.values())


def test_user_gazetteer_adds_entities_and_bad_rows_are_named(tmp_path):
    from kg.errors import InputError
    from kg.gazetteer import load_gazetteer

    good = tmp_path / "mine.tsv"
    good.write_text("# my actors\nnorth-brigade\tNorthern Storm Brigade\tArmedGroup\tNorthern Storm|NSB\tfree-syrian-army\t\t\n")
    gaz = load_gazetteer((str(good),))
    assert gaz.lookup("Northern Storm").id == "north-brigade" and gaz.ancestors("north-brigade") == ["free-syrian-army"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\tX\tSpaceship\t\t\t\t\n")
    with pytest.raises(InputError, match=r"bad.tsv:1: unknown type 'Spaceship'"):
        load_gazetteer((str(bad),))


def test_user_gazetteer_wins_over_the_model(tmp_path):
    from kg.nlp import load_nlp

    mine = tmp_path / "mine.tsv"
    mine.write_text("jisr-camp\tJisr al-Shughur Camp\tFacility\tJisr Camp\tidlib\t\t\n")
    nlp = load_nlp(None, (str(mine),))
    doc = nlp("Shells fell on Jisr Camp overnight.")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [("Jisr Camp", "jisr-camp")]


def test_places_found_by_the_model_lie_in_the_article_city(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Rockets hit the Zahraa and Bustan neighborhoods of Homs. Homs was calm later.")
    districts = [e for e in found.values() if e.type == "District"]
    assert districts and all(e.located_in == "homs" for e in districts)


def test_possessive_without_apostrophe_is_still_the_name(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Assads forces shelled the city, according to Syrias opposition.")
    assert "bashar-al-assad" in found and "syria" in found


def test_a_name_broken_over_lines_is_one_alias(nlp, gazetteer):
    """Hard-wrapped wire copy: "British Broadcasting\\nCorporation" is the alias "British
    Broadcasting Corporation", not a second spelling; the mention keeps the exact text."""
    text = ("The minister told the British Broadcasting\nCorporation on Monday that talks with the\n"
            "unions had failed and that the strike at the\nports would go on into the next week, as\n"
            "the British Broadcasting Corporation first\nreported in its morning news on Monday.\n")
    found = [e for e in entities_of(nlp, gazetteer, text).values() if any("Broadcasting" in n for n in (e.label, *e.aliases))]
    assert found, "the BBC was not found"
    assert all("\n" not in a for e in found for a in (e.label, *e.aliases))
    assert any("\n" in m.text for e in found for m in e.mentions)  # the mention is the text as written


# --- name forms and mention chains (kg/extract/names.py, boundaries.py, chains.py) -----------------


def holder(found, surface):
    """The one entity that carries `surface` as its label or an alias (None when none or several)."""
    hits = [e for e in found.values() if surface in (e.label, *e.aliases)]
    return hits[0] if len(hits) == 1 else None


@pytest.mark.parametrize("text, long_form, acronym", [
    ("The Federation of Northern Fishing Cooperatives (FNFC) called a strike on Monday. The FNFC said talks had failed.",
     "Federation of Northern Fishing Cooperatives", "FNFC"),
    ("Delegates said the BTRA (Baltic Timber Registry Association) would meet. The BTRA declined to comment.",
     "Baltic Timber Registry Association", "BTRA"),
    ("Workers struck at the Zambezi Railway\nWorkers Union (ZRWU) depot. ZRWU officials said pay was late.",
     "Zambezi Railway Workers Union", "ZRWU"),
])
def test_an_acronym_defined_in_the_text_names_its_long_form(nlp, gazetteer, text, long_form, acronym):
    found = entities_of(nlp, gazetteer, text)
    entity = holder(found, long_form)
    assert entity is not None and acronym in entity.aliases, {e.label: e.aliases for e in found.values()}
    assert holder(found, acronym) is entity


@pytest.mark.parametrize("text, full, short", [
    ("Northfield Motors Corp said profits fell. Workers said NM violated their contract.", "Northfield Motors Corp", "NM"),
    ("Pellman Brace Holloway Inc rejected the bid on Monday. Pellman said the offer was too low.", "Pellman Brace Holloway Inc", "Pellman"),
])
def test_a_company_is_found_by_its_initials_and_its_first_word(nlp, gazetteer, text, full, short):
    found = entities_of(nlp, gazetteer, text)
    entity = holder(found, full)
    assert entity is not None and holder(found, short) is entity
    assert entity.type == "Organization" and full.rsplit(" ", 1)[0] in entity.aliases  # the name without its legal form


@pytest.mark.parametrize("text, full, forms", [
    ("Senator Marta Kowalczyk criticized the plan on Tuesday. Senator Kowalczyk said it would fail. Kowalczyk voted against it.",
     "Marta Kowalczyk", ["Senator Kowalczyk", "Kowalczyk"]),
    ("Sheikh Hamad bin Rashid al-Nuaimi met the envoy in Doha. Sheikh Hamad said the talks went well.",
     "Hamad bin Rashid al-Nuaimi", ["Sheikh Hamad", "Sheikh Hamad bin Rashid al-Nuaimi"]),
    ("Oskar P. Lindqvist founded the firm in 1990. Oskar Lindqvist said on Monday he would retire.", "Oskar Lindqvist", ["Oskar P. Lindqvist"]),
    ("The lawsuit names Viktor Gromasheyev as a defendant. Gromashev told reporters he was innocent.", "Viktor Gromasheyev", ["Gromashev"]),  # misspelt
])
def test_a_persons_other_forms_join_the_full_name(nlp, gazetteer, text, full, forms):
    found = entities_of(nlp, gazetteer, text)
    entity = holder(found, full)
    assert entity is not None and entity.type == "Person", {e.label: (e.type, e.aliases) for e in found.values()}
    assert all(holder(found, form) is entity for form in forms), entity.aliases


def test_a_surname_two_people_share_is_never_merged(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Anna Berger and her brother Tomas Berger founded the company. Berger said it was profitable.")
    assert holder(found, "Anna Berger") is not holder(found, "Tomas Berger")
    assert not any("Berger" in e.aliases for e in found.values() if e.label in ("Anna Berger", "Tomas Berger"))


def test_a_title_always_followed_by_a_name_makes_a_person(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Lord Pemberton, a speaker at the conference, said the plan would fail.")
    entity = holder(found, "Lord Pemberton")
    assert entity is not None and entity.type == "Person"


@pytest.mark.parametrize("text, surface, entity_type", [
    ("Thousands of protesters gathered in Ivan Petrov Square on Sunday.", "Ivan Petrov Square", "District"),
    ("The plane landed at Marco Polo Verdi International Airport late on Friday.", "Marco Polo Verdi International Airport", "Facility"),
    ("Fans packed the Riverside Cricket Ground for the final.", "Riverside Cricket Ground", "Facility"),
    ("The song was a hit for the band Velvet Harbor in 1994.", "Velvet Harbor", "Organization"),
    ("The minister was quoted by the local daily al-Nahar as saying no talks were planned.", "al-Nahar", "MediaOutlet"),
    ("Newport United striker Jomo Kariuki was charged by the league.", "Jomo Kariuki", "Person"),
    ("Halvorsen United defender Jomo Kariuki was charged by the league.", "Halvorsen United", "Organization"),  # the model: a person
])
def test_types_follow_the_head_noun_and_the_descriptor(nlp, gazetteer, text, surface, entity_type):
    found = entities_of(nlp, gazetteer, text)
    entity = holder(found, surface)
    assert entity is not None and entity.type == entity_type, {e.label: e.type for e in found.values()}


def test_a_place_making_word_makes_a_new_place(nlp, gazetteer):
    found = entities_of(nlp, gazetteer, "Chile producers from New Mexico complained. Mexico said the tariffs were fair.")
    assert holder(found, "New Mexico") is not None and holder(found, "New Mexico") is not holder(found, "Mexico")


@pytest.mark.parametrize("text, credit", [
    ("(CNN)The Harbour Board will pay the fine, officials said.", "CNN"),
    ("OTTAWA (Reuters) - The Harbour Board will pay the fine, officials said.", "Reuters"),
])
def test_wire_credits_are_not_entities_and_do_not_glue_to_names(nlp, gazetteer, text, credit):
    found = entities_of(nlp, gazetteer, text)
    assert holder(found, credit) is None
    assert holder(found, "Harbour Board") is not None
    assert holder(found, "OTTAWA") is None  # the dateline's place


@pytest.mark.parametrize("text, junk", [
    ("The Chairman said on Tuesday that the plan would go ahead.", "Chairman"),
    ("Talks resumed, the Prime Minister told reporters.", "Prime Minister"),
    ("Protests continued on Wednesday in the capital.", "Wednesday"),
])
def test_titles_alone_and_day_names_are_not_entities(nlp, gazetteer, text, junk):
    """The model is made to call the words a name (as it does in some texts); kg drops them."""
    from spacy.tokens import Span

    doc = nlp(text)
    start = next(t.i for t in doc if t.text == junk.split()[0])
    doc.ents = [Span(doc, start, start + len(junk.split()), label="ORG")]
    doc.user_data["article"] = "t"
    assert holder({e.id: e for e in find_entities(doc, gazetteer).entities()}, junk) is None


def test_a_bodys_first_word_is_not_the_body(nlp, gazetteer):
    """"Senate" is not the Senate Finance Committee (a company's first word is the company)."""
    found = entities_of(nlp, gazetteer, "The Senate Finance Committee approved the bill on Thursday. The Senate will vote next week.")
    committee = holder(found, "Senate Finance Committee")
    assert committee is not None and "Senate" not in committee.aliases


def test_a_group_named_after_a_family_is_not_the_person(nlp, gazetteer):
    """"the Houthi movement" is the Houthis (gazetteer), not Abdul-Malik al-Houthi; "Griffiths met"
    (a noun to the tagger) is Martin Griffiths."""
    found = entities_of(nlp, gazetteer, "Officials blamed the Houthi movement for the attack. The envoy, Martin Griffiths, met "
                                        "Abdul-Malik al-Houthi last week. Griffiths met him again on Monday.")
    assert found["houthis"].type == "ArmedGroup" and "person:abdul-malik-al-houthi" in found
    assert "Griffiths" in holder(found, "Martin Griffiths").aliases


def test_capitalized_words_before_a_legal_form_are_a_company(nlp, gazetteer):
    """Wire copy the model misses: "Braxton Foods Corp <BXF> said", later "Braxton" (a place to the model)."""
    text = ("CHICAGO, March 3 - Braxton Foods Corp <BXF> said its board rejected the offer.\n"
            "    Haines said Braxton would seek other bidders.\n")
    found = entities_of(nlp, gazetteer, text)
    company = holder(found, "Braxton Foods Corp")
    assert company is not None and company.type == "Organization" and "Braxton Foods" in company.aliases
    assert holder(found, "Braxton") is company


@pytest.mark.parametrize("text, label, entity_type", [
    # a country the gazetteer lacks is still a country (GeoNames), whatever the model called it
    ("Farmers in Zambia harvested maize early this year.", "Zambia", "Country"),
    ("Officials from Botswana visited the mine.", "Botswana", "Country"),
    # a US state is a region of the United States, not the biggest town of that name (in Cuba)
    ("The storm reached Florida on Tuesday.", "Florida", "Region"),
])
def test_places_the_gazetteer_lacks_are_typed_from_geonames(nlp, gazetteer, text, label, entity_type):
    doc = nlp(text)
    doc.user_data["article"] = "t"
    found = {f.label: f for f in find_entities(doc, gazetteer).found.values()}
    assert found[label].type == entity_type


def test_a_country_a_city_and_a_us_state_know_their_state(nlp, gazetteer):
    doc = nlp("Miners in Zambia and teachers in Johannesburg and Ohio went on strike.")
    doc.user_data["article"] = "t"
    found = {f.label: f for f in find_entities(doc, gazetteer).found.values()}
    south_africa = gazetteer.country_id(953987)  # GeoNames' South Africa, not in the gazetteer
    assert found["Zambia"].state == found["Zambia"].id
    assert found["Johannesburg"].state == south_africa
    assert found["Ohio"].state == "usa"


def test_a_place_named_of_another_lies_in_it(nlp, gazetteer):
    doc = nlp("The company filed suit in the Northern District of Texas on Monday.")
    doc.user_data["article"] = "t"
    found = {f.label: f for f in find_entities(doc, gazetteer).found.values()}
    district = next(f for label, f in found.items() if "District" in label)
    assert district.parent == found["Texas"].id


def test_a_name_both_a_country_and_a_us_state_is_neither_typed_nor_placed(nlp, gazetteer):
    doc = nlp("Fighting resumed in Georgia on Monday.")
    doc.user_data["article"] = "t"
    georgia = next(f for f in find_entities(doc, gazetteer).found.values() if f.label == "Georgia")
    assert georgia.state is None  # not the United States, not the country: the text must say which


@pytest.mark.parametrize("text, label, state", [
    # a public body's name says whose state it serves
    ("The Zambian Farmers Union criticised the tariffs.", "Zambian Farmers Union", "Zambia"),
    # a company's says where it comes from, not where it acts
    ("British Printing Corp sued Harcourt in Manhattan.", "British Printing", None),
])
def test_a_country_in_a_public_bodys_name_is_its_state(nlp, gazetteer, text, label, state):
    doc = nlp(text)
    doc.user_data["article"] = "t"
    found = find_entities(doc, gazetteer).found
    body = next(f for f in found.values() if f.label.startswith(label))
    assert (found[body.state].label if body.state else None) == state
