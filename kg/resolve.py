"""Cross-article entity resolution: one node per real-world entity across the corpus.

Each article's entities already carry canonical keys (gazetteer ids, else type + name), so most
merging is a union by key. What keys cannot see is fixed here, deterministically and with guard
rails: a one-word person name ("Shimale") joins the one multi-word person of the corpus whose
surname it is, never when two candidates exist; an acronym joins the one organization whose
initials it spells. `resolve` returns the merged entities and the id mapping for claims and events.
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.extract.names import ShortNames, is_acronym
from kg.gazetteer import name_key
from kg.model import Entity


def resolve(entities: Iterable[Entity]) -> tuple[dict[str, Entity], dict[str, str]]:
    """Return (entities by id, mapping of every merged-away id to its canonical id)."""
    merged: dict[str, Entity] = {}
    for entity in entities:
        merged[entity.id] = union(merged[entity.id], entity) if entity.id in merged else entity
    mapping: dict[str, str] = {}
    short_names = ShortNames((e.id, e.label, e.type, e.aliases) for e in merged.values())
    by_name = {name_key(e.label): e.id for e in sorted(merged.values(), key=lambda e: e.id)}
    for entity in sorted(merged.values(), key=lambda e: e.id):
        if entity.wikidata or ":" not in entity.id:
            continue  # gazetteer entities are already canonical
        # across articles a short form needs stronger evidence than within one: a surname only
        # when the model read it as a person ("Ferguson" the city is not the actor Ferguson)
        target = short_names.expand(entity.label, entity.type) if entity.type == "Person" or is_acronym(entity.label) else None
        target = target or _written_out(entity, short_names, by_name, merged)
        if target is not None and target != entity.id:
            mapping[entity.id] = target
    mapping.update(_spelling_variants(merged, mapping))
    for source, target in mapping.items():
        merged[target] = union(merged[target], merged.pop(source))
    return dict(sorted(merged.items())), mapping


def _written_out(entity: Entity, short_names: ShortNames, by_name: dict[str, str], entities: dict[str, Entity]) -> str | None:
    """The organization a name that starts with an acronym names when the acronym is written out
    ("EC Commission" -> "European Community Commission", where "EC" is "European Community")."""
    words = entity.label.split()
    if len(words) < 2 or not is_acronym(words[0]):
        return None
    expanded = short_names.expand(words[0], entity.type)
    return by_name.get(name_key(" ".join([entities[expanded].label, *words[1:]]))) if expanded in entities else None


VARIANT_SIMILARITY = 0.88  # difflib ratio of two names that are one name spelled two ways


def _spelling_variants(entities: dict[str, Entity], taken: dict[str, str]) -> dict[str, str]:
    """Return merges of names that are spellings of one name ("Zoheir al-Shimale" / "Zuheir
    al-Shimali"): same type, same number of words, same initials, each word alike, long enough
    (8+ letters), never a gazetteer entity (its variants are listed) and never two names that
    differ in a whole word ("Fateh al-Sham Front" / "Fatah Halab" differ in every word)."""
    from difflib import SequenceMatcher

    candidates = sorted((e for e in entities.values() if ":" in e.id and e.id not in taken and e.type != "CollectiveActor"
                         and len(e.label.replace(" ", "")) >= 8), key=lambda e: (-len(e.mentions), e.id))
    # only names of one type, word count and initials can be variants: compare within those groups
    groups: dict[tuple, list[tuple[Entity, list[str]]]] = {}
    for e in candidates:
        words = name_key(e.label).split()
        groups.setdefault((e.type, len(words), tuple(w[0] for w in words)), []).append((e, words))
    out: dict[str, str] = {}
    for members in groups.values():
        for i, (a, wa) in enumerate(members):
            if a.id in out:
                continue
            for b, wb in members[i + 1:]:
                if b.id in out:
                    continue
                whole = SequenceMatcher(None, " ".join(wa), " ".join(wb))
                if whole.real_quick_ratio() < VARIANT_SIMILARITY or whole.quick_ratio() < VARIANT_SIMILARITY:
                    continue  # upper bounds of ratio(), cheap: most pairs in a large corpus stop here
                if all(SequenceMatcher(None, x, y).ratio() >= VARIANT_SIMILARITY or (len(x) > 3 and SequenceMatcher(None, x, y).ratio() >= 0.75) for x, y in zip(wa, wb)) \
                        and whole.ratio() >= VARIANT_SIMILARITY:
                    out[b.id] = a.id
    return out


def union(a: Entity, b: Entity) -> Entity:
    """Return one entity holding the names, mentions and roles of both (a's identity wins)."""
    from dataclasses import replace

    aliases = sorted((set(a.aliases) | set(b.aliases) | {b.label}) - {a.label})
    return replace(
        a,
        aliases=tuple(aliases),
        mentions=tuple(sorted(set(a.mentions) | set(b.mentions))),
        roles=tuple(sorted(set(a.roles) | set(b.roles))),
        parent=a.parent or b.parent,
        located_in=a.located_in or b.located_in,
        geonames=a.geonames or b.geonames,
        lat=a.lat if a.lat is not None else b.lat,
        lon=a.lon if a.lon is not None else b.lon,
    )
