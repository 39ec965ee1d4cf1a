"""Claims and accusations on short invented texts: one case per way news phrases an accusation.

None of these sentences is from the sample corpus: they check the mechanisms, not the sample.
"""

from __future__ import annotations

import pytest

from kg.extract.claims import find_claims
from kg.extract.entities import find_entities
from kg.model import Article

pytestmark = pytest.mark.model


def claims_of(nlp, gazetteer, text):
    doc = nlp(text)
    doc.user_data["article"] = "t"
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, Article("t", "t", text, "t"), found)
    return claims, found


def accusations(nlp, gazetteer, text):
    claims, found = claims_of(nlp, gazetteer, text)
    label = lambda i: found.found[i].label if i in found.found else i
    return [(label(c.claimant), label(c.target), c.charge, c.charge_type) for c in claims if c.target]


@pytest.mark.parametrize("text, accuser, accused, charge_word, charge_type", [
    ("Iran accused Israel of violating the truce in southern Lebanon.", "Iran", "Israel", "violating", "ceasefire-violation"),
    ("The Turkish government blamed the PKK for the bombing in Ankara.", "Turkish government", "Kurdistan Workers' Party", "bombing", "attack"),
    ("Human Rights Watch said government forces had used chemical weapons in Idlib.", "Human Rights Watch", "government forces (Idlib)", "chemical", "chemical-weapons"),
    ("Amnesty International said that the Iraqi army killed dozens of civilians in Mosul.", "Amnesty International", "Iraqi armed forces", "civilians", "attacks-on-civilians"),
    ("Activists told Reuters that Islamic State fighters were using civilians as human shields.", "activists", "Islamic State", "human shields", "human-shields"),
    ("The United States accused Russia of trying to obstruct aid deliveries to Idlib.", "United States", "Russia", "obstruct", "obstruction"),
    ("France was accused by Turkey of supporting terrorists in northern Syria.", "Turkey", "France", "supporting terrorists", "support-for-terrorism"),
    ("Kurdish officials said Qatar continues to finance jihadist groups in Syria.", "Kurdish", "Qatar", "jihadist", "support-for-terrorism"),
    ("Activists said a Russian bombing campaign had killed dozens of civilians in Idlib.", "activists", "Russia", "civilians", "attacks-on-civilians"),
    ("Liwa al-Tawhid shelled residential areas of Homs, state media said.", "state media", "Liwa al-Tawhid", "residential", "attack"),
    # the speaker after a participle clause, which the parser hangs on that clause (also without commas, as FA-KES writes)
    ("Government warplanes pounded rebel-held Douma on Tuesday, killing at least 25 people, the Syrian Observatory for Human Rights said.",
     "Syrian Observatory", "government warplanes", "killing at least 25 people", "attack"),
    ("Government warplanes pounded rebel-held Douma on Tuesday killing at least 25 people the Syrian Observatory for Human Rights said.",
     "Syrian Observatory", "government warplanes", "killing at least 25 people", "attack"),
    ("Damascus accused Turkey of interfering in Syria's internal affairs.", "Syrian government", "Turkey", "internal affairs", "interference"),
    ("US intelligence agencies said Russia interfered in the presidential election.", "United States", "Russia", "election", "election-interference"),
    # criticism in political news: more verbs, phrasal ones, and a capital as the one criticized
    ("Trump blasted Clinton over her handling of the crisis in Libya.", "Donald Trump", "Hillary Clinton", "handling", "criticism"),
    ("Russia lashed out at Washington over its support for the rebels.", "Russia", "US government", "support", "support-for-terrorism"),
    ("Erdogan hit out at the European Union for failing to support Turkey.", "Recep Tayyip Erdogan", "European Union", "failing", "criticism"),
    ("The EU condemned Moscow for the bombing of Aleppo.", "European Union", "Russian government", "bombing of Aleppo", "attack"),
    # "hold X responsible": the object, or the subject of the small clause, is accused of the "for" phrase
    ("Turkey held the PKK responsible for the bombing in Ankara.", "Turkey", "Kurdistan Workers' Party", "bombing", "attack"),
    ("The United States holds Russia responsible for the attack on the aid convoy.", "United States", "Russia", "attack", "attack"),
    # a leader's forces are his state's ("Assads" as the FA-KES corpus writes it, without apostrophes)
    ("The opposition said Assads forces violated the truce in Wadi Barada on Sunday.", "opposition", "Syrian Arab Army", "truce", "ceasefire-violation"),
    ("Activists said Putin's warplanes bombed a hospital in Idlib.", "activists", "Russian Armed Forces", "hospital", "attacks-on-civilians"),
    # a company may be accused of a violation (not of force); a violation is of a truce only where the statement says so
    ("The Teamsters union said Acme Steel Corp violated the national labour agreement.", "Teamsters", "Acme Steel Corp", "labour agreement", "violation"),
    ("The UN said Hezbollah had breached the arms embargo.", "United Nations", "Hezbollah", "embargo", "violation"),
    ("Idlib truce violated by regime forces: activists", "activists", "regime forces (Idlib)", "violated", "ceasefire-violation"),
])
def test_accusation_patterns(nlp, gazetteer, text, accuser, accused, charge_word, charge_type):
    found = accusations(nlp, gazetteer, text)
    assert any(a.lower().startswith(accuser.lower()) and t.lower().startswith(accused.lower()) and charge_word in (c or "") and ct == charge_type
               for a, t, c, ct in found), found


def test_condemn_as_accuses_the_agent_of_the_act(nlp, gazetteer):
    text = ("Hospitals in Idlib were hit in a bombardment by Russian warplanes on Monday. "
            "The British foreign secretary Boris Johnson condemned the bombing as a war crime.")
    found = accusations(nlp, gazetteer, text)
    assert ("Boris Johnson", "Russian Aerospace Forces", "the bombing as a war crime", "war-crimes") in found


def test_pronoun_claimant_is_resolved(nlp, gazetteer):
    text = "Sergei Lavrov met reporters in Moscow. He said that the rebels had broken the ceasefire."
    found = accusations(nlp, gazetteer, text)
    assert found and found[0][0] == "Sergei Lavrov" and found[0][1].startswith("rebels")


def test_definite_description_claimant_is_resolved(nlp, gazetteer):
    text = "Amnesty International published a report on Tuesday. The group said the army had shelled residential areas of Homs."
    claims, _found = claims_of(nlp, gazetteer, text)
    assert any(c.claimant == "amnesty" for c in claims)


def test_plain_statement_is_a_claim_without_target(nlp, gazetteer):
    claims, _ = claims_of(nlp, gazetteer, "The UN envoy Staffan de Mistura said the talks would resume in Geneva next week.")
    assert len(claims) == 1 and claims[0].target is None and claims[0].claimant == "staffan-de-mistura" and claims[0].cue == "said"
    assert "talks would resume" in claims[0].content


def test_denial_answers_the_accusation(nlp, gazetteer):
    text = "The United States accused Russia of bombing an aid convoy near Aleppo. Moscow denied the accusation, saying it was a lie."
    claims, _ = claims_of(nlp, gazetteer, text)
    accusation = next(c for c in claims if c.stance == "asserts" and c.target == "russia")
    denial = next(c for c in claims if c.stance == "denies")
    assert denial.responds == accusation.id and denial.claimant == "russia-government" and denial.cameo == "016"


def test_modality_is_kept(nlp, gazetteer):
    claims, _ = claims_of(nlp, gazetteer, "The UN said Syrian government forces may be committing war crimes in Daraa.")
    accusation = next(c for c in claims if c.target)
    assert accusation.modality and "may" in accusation.modality


@pytest.mark.parametrize("text", [
    "Fighting broke out near the crossing on Monday, the army said.",  # a phrasal verb is not wrongdoing
    "The warplanes stopped their strikes on Tuesday, state media reported.",  # "stop" needs a victim
    "The president called for talks between the two sides.",  # "call for" is not condemnation
    "The army said it would open eight corridors for civilians.",
    # words of war that are business or politics here: a company's "operations", a union's
    # "strike", an election "campaign", financing "exports"
    "Analysts said the company's operations in Mexico had made a profit, the report said.",
    "About 800 members of the Allied Meatpackers Union struck the pork plant at midnight, a spokesman said.",
    "The Green Party campaign attacked the report on Monday, a spokesman said.",
    "The finance minister said Brazil must finance its exports, an official said.",
    "The two sides held talks with the rebels for three hours, officials said.",  # "hold" blames only with "responsible"
    "The Pentagon said a US airstrike had killed a senior al-Qaeda leader in Idlib.",  # a state's report of its own act
    "The Writers Guild of America said its members had struck the news staffs of CBS this morning.",  # a labour strike
    "The Russian defence ministry said Russian warplanes had struck rebel positions near Aleppo.",
])
def test_no_false_accusation(nlp, gazetteer, text):
    assert accusations(nlp, gazetteer, text) == []


def test_evidence_points_at_the_sentence(nlp, gazetteer):
    text = "Clashes erupted overnight. Russia accused the rebels of breaking the truce."
    claims, _ = claims_of(nlp, gazetteer, text)
    c = next(c for c in claims if c.target)
    assert text[c.evidence.start : c.evidence.end].strip() == "Russia accused the rebels of breaking the truce."


def test_nominal_accusation(nlp, gazetteer):
    found = accusations(nlp, gazetteer, "Turkey's accusation that Kurdish militants had shelled Kilis drew a sharp response.")
    assert found and found[0][0] == "Turkey" and "shelled" in found[0][2]


@pytest.mark.parametrize("text, accuser, accused, charge_word", [
    ("Iran's foreign minister Javad Zarif charged that Saudi Arabia was funding extremist groups.", "Mohammad Javad Zarif", "Saudi Arabia", "funding"),
    ("John Kerry said the Syrian regime or Russia was responsible for the attack.", "John Kerry", "Russia", "responsible"),
    ("The Syrian opposition coalition condemned the massacre committed by regime forces in Daraya.", "Syrian National Coalition", "regime forces (Daraya)", "massacre"),
    ("Activists said regime helicopters dropped barrel bombs on the town of Daraya.", "activists", "regime helicopters (Daraya)", "barrel bombs"),
    ("Putin chided Turkey for shooting down a Russian warplane.", "Vladimir Putin", "Turkey", "shooting down"),
    ("The White House criticized Russia for its airstrikes on moderate rebels.", "White House", "Russia", "airstrikes"),
])
def test_more_accusation_phrasings(nlp, gazetteer, text, accuser, accused, charge_word):
    found = accusations(nlp, gazetteer, text)
    assert any(a.lower().startswith(accuser.lower()) and t.lower().startswith(accused.lower()) and charge_word in (c or "") for a, t, c, _ in found), found


def test_relative_clause_denial_answers_the_accusation(nlp, gazetteer):
    claims, _ = claims_of(nlp, gazetteer, "The State Department accused Russia of bombing a UN aid convoy, an allegation Moscow denied.")
    accusation = next(c for c in claims if c.stance == "asserts" and c.target == "russia")
    assert "allegation" not in accusation.charge
    assert any(c.stance == "denies" and c.responds == accusation.id for c in claims)


def test_pronoun_object_of_a_side_remark_is_not_an_accusation(nlp, gazetteer):
    found = accusations(nlp, gazetteer, "Clinton slammed Trump over his praise for Vladimir Putin, calling it dangerous.")
    assert [(a, t) for a, t, _, _ in found] == [("Hillary Clinton", "Donald Trump")]


def test_hard_wrapped_names_read_as_one_line(nlp, gazetteer):
    """Wire copy broken at a fixed width: accuser, accused and charge are reported on one line."""
    text = ("In a complaint issued on Monday with the settlement, the\n"
            "Securities and Exchange Commission charged Dean Witter\n"
            "Reynolds Inc, the fourth largest U.S. brokerage house, with\n"
            "failing to report more than one mln dlrs of cash\n"
            "transactions to the Internal Revenue Service, in what\n"
            "officials described as the largest such case this year.\n")
    claims, _ = claims_of(nlp, gazetteer, text)
    found = [(c.claimant_text, c.target_text, c.charge) for c in claims if c.target]
    assert found and all("\n" not in part for row in found for part in row), found
