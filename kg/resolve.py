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
    # each entity's contributions are collected, then merged once: merging article by article
    # re-sorted a common entity's whole mention list for every article naming it (N^1.9 on Reuters)
    parts: dict[str, list[Entity]] = {}
    for entity in entities:
        parts.setdefault(entity.id, []).append(entity)
    merged = {key: merge(group) for key, group in parts.items()}
    del parts
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
    # the same fold as one union per mapping entry, in mapping order, grouped by target: a target
    # that is itself merged away later takes its own contributions along
    pending: dict[str, list[Entity]] = {}

    def settle(key: str) -> None:
        if key in pending:
            merged[key] = merge([merged[key], *pending.pop(key)])

    for source, target in mapping.items():
        settle(source)
        pending.setdefault(target, []).append(merged.pop(source))
    for target in list(pending):
        settle(target)
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
    return merge([a, b])


def merge(parts: list[Entity]) -> Entity:
    """Return one entity holding the names, mentions and roles of all parts, in one pass: the
    first part's identity wins, and each of parent, place and coordinates is the first part's that
    has one; exactly what folding `union` over the parts gives, without re-sorting per part."""
    from dataclasses import replace

    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    aliases: set[str] = set()
    mentions: set = set()
    roles: set[str] = set()
    for p in parts:
        aliases.update(p.aliases)
        mentions.update(p.mentions)
        roles.update(p.roles)
    aliases.update(p.label for p in parts[1:])
    aliases.discard(first.label)
    last = parts[-1]
    return replace(
        first,
        aliases=tuple(sorted(aliases)),
        mentions=tuple(sorted(mentions)),
        roles=tuple(sorted(roles)),
        parent=next((p.parent for p in parts if p.parent), last.parent),  # `a.parent or b.parent`, folded
        located_in=next((p.located_in for p in parts if p.located_in), last.located_in),
        geonames=next((p.geonames for p in parts if p.geonames), last.geonames),
        lat=next((p.lat for p in parts if p.lat is not None), None),
        lon=next((p.lon for p in parts if p.lon is not None), None),
    )
