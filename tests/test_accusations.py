"""Accusations from any wording and any topic (issue 17), on invented sentences.

One case per category of the issue: criticism in reported speech with a plain cue, allegations
and lawsuits, explicit accusing cues in their several shapes, denials, pronoun and group actors,
wire datelines. The names and events are made up: they check mechanisms, not any corpus.
"""

from __future__ import annotations

import pytest

from kg.extract import extract
from kg.extract.attribution import attribute
from kg.extract.claims import find_claims
from kg.extract.entities import find_entities
from kg.model import Article
from kg.sources import read_article_text

pytestmark = pytest.mark.model


def accusations_in(nlp, gazetteer, text):
    """(accuser, accused, charge, charge type, rule) of each accusation the pipeline reads in `text`."""
    doc = nlp(text)
    doc.user_data["article"] = "t"
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, Article("t", "t", text, "t"), found, attribute(doc))
    label = lambda i: found.found[i].label if i in found.found else i
    return [(label(c.claimant), label(c.target), c.charge or "", c.charge_type, c.rule) for c in claims if c.target]


def _has(found, accuser, accused, charge_word):
    return any(accuser.lower() in a.lower() and accused.lower() in t.lower() and charge_word in charge.lower()
               for a, t, charge, _, _ in found)


# 1. criticism and allegations in quotes and reported speech with a plain cue
@pytest.mark.parametrize("text, accuser, accused, charge_word", [
    ('"Kessler Foods Inc. has misled its customers for years," Senator Alma Ruiz said on Tuesday.',
     "Alma Ruiz", "Kessler", "misled"),
    ("The Consumer Federation says Tellmark Bank is cheating its poorest customers.",
     "Consumer Federation", "Tellmark", "cheating"),
    ("Union leader Carl Boden told reporters that Orvane Motors had violated the labour contract.",
     "Carl Boden", "Orvane", "violated"),
    ("Mayor Pia Lindqvist said the council was corrupt and incompetent.",
     "Pia Lindqvist", "council", "corrupt"),
])
def test_negative_evaluation_in_reported_speech_is_an_accusation(nlp, gazetteer, text, accuser, accused, charge_word):
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, accuser, accused, charge_word), found


# 2. allegations with "alleged/charged that", lawsuits
@pytest.mark.parametrize("text, accuser, accused, charge_word", [
    ("Rival bidder Hollis Group alleged that Marden Corp had concealed its losses from shareholders.",
     "Hollis", "Marden", "concealed"),
    ("The regulator charged that Pellow Airlines had falsified its maintenance records.",
     "regulator", "Pellow", "falsified"),
    ("Greta Holm sued Vantor Media for defamation in a Stockholm court.", "Greta Holm", "Vantor", "defamation"),
    ("Hollis Group sued Marden Corp on Monday. The suit alleges that Marden Corp falsified its accounts.",
     "Hollis", "Marden", "falsified"),
    ("Workers alleged Orvane Motors violated their contract by hiring outside firms.", "Workers", "Orvane", "violated"),
])
def test_allegations_and_lawsuits(nlp, gazetteer, text, accuser, accused, charge_word):
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, accuser, accused, charge_word), found


# 3. explicit accusing cues: condemn, criticize, blast, passives, relative clauses, gerunds
@pytest.mark.parametrize("text, accuser, accused, charge_word", [
    ("Senator Ruth Okafor criticized Dalton Pharma for hiding the side effects of its drug.",
     "Ruth Okafor", "Dalton", "hiding"),
    ("Coach Marten Vos blasted the league for its handling of the doping scandal.", "Marten Vos", "league", "doping"),
    ("The Daily Ledger accused Minister Paul Arkwright of lying to parliament.", "Daily Ledger", "Paul Arkwright", "lying"),
    ("Paul Arkwright was accused by the Daily Ledger of lying to parliament.", "Daily Ledger", "Paul Arkwright", "lying"),
    ("The Hollis Group, which accused Marden Corporation of hiding its debts, filed a complaint on Monday.",
     "Hollis", "Marden", "hiding"),
    ("Union leader Carl Boden, whom the Orvane Motors Company accuses of sabotage, spoke on Monday.",
     "Orvane", "Carl Boden", "sabotage"),
    ("Greta Holm was fined for accusing the Vantor Media Group of fraud.", "Greta Holm", "Vantor", "fraud"),
    ("Senator Ruth Okafor criticized Governor Dale Penn's handling of the budget.", "Ruth Okafor", "Dale Penn", "budget"),
    ("Coach Marten Vos has been highly critical of Governor Dale Penn's handling of the stadium deal.",
     "Marten Vos", "Dale Penn", "stadium"),
])
def test_explicit_accusing_cues(nlp, gazetteer, text, accuser, accused, charge_word):
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, accuser, accused, charge_word), found


def test_conduct_possessor_is_the_target_not_the_phrase(nlp, gazetteer):
    found = accusations_in(nlp, gazetteer, "Senator Ruth Okafor criticized Governor Dale Penn's handling of the budget.")
    assert any(t.endswith("Dale Penn") for _, t, _, _, _ in found), found


# 4. accusations seen only through a denial
def test_denial_rebuilds_the_accusation_it_answers(nlp, gazetteer):
    text = "The Marden Corporation denied allegations from the Hollis Group that it had hidden its debts."
    doc = nlp(text)
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, Article("t", "t", text, "t"), found, attribute(doc))
    rebuilt = next(c for c in claims if c.rule == "kg.claims.denied-accusation")
    assert "Hollis" in rebuilt.claimant_text and "Marden" in rebuilt.target_text and "hidden" in rebuilt.charge
    denial = next(c for c in claims if c.stance == "denies")
    assert denial.responds == rebuilt.id


def test_denial_of_claims_whose_that_the_parser_took_for_a_pronoun(nlp, gazetteer):
    text = "Ankara denies claims by Athens and the EU that it has armed and trained the smugglers."
    doc = nlp(text)
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, Article("t", "t", text, "t"), found, attribute(doc))
    rebuilt = [c for c in claims if c.rule == "kg.claims.denied-accusation"]
    assert {c.claimant for c in rebuilt} == {"greece", "eu"}, rebuilt  # Athens, a capital, stands for its state
    assert all(c.target == "turkey-government" and c.charge.startswith("it has armed") for c in rebuilt), rebuilt


# 5. pronoun and group actors
def test_group_accuser(nlp, gazetteer):
    found = accusations_in(nlp, gazetteer, "Unions accuse Kessler Foods Inc. of exploiting migrant workers.")
    assert _has(found, "Unions", "Kessler", "exploiting"), found


def test_person_pronoun_target_in_reported_speech_resolves(nlp, gazetteer):
    text = ("Tom Reyes ran the Harlow Port Authority until May. The Harlow Gazette said he had deceived the public "
            "about its budget.")
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, "Harlow Gazette", "Tom Reyes", "deceived"), found


def test_thing_pronoun_is_not_charged(nlp, gazetteer):
    # "it" in a statement refers to things as often as to actors: no charge against a guess
    text = "Tellmark Bank opened a branch in Leeds. Analyst Jane Moor said it was a terrible mistake."
    assert [f for f in accusations_in(nlp, gazetteer, text) if f[4] == "kg.claims.evaluation"] == []


# what is not an accusation
@pytest.mark.parametrize("text", [
    "Finance Minister Lena Ortiz said the company suffered heavy losses last year.",
    "Lena Ortiz said Brackwell Foods had stopped the dumping of waste in the river.",
    "Lena Ortiz said Brackwell Foods did not violate any rules.",
    "Lena Ortiz said Brackwell Foods would fight the ruling in court.",
    "Lena Ortiz said Brackwell Foods plans to reduce its prices.",
    "Lena Ortiz said the storm caused damage across the region.",
])
def test_no_accusation_without_an_asserted_negative_act_by_an_actor(nlp, gazetteer, text):
    found = [f for f in accusations_in(nlp, gazetteer, text) if f[4] == "kg.claims.evaluation"]
    assert found == []


def test_evaluation_accusation_keeps_the_attribution_spans(nlp, gazetteer):
    text = '"Kessler Foods Inc. has misled its customers for years," Senator Alma Ruiz said on Tuesday.'
    doc = nlp(text)
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, Article("t", "t", text, "t"), found, attribute(doc))
    accusation = next(c for c in claims if c.target and c.rule == "kg.claims.evaluation")
    assert text[slice(*accusation.cue_span)] == "said"
    assert any("misled" in text[slice(*span)] for span in accusation.content_spans)


# 6. wire datelines are never actors and give the outlet
@pytest.mark.parametrize("opening, outlet", [
    ("OTTAWA (Reuters) - ", "Reuters"),
    ("HALIFAX, May 4 (Reuters) - ", "Reuters"),
    ("Boston (CNN)", "CNN"),
    ("(CNN)", "CNN"),
    ("OTTAWA - ", None),
])
def test_wire_dateline_is_not_an_actor(nlp, gazetteer, opening, outlet):
    raw = f"Steel dispute\n\n{opening}Helen Marsh accused Norvale Steel of dumping cheap plate on the market.\n"
    article = read_article_text(raw, name="t", source="t")
    assert article.outlet == outlet
    assert article.text.split("\n\n")[1].startswith("Helen Marsh")
    extraction = extract(nlp(article.text), article, gazetteer)
    accusers = [c.claimant_text for c in extraction.claims if c.target]
    assert accusers and all(a and "Reuters" not in a and "OTTAWA" not in a and "CNN" not in a for a in accusers)


def test_a_reported_accusation_is_not_the_reporter_s(nlp, gazetteer):
    """ "..., but accused Y of Z, according to the Post": X accuses Y; the Post only reports it."""
    found = accusations_in(nlp, gazetteer, "The Farmers Union confirmed the talks but accused Delta Mills of cheating its growers, according to the Daily Post.")
    assert found and all(not a[0].startswith("Daily Post") and "Post" not in a[0] for a in found)


# 2. what an allegation states is its charge, negative words or not
@pytest.mark.parametrize("text, accuser, accused, charge_word", [
    ("Senator Ruth Okafor alleged that Dalton Pharma paid the inspectors before the review.", "Ruth Okafor", "Dalton", "paid"),
    ("Farmers alleged Brackwell Foods moved the plant to Mexico.", "Farmers", "Brackwell", "moved"),  # the clause's subject parsed as the cue's object
    ("Torvik Mining sued Quellon Capital on Friday. The suit alleges that Quellon Capital bought Torvik shares before the offer.",
     "Torvik", "Quellon", "bought"),
    ("The Harlow Trade Commission ruled that Norvale Steel imports were hurting local mills.", "Commission", "Norvale", "hurting"),
    ("Halvorsen Mining Corp said it began litigation against Quellon Capital. The suit alleges that Quellon Capital directors sold "
     "their shares early.", "Halvorsen", "Quellon", "sold"),  # the filer of the suit, by the verb whose object is a filing
])
def test_an_allegation_charges_what_it_states(nlp, gazetteer, text, accuser, accused, charge_word):
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, accuser, accused, charge_word), found


@pytest.mark.parametrize("text", [
    "Lena Ortiz found that Brackwell Foods moved its plant to Mexico.",  # a finding, but not of a finder
    "Lena Ortiz said that Brackwell Foods moved its plant to Mexico.",  # a report, nothing negative
    # a filing that records rather than alleges
    "Finally, Quellon Capital acquired nearly six pct of Torvik Mining, according to a Securities and Exchange Commission filing.",
    # a charge word inside another word is no charge ("lies" in "supplies", "families")
    "Torvik Mining makes similar drills and supplies them to Harlow miners, the analysts said.",
    "Brackwell Foods said Norvale Dairy introduced three families of new cheeses.",
    # a bad state of affairs, not conduct
    "Analysts said Brackwell Foods is under no pressure to sell the shares into a nervous market.",
    "Harlow's jobless rate rose to 9 pct, the worst in a decade, the statistics office said.",
    # responsible for a task, not for a bad act
    "Torvik Mining said the new unit is responsible for sales and service of its drills.",
    # a strike by workers is a labour strike, not an attack
    "The dockers' leaders say their strike has halted 40 of the 60 ships of the Harlow Shipping Company.",
])
def test_a_plain_statement_is_no_allegation(nlp, gazetteer, text):
    assert accusations_in(nlp, gazetteer, text) == []


# 3. the maker or named owner of a thing stands for it
@pytest.mark.parametrize("text, accuser, accused, charge_word", [
    ("Mayor Pia Lindqvist criticized a letter sent by the Orvane Motors Company to its workers.", "Pia Lindqvist", "Orvane", "letter"),
    ("Mayor Pia Lindqvist criticized a letter sent by forty senators to the governor.", "Pia Lindqvist", "senators", "letter"),
    ("The Consumer Federation said the Tellmark Bank loan fees were cheating poor families.", "Consumer Federation", "Tellmark", "cheating"),
    ("The Farm Bureau denounced Norvale Steel pricing policies as illegal.", "Farm Bureau", "Norvale", "illegal"),
])
def test_the_owner_of_a_charged_thing_is_accused(nlp, gazetteer, text, accuser, accused, charge_word):
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, accuser, accused, charge_word), found


def test_a_passive_agent_the_parser_hung_on_the_charge_is_the_accuser(nlp, gazetteer):
    text = ("Chef Tom Reyes hosts a cooking show. He was also accused of using a racist word while filming the show "
            "by the local newspaper The Harlow Gazette.")
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, "Harlow Gazette", "Tom Reyes", "racist"), found  # the name in apposition, not "local newspaper"


def test_a_gerund_criticism_is_its_clause_subject_s(nlp, gazetteer):
    text = "Lena Ortiz said the Farmers Union was joined by the Dairy Council in criticising Brackwell Foods for its prices."
    found = accusations_in(nlp, gazetteer, text)
    assert _has(found, "Farmers Union", "Brackwell", "prices"), found
    assert not any(a.startswith("Lena Ortiz") for a, *_ in found), found


# 5. actors: persons named together, capitals
def test_they_takes_the_persons_named_together(nlp, gazetteer):
    from kg.extract.coref import Coref

    text = "The Harlow Union met on Monday. Marco Bellini and Ann Keller had no injuries, though they allege they were beaten."
    doc = nlp(text)
    they = next(t for t in doc if t.lower_ == "they")
    antecedent = Coref(doc, find_entities(doc, gazetteer)).resolve(they)
    assert antecedent is not None and set(antecedent.ids) == {"person:marco-bellini", "person:ann-keller"}


def test_a_cue_heading_the_content_is_the_speaker_s_own(nlp, gazetteer):
    found = accusations_in(nlp, gazetteer, "Halvorsen Mining Corp said its suit alleges that Quellon Capital unlawfully interfered with its contracts.")
    assert _has(found, "Halvorsen", "Quellon", "interfered"), found


def test_a_charge_under_a_nested_cue_is_its_speaker_s_not_the_reporter_s(nlp, gazetteer):
    # the attributor sees only "Lena Ortiz said"; the nested "they allege" is the rules' cue
    text = "Marco Bellini and Ann Keller had no injuries, though they allege they were beaten by the Harlow police, Lena Ortiz said."
    found = accusations_in(nlp, gazetteer, text)
    assert not any(a.startswith("Lena Ortiz") for a, *_ in found), found
    assert {a for a, t, charge, _, _ in found if "police" in t and "beaten" in charge} == {"Marco Bellini", "Ann Keller"}, found


def test_an_employee_charged_is_not_the_employer(nlp, gazetteer):
    """The company named in a role's "of" phrase is not the one charged: the person is."""
    found = accusations_in(nlp, gazetteer, "Harlow police said they charged a former currency clerk of Tellmark Bank with "
                           "misappropriating 8,300 dlrs in a foreign-exchange fraud.")
    assert not any("Tellmark" in accused for _, accused, *_ in found), found
    found = accusations_in(nlp, gazetteer, "The Securities and Exchange Commission charged a managing director of Quellon Capital "
                           "with masterminding an insider trading scheme.")
    assert [accused for _, accused, *_ in found] == ["managing director of Quellon Capital"], found


def test_a_capital_that_is_accused_stands_for_its_state(nlp, gazetteer):
    found = accusations_in(nlp, gazetteer, "Senator Ruth Okafor accused Tokyo of dumping cheap steel on the market.")
    assert any("Japan" in t for _, t, _, _, _ in found), found


# what is not an accusation: by mechanism
@pytest.mark.parametrize("text", [
    "Mayor Pia Lindqvist condemned Tom Reyes's killing.",  # the victim of a killing is not its doer
    "The judge ordered his release, calling his detention illegal.",  # nor the one detained
    "The three Brackwell Foods managers deny they are guilty, Lena Ortiz said.",  # what a denial denies
    "Lena Ortiz, a Brackwell Foods official, defended the rules, saying they did not violate the treaty.",
    "The Norvale Steel board charged that Norvale Steel workers were paid less than the union agreed.",  # the speaker's own side
    # under a cue heading the content whose speaker is not the outer one's own
    'Lena Ortiz said the mayor would be told the council needs "clear evidence that the Harlow Union has renounced violence."',
])
def test_no_accusation_by_mechanism(nlp, gazetteer, text):
    assert accusations_in(nlp, gazetteer, text) == []
