"""Events in general news: trigger senses, places from the event's own clause, dates from its own
time expression, mentions merged within an article and linked across articles. Invented sentences."""

from __future__ import annotations

import pytest

from kg.event_links import link_events
from kg.extract.entities import find_entities
from kg.extract.event_senses import event_types, trigger_types
from kg.extract.events import find_events
from kg.model import Article, Entity, Event, Evidence, Mention


def events_in(nlp, gazetteer, text, published="2016-10-20"):
    doc = nlp(text)
    doc.user_data["article"] = "t"
    found = find_entities(doc, gazetteer)
    return find_events(doc, Article("t", "t", text, "t", published=published), found), found


def place_label(event, found):
    return found.found[event.place].label if event.place in found.found else event.place


SENSES = [
    # a strike: by workers or a union, or from the air
    ("Railway workers went on strike on Monday.", "labour strike", "airstrike"),
    ("The dockers' union called a strike over pay.", "labour strike", "airstrike"),
    # a participle before a noun: its conditioned sense, and the noun does it
    ("Thousands of striking dockworkers blocked the port.", "labour strike", "airstrike"),
    ("The investigating agency declined to comment.", None, "investigation"),
    ("Russian warplanes carried out strikes on Idlib.", "airstrike", "labour strike"),
    # a campaign: military or electoral
    ("The party launched its election campaign in Leeds.", "election campaign", "offensive"),
    ("The army launched a military campaign against the rebels.", "offensive", "election campaign"),
    ("The company said its operations in Mexico grew.", None, "offensive"),
    ("The two firms agreed on closer co-operation.", None, "offensive"),
    # a battle in court or over a company is no clash
    ("The firm is locked in a legal battle with its former chairman.", "lawsuit", "clash"),
    # capture a place, not a market
    ("The company captured 25 pct of the market.", None, "capture"),
    ("Rebels captured the town after heavy fighting.", "capture", None),
    # meet people, not demand
    ("Demand was met through imports.", None, "meeting"),
    ("The foreign ministers met in Geneva on Tuesday.", "meeting", None),
    # rally: people, not shares
    ("Shares rallied strongly on Friday.", None, "protest"),
    ("Thousands of protesters rallied in the capital on Saturday.", "protest", None),
    # rule a case, not a country
    ("The court ruled that the ban was illegal.", "ruling", None),
    ("The general ruled Nigeria for two years.", None, "ruling"),
    ("The opinion poll showed the opposition ahead.", None, "election"),
    # the new types
    ("The minister resigned on Friday.", "resignation", None),
    ("Police arrested three men on Monday.", "arrest", None),
    ("The regulator opened an investigation into the bank.", "investigation", None),
    ("The government imposed sanctions on Iran.", "sanction", None),
    ("The company filed a lawsuit against its rival.", "lawsuit", None),
    ("The company filed in federal court on Monday.", "lawsuit", None),
    ("The company filed its accounts on Monday.", None, "lawsuit"),
    ("The jury found that the song infringed the copyright.", "verdict", None),
    ("The board appointed a new chairman.", "appointment", None),
    ("The bidder launched a takeover bid for the brewer.", "takeover bid", None),
    ("The cartel agreed to cut its production quota.", "quota decision", None),
    ("The airline raised its fares by ten pct.", "price decision", None),
    ("Voters went to the polls in a presidential election on Sunday.", "election", None),
    ("The two countries signed a trade agreement.", "agreement", None),
    ("The president gave a speech to parliament.", "speech", None),
    # what did not happen is no event
    ("They threatened to impose sanctions.", None, "sanction"),
    ("The firm could face a lawsuit.", None, "lawsuit"),
    # a deadline or an attempt to do something: not done yet
    ("Iran faces a deadline to reach a deal over its nuclear programme.", None, "agreement"),
    ("Efforts to settle the case out of court have failed.", None, "settlement"),
    ("Parliament made a call to impose sanctions on the regime.", None, "sanction"),
    ("The EU agreed to hold up imposing tariffs on steel.", None, "tariff"),
    # what failed, or is done without: no event
    ("The cartel failed to reach an agreement on export quotas.", None, "agreement"),
    ("The failure of the cartel to reach agreement worried traders.", None, "agreement"),
    ("Prices rose without another meeting of the cartel.", None, "meeting"),
    ("There are difficulties among the banks to reach an agreement.", None, "agreement"),  # a noun's to-clause
    ("The minister can lower the price support if stocks grow.", None, "price decision"),  # a capacity
    # business copy: markets rally and shoot up, firms meet contracts, debts have moratoria, regulators question
    ("Shares of Torvik Mining shot up 11 dlrs in over-the-counter trading.", None, "shooting"),
    ("Gunmen shot two policemen in Harlow on Monday.", "shooting", None),
    ("Harlow Motors staged an explosive rally on Wall Street after its buyback plan.", None, "protest"),
    ("Thousands of students held a rally in the capital.", "protest", None),
    ("Cuba told buyers it has to meet its contracts to export markets.", None, "meeting"),
    ("He explained the motives of the Brazilian debt moratorium.", None, "ceasefire"),
    ("The rebels agreed a moratorium on attacks.", "ceasefire", None),
    ("The chairman had been interviewed by SEC probers.", None, "interview"),
    # a year in a relative clause is no death toll
    ("Jane Porter, who founded the firm in 1934, died in 1988.", None, "casualty report"),
    ("At least 20 civilians were killed in the town.", "casualty report", None),
    ("There will be no meeting this year.", None, "meeting"),
    ("The two sides did not sign the agreement.", None, "agreement"),
    ("The minister did not rule out new elections.", None, "ruling"),
    ("The dockers called for a general strike.", None, "labour strike"),
    ("The union called a strike at the port.", "labour strike", None),
]


# one sentence for each type of general news not covered above
TYPES = [
    ("The pope visited three villages in the north on Sunday.", "visit"),
    ("The minister gave an interview to a local radio station.", "interview"),
    ("The governor held a press conference on Tuesday.", "press conference"),
    ("The two companies settled the lawsuit out of court.", "settlement"),
    ("The candidate conceded defeat late on Sunday.", "concession"),
    ("The court ordered the release of the journalist.", "ruling"),
    ("The authorities released the activist on Friday.", "release"),
    ("The club sacked its manager after the defeat.", "dismissal"),
    ("The tenants filed a formal complaint with the regulator.", "complaint"),
    ("The opposition leader accused the minister of lying.", "accusation"),
    ("The charity condemned the decision.", "criticism"),
    ("The company denied the claims.", "denial"),
    ("The judge summoned the former minister to testify.", "summons"),
    ("Police searched the offices of the company.", "search"),
    ("The league suspended the player for three matches.", "suspension"),
    ("Rioting broke out in the capital overnight.", "riot"),
    ("The central bank cut interest rates on Thursday.", "rate decision"),
    ("Prosecutors indicted the mayor on Monday.", "charge"),
    ("A jury convicted the former director of fraud.", "verdict"),
    ("The trial of the former director opened on Monday.", "court hearing"),
    ("Gunmen killed the mayor in an assassination on Friday.", "killing"),
    ("The union urged its members to return to work.", "appeal"),
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "wanted"), TYPES)
def test_type_of_general_news(nlp, gazetteer, text, wanted):
    assert wanted in {e.type for e in events_in(nlp, gazetteer, text)[0]}


@pytest.mark.model
@pytest.mark.parametrize(("text", "wanted", "unwanted"), SENSES)
def test_trigger_sense(nlp, gazetteer, text, wanted, unwanted):
    types = {e.type for e in events_in(nlp, gazetteer, text)[0]}
    if wanted:
        assert wanted in types
    else:
        assert not types & {unwanted}
    if unwanted:
        assert unwanted not in types


PLACES = [
    # the dateline city is where the reporter filed, not where the strike was
    ("GENEVA, March 3 - Workers at the car plant in Lyon went on strike.", "labour strike", "Lyon"),
    ("GENEVA, March 3 - The minister resigned on Friday.", "resignation", None),
    # what an inquiry is into is not where it happens
    ("Investigators opened an inquiry into Russian arms sales.", "investigation", None),
    # a domestic event's own country modifier
    ("The Israeli election was held on Tuesday.", "election", "Israel"),
    # a person's name is never a place
    ("Garcia held a news conference in Madrid on Friday.", "press conference", "Madrid"),
    ("The talks in Geneva ended without a deal.", "meeting", "Geneva"),
    ("Geneva (CNN)The minister resigned on Friday.", "resignation", None),
    # a person's country is a nationality, not where the event happened
    ("The French ambassador resigned on Friday.", "resignation", None),
    # an institution's city is where its acts happen
    ("A French court ruled on Friday that the ban was illegal.", "ruling", "France"),
    # a duty is decided by its agent's state; a state body in a locative phrase stands for its state
    ("Mexico agreed to impose a duty on steel imports.", "tariff", "Mexico"),
    ("The US president gave a speech at the White House.", "speech", "United States"),
    # whom an accusation targets is not where it was made; where a visit went is its place
    ("EU officials accused Beijing of dumping steel.", "accusation", "Europe"),  # where the accusers' union lies, not China
    ("The Pope visited Brazil on Monday.", "visit", "Brazil"),
    # a non-war event is where its agent's state is: a criticism made by a state
    ("Brazil criticised the new tariffs on steel.", "criticism", "Brazil"),
    # ... unless it is a war event: "Russian strikes" are not in Russia
    ("Russian warplanes carried out strikes on rebel positions.", "airstrike", None),
    # a domestic event befalling a company: the company's town, not what an inquiry is into
    ("Regulators charged the Dallas, Texas, software company with fraud.", "charge", "Dallas"),
    # a country the gazetteer lacks (GeoNames) sets a domestic event's place
    ("Zambia's election was held on Thursday.", "election", "Zambia"),
    # the body a speech is given before says where, not the speaker's state
    ("Putin gave a speech before the Bundestag.", "speech", None),
    # an agent phrase names the country whose body acted
    ("Kenya's new government agreed to impose a 10 pct duty on sugar imports.", "tariff", "Kenya"),
    # a person speaks for the body an apposition names, and that body's name says its state
    ("Ann Banda, head of the Zambian Farmers Union, criticised the new tariffs.", "criticism", "Zambia"),
    # where the people an event befalls were is where it happened; "in the wake of X" is no place
    ("The reporter interviewed the players at Wembley Stadium after their win over Brazil.", "interview", "Wembley Stadium"),
    ("The minister resigned in the wake of the scandal in Brazil.", "resignation", None),
    # where the agents were is where they acted, not an actor ("pledged by ministers in Geneva")
    ("The cuts, pledged by ministers in Geneva last month, were never made.", "pledge", "Geneva"),
    # a body of no state acts where its union lies; "it" reporting its own act is the reporter
    ("The European Commission said it has opened an enquiry into steel imports.", "investigation", "Europe"),
    # the one a complaint is from made it
    ("The ruling follows a complaint from EU steel producers.", "complaint", "Europe"),
    # a war event reported by local witnesses happened where they are
    ("Residents in the town of Kafr Nabl said at least five people were killed in the shelling.", "attack on civilians", "Kafr Nabl"),
    # ... not where officials speak from
    ("Officials in Washington said at least five people were killed in the shelling.", "attack on civilians", None),
    # a speaker's "from X" is where they spoke
    ("The opposition leader told the BBC from Kenya that the vote was rigged.", "interview", "Kenya"),
    # who a person is ("a Texas Republican") is not where an arrest happened
    ("Police arrested Sen. John Smith, a Texas Republican, on Monday.", "arrest", None),
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "etype", "place"), PLACES)
def test_place_from_the_event_clause(nlp, gazetteer, text, etype, place):
    events, found = events_in(nlp, gazetteer, text)
    event = next(e for e in events if e.type == etype)
    assert place_label(event, found) == place


DATES = [
    ("The minister resigned this morning.", "2016-10-20", "resignation", "date", "2016-10-20"),
    ("Workers went on strike on Monday.", "2016-10-20", "labour strike", "date", "2016-10-17"),
    ("Police arrested the suspect last night.", "2016-10-20", "arrest", "date", "2016-10-19"),
    ("Workers went on strike last week.", "2016-10-20", "labour strike", "start", "2016-10-10"),
    ("Workers went on strike last week.", "2016-10-20", "labour strike", "end", "2016-10-16"),
    # the date of another sentence's event is not this one's
    ("Talks were held in Geneva on Monday. Separately, workers went on strike in Lyon.", "2016-10-20", "labour strike", "date", None),
    # a time of another word's phrase is not the event's
    ("Police executed the leader of the protests in 2012.", "2016-10-20", "protest", "date", None),
    # no publication date: a weekday names no day
    ("Workers went on strike on Monday.", None, "labour strike", "date", None),
    # a past-tense verb looks back; a noun or an infinitive has no tense: the nearer side wins, the past
    # counted twice (2016-10-20 is a Thursday)
    ("The unions met on Saturday.", "2016-10-20", "meeting", "date", "2016-10-15"),
    ("The unions agreed to meet on Saturday.", "2016-10-20", "meeting", "date", "2016-10-22"),
    ("Union leaders will hold talks with the board on Monday.", "2016-10-20", "meeting", "date", "2016-10-24"),
    ("The board named two directors for election at the November 12 meeting.", "2016-10-20", "meeting", "date", "2016-11-12"),
    ("The board held its annual meeting on December 2.", "2016-10-20", "meeting", "date", "2015-12-02"),
]

HEADLINES = [
    # the headline's news, told in the lede with no time of its own, happened on the story's day
    ("ACME FILES SUIT AGAINST RIVAL\n\nAcme Corp said it filed a lawsuit against Rival Inc in federal court.", "lawsuit", "2016-10-20"),
    # a lede event the headline does not name keeps no date
    ("ACME REJECTS RIVAL OFFER\n\nRival Inc was sued by Acme Corp in federal court.", "lawsuit", None),
    # a headline verb in the past participle names its event too ("CRITICISED")
    ("MINISTRY CRITICISED\n\nThe ruling party has criticised the Agriculture Ministry for waste.", "criticism", "2016-10-20"),
    # an event of the lede in the present perfect is the day's news, whatever the headline says
    ("MERCURY PRICES FALL\n\nThe Commission said it has opened an enquiry into mercury imports.", "investigation", "2016-10-20"),
    # ... but not in the simple past
    ("MERCURY PRICES FALL\n\nThe Commission opened an enquiry into mercury imports.", "investigation", None),
    # an act its doer reports, with no time of its own, is reported when done; someone else's report is not
    ("ACME PROFITS RISE\n\nAcme Corp said profits rose. Sales rose too. Acme also said it filed a lawsuit against Rival Inc.", "lawsuit", "2016-10-20"),
    ("ACME PROFITS RISE\n\nAcme Corp said profits rose. Sales rose too. Analysts said Rival filed a lawsuit against Acme.", "lawsuit", None),
    # an event told further down the story is not the headline's news
    ("ACME FILES SUIT AGAINST RIVAL\n\nAcme Corp said its board met. Profits rose. Sales fell. Rival said it was sued by Acme last year.", "lawsuit", "2015"),
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "etype", "date"), HEADLINES)
def test_the_headline_news_is_dated_by_the_story(nlp, gazetteer, text, etype, date):
    title = text.split("\n")[0]
    doc = nlp(text)
    doc.user_data["article"] = "t"
    found = find_entities(doc, gazetteer)
    events = find_events(doc, Article("t", "t", text, "t", title=title, published="2016-10-20"), found)
    assert next(e for e in events if e.type == etype).date == date


@pytest.mark.model
@pytest.mark.parametrize(("text", "published", "etype", "field", "value"), DATES)
def test_date_from_the_event_time_expression(nlp, gazetteer, text, published, etype, field, value):
    events, _ = events_in(nlp, gazetteer, text, published=published)
    event = next(e for e in events if e.type == etype)
    assert getattr(event, field) == value


MERGES = [
    ("Workers went on strike in Lyon on Monday. The strike closed the port.", "labour strike", 1),
    ("Police arrested a man in Leeds on Monday. Police arrested a woman in York on Friday.", "arrest", 2),
    ("The court ruled on Monday. The ruling was welcomed.", "ruling", 1),
    # an indefinite mention with neither place nor date of its own introduces another event
    ("He gave an interview in Paris on Monday. He later gave an interview to a radio station.", "interview", 2),
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "etype", "count"), MERGES)
def test_mentions_of_one_event_are_merged(nlp, gazetteer, text, etype, count):
    events, _ = events_in(nlp, gazetteer, text)
    assert len([e for e in events if e.type == etype]) == count


DISCOURSE = [
    # a trigger no sense of which holds takes the article's one sense of it
    ("Railway workers went on strike on Monday. The two-day strike closed the port.", "labour strike", 2),
    ("The strike closed the port.", "labour strike", 0),
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "etype", "reports"), DISCOURSE)
def test_one_sense_per_discourse(nlp, gazetteer, text, etype, reports):
    events, _ = events_in(nlp, gazetteer, text)
    assert sum(len(e.evidence) for e in events if e.type == etype) == reports
    assert "airstrike" not in {e.type for e in events}


def report(article, place="lyon", date=None, agents=(), type_="labour strike"):
    return Event(f"{article}-{type_}", type_, type_, "strike", (Evidence(article, 0, 1, "s"),), place=place, date=date, agents=agents)


PLACE_ENTITIES = {"lyon": Entity("lyon", "Lyon", "City"), "france": Entity("france", "France", "Country")}

LINKS = [
    # undated reports sharing a participant: one event
    ([report("a", agents=("union",)), report("b", agents=("union",))], 1, 0),
    # undated, nothing shared: two events, possibly the same
    ([report("a"), report("b")], 2, 1),
    # dated far apart: two events, not even possibly the same
    ([report("a", date="2016-10-01"), report("b", date="2016-10-20")], 2, 0),
    # a country says too little to call two reports possibly one event
    ([report("a", place="france"), report("b", place="france")], 2, 0),
    # different years rule out even a participant's link
    ([report("a", date="2015", agents=("union",)), report("b", date="2016-10-20", agents=("union",))], 2, 0),
]


@pytest.mark.parametrize(("events", "count", "possible"), LINKS)
def test_linking_across_articles(events, count, possible):
    merged, mapping = link_events(events, PLACE_ENTITIES)
    assert len(merged) == count and set(mapping) == {e.id for e in events}
    assert all(len(e.possibly_same_as) == possible for e in merged.values())


def test_every_trigger_type_is_in_the_typology():
    """A type named in event_types.tsv but missing from event_typology.tsv fails at load."""
    types = event_types()
    assert {"labour strike", "airstrike"} <= trigger_types("strikes") <= set(types)
    assert all(t.category for t in types.values())


NEW_TYPES = [
    # a vow or pledge by someone is an event; a promising result is not
    ("The prime minister vowed to fight the new tariffs.", "pledge"),
    ("The drug showed promising results in trials.", None),
    # telling a news outlet is giving it an interview; telling anyone else is not
    ("The minister told CNN that the talks had failed.", "interview"),
    ("The general told his troops that the talks had failed.", None),
    # troops trained by a military: military assistance (PLOVER AID)
    ("Canadian instructors are training Malian troops near Bamako.", "military training"),
    ("The company is training its sales staff.", None),
    # a game with a sport's word is a match; a game alone may be a video game
    ("Fans rioted after the Premier League game at Anfield.", "sports match"),
    ("The studio released a new game on Friday.", None),
]


@pytest.mark.model
@pytest.mark.parametrize(("text", "etype"), NEW_TYPES)
def test_military_training_and_sports_matches(nlp, gazetteer, text, etype):
    events, _ = events_in(nlp, gazetteer, text)
    types = {e.type for e in events}
    if etype:
        assert etype in types
    else:
        assert not types & {"military training", "sports match", "interview", "pledge"}


def test_a_passive_participle_names_what_its_noun_undergoes(nlp, gazetteer):
    events, found = events_in(nlp, gazetteer, "The ministers defended a quota agreed in Vienna in September.")
    agreement = next(e for e in events if e.type == "agreement")
    assert place_label(agreement, found) == "Vienna" and (agreement.date or agreement.start) == "2016-09"


def test_a_noun_of_quantity_stands_in_for_its_trigger(nlp, gazetteer):
    events, found = events_in(nlp, gazetteer, "Kenya has completed a new round of talks with its creditors.")
    meeting = next(e for e in events if e.type == "meeting")
    assert [found.found[a].label for a in meeting.agents] == ["Kenya"]


def named_in(entity_id, entity_type, *articles):
    return Entity(entity_id, entity_id, entity_type, mentions=tuple(Mention(a, entity_id, 0, 1, 0) for a in articles))


@pytest.mark.parametrize(("cast", "count"), [
    # two articles naming the same two people tell one story: their undated strikes in Lyon are one
    ({**PLACE_ENTITIES, "x": named_in("x", "Person", "a", "b"), "y": named_in("y", "Person", "a", "b")}, 1),
    # one person and bodies in common are not yet one story (a government or the GATT recurs across stories)
    ({**PLACE_ENTITIES, "x": named_in("x", "Person", "a", "b"), "y": named_in("y", "Government", "a", "b"),
      "z": named_in("z", "IntergovernmentalOrganization", "a", "b")}, 2),
])
def test_reports_in_articles_of_one_story_are_linked(cast, count):
    merged, _ = link_events([report("a"), report("b")], cast)
    assert len(merged) == count
