"""Builds the spaCy `Language` kg runs: an English model plus kg's own components.

Components registered here (each placed where it must run):
- `kg_line_breaks` (before `parser`): a line break ends a sentence, so a headline, a caption or
  a dateline never fuses with the paragraph after it.
- `kg_gazetteer` (before `ner`): gazetteer names become entities with their gazetteer id in
  `ent.kb_id_`; the statistical `ner` respects them and labels only what is left, so
  "Staffan de Mistura" is a person even where the small model says ORG.

The model's own `attribute_ruler` is kept, but finds its matches by table lookup (`TableMatch`):
the same matches, so the same tags, parts of speech, morphology and lemmas, in a third of the time.
Its rule `lemmatizer` is kept too, with each lemma worked out once per word form, part of speech
and morphology (`CachedLemmas`): the same lemmas in a sixth of the time.

The extraction stages (`kg/extract/`) are plain functions over the finished `Doc` rather than
pipeline components: they need the `Article` (publication date, outlet), which a component does
not see, and keeping them outside `nlp.pipe` lets the parse run in worker processes while
extraction stays one pure function of (Doc, Article).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.errors import ModelNotFound
from kg.gazetteer import Gazetteer, load_gazetteer, name_key
from kg.versions import model_name, pipeline_version  # noqa: F401 (kg.nlp's public names)

SPACY_LABEL = {
    "Person": "PERSON", "Country": "GPE", "City": "GPE", "Region": "LOC", "District": "LOC",
    "Place": "LOC", "Facility": "FAC", "CollectiveActor": "NORP",
}


@cache
def load_nlp(model: str | None = None, gazetteers: tuple[str, ...] = ()) -> Language:
    """Return the loaded pipeline (cached per model and gazetteer files; loading takes ~1 s)."""
    name = model_name(model)
    try:
        nlp = spacy.load(name)
    except OSError as e:
        raise ModelNotFound(f"cannot load spaCy pipeline '{name}': {e}") from None
    nlp.max_length = 2_000_000
    _split_credits(nlp)
    if "attribute_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("attribute_ruler")
        ruler.match = TableMatch(ruler)  # the same matches, found by table lookup (see TableMatch)
    if "lemmatizer" in nlp.pipe_names and getattr(nlp.get_pipe("lemmatizer"), "mode", None) == "rule":
        lemmatizer = nlp.get_pipe("lemmatizer")
        lemmatizer.pipe = CachedLemmas(lemmatizer).pipe  # the same lemmas, each worked out once (see CachedLemmas)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("kg_line_breaks", before="parser")
    nlp.add_pipe("kg_gazetteer", before="ner" if "ner" in nlp.pipe_names else None, config={"gazetteers": list(gazetteers)})
    return nlp


def _split_credits(nlp: Language) -> None:
    """Split a closing bracket glued to the next word, as in the agency credit "(CNN)The
    University said": otherwise "CNN)The" is one token and the name after it is lost."""
    from spacy.util import compile_infix_regex

    infixes = [*nlp.Defaults.infixes, r"\)(?=[A-Z])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def release_nlp() -> None:
    """Free the loaded pipelines (about 200 MB for the small English model after a long parse; the
    next `load_nlp` loads again). A build that has parsed its articles does this before it builds
    the graph, so the graph and exports never share memory with an idle model."""
    import gc

    load_nlp.cache_clear()
    gc.collect()


def parse(nlp: Language, texts: list[str], batch_size: int = 32) -> Iterator[Doc | Exception]:
    """Yield one parsed Doc per text, in order, or the exception the pipeline raised on it.

    A text longer than `nlp.max_length` is parsed in pieces cut at paragraph breaks (else
    sentence ends, else spaces), joined back into one Doc with exactly the text's characters:
    every component here is local to a sentence, and spaCy's E088 (a 4.6M-character article)
    no longer stops a build. A batch that fails is parsed again a text at a time, so one text the
    pipeline cannot take costs only itself."""
    run: list[str] = []
    for text in texts:
        if len(text) <= nlp.max_length:
            run.append(text)
            continue
        yield from _pipe_each(nlp, run, batch_size)
        run = []
        try:
            pieces = list(nlp.pipe(split_text(text, nlp.max_length), batch_size=1))
            yield Doc.from_docs(pieces, ensure_whitespace=False)
        except Exception as e:  # noqa: BLE001 - reported as this article's problem
            yield e
    yield from _pipe_each(nlp, run, batch_size)


def _pipe_each(nlp: Language, texts: list[str], batch_size: int) -> Iterator[Doc | Exception]:
    done = 0
    try:
        for doc in nlp.pipe(texts, batch_size=batch_size):
            done += 1
            yield doc
    except Exception:  # noqa: BLE001 - find the text that failed: the rest of the batch, one at a time
        for text in texts[done:]:
            try:
                yield nlp(text)
            except Exception as e:  # noqa: BLE001
                yield e


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters that join back to it, each ending at
    the last paragraph break of its window, else the last sentence end, else the last space."""
    pieces, start = [], 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = _last_boundary(window)
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def _last_boundary(window: str) -> int:
    half = len(window) // 2  # a boundary in the second half, so no piece is tiny
    for pattern in (r"\n[ \t]*\n\s*", r"[.!?][\"'”’)\]]*\s+", r"\s+"):
        last = None
        for last in re.finditer(pattern, window[half:]):
            pass
        if last is not None:
            return half + last.end()
    return len(window)


@Language.component("kg_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after a line break; in hard-wrapped text, only after a blank line."""
    from kg.extract.scan import where

    wrapped = _hard_wrapped(doc.text)
    for i in where(doc, "ORTH", lambda w: "\n" in w):  # a line break is a space token of its own
        if i + 1 >= len(doc) or doc[i + 1].is_space:
            continue
        token, prev = doc[i + 1], doc[i]
        gap = prev.text if prev.is_space else prev.whitespace_
        if "\n" not in gap:
            continue
        after_sentence_end = token.i < 2 or doc[token.i - 2].text[-1:] in ".!?\"”"
        if not wrapped or gap.count("\n") > 1 or after_sentence_end:
            token.is_sent_start = True
    return doc


def _hard_wrapped(text: str) -> bool:
    """Return whether most lines were broken at a fixed width inside sentences (wire copy, e-mail)."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) < 5:
        return False
    inside = sum(1 for ln in lines if 40 <= len(ln) <= 90 and ln[-1] not in ".!?:\"”'")
    return inside > 0.5 * len(lines)


@Language.factory("kg_gazetteer", default_config={"gazetteers": []})
def make_gazetteer_ruler(nlp: Language, name: str, gazetteers: list[str]):
    return GazetteerRuler(nlp, load_gazetteer(tuple(gazetteers)))


class GazetteerRuler:
    """Marks gazetteer names as entities (longest match wins), with the entry id as `kb_id_`."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for entry in gazetteer.entries.values():
            names = set()
            for n in (n for n in entry.names if gazetteer.by_name.get(name_key(n)) == entry.id):
                names.add(n)
                if " " in n and not n.isupper():
                    names.add(" ".join(w[:1].upper() + w[1:] for w in n.split()))
            self.matcher.add(entry.id, list(nlp.tokenizer.pipe(sorted(names))))
        # one-word names, for possessives written without an apostrophe ("Assads forces", "Syrias")
        self.single = {n: e.id for e in gazetteer.entries.values() for n in e.names
                       if " " not in n and len(n) >= 4 and n[:1].isupper() and gazetteer.by_name.get(name_key(n)) == e.id}

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for match_id, start, end in self.matcher(doc):
            entry = self.gazetteer.entries[doc.vocab.strings[match_id]]
            span = Span(doc, start, end, label=_label(entry.type), kb_id=entry.id)
            if _plausible(span):
                spans.append(span)
        covered = {i for span in spans for i in range(span.start, span.end)}
        for token in doc:
            base = token.text[:-1]
            if token.i not in covered and token.text.endswith("s") and base in self.single and token.text not in self.single:
                entry = self.gazetteer.entries[self.single[base]]
                spans.append(Span(doc, token.i, token.i + 1, label=_label(entry.type), kb_id=entry.id))
        doc.set_ents(filter_spans(spans + list(doc.ents)), default="unmodified")
        return doc


def _label(entity_type: str) -> str:
    return SPACY_LABEL.get(entity_type, "ORG")


def _plausible(span: Span) -> bool:
    """Reject gazetteer hits that are ordinary words: a short all-caps alias inside an all-caps line."""
    if span.text.isupper() and len(span.text) <= 3:
        sent_words = [t.text for t in span.sent if t.is_alpha]
        if sent_words and sum(w.isupper() for w in sent_words) > len(sent_words) / 2:
            return False
    return True


class TableMatch:
    """An attribute ruler's `match`, with its one-token patterns looked up in tables.

    The model's `attribute_ruler` maps each token's tag (and, for some words, its lower-case form
    or dependency) to a part of speech, morphology or lemma through 179 spaCy Matcher patterns.
    spaCy's Matcher tries every pattern at every token: it took 9% of the parse, more than all of
    kg's extraction. Nearly all the patterns are one token with equality, `IN` or `NOT_IN` tests on
    a few attributes, so they are keyed by the values their equality and `IN` tests accept and
    found with one dictionary lookup per token and attribute combination (a `NOT_IN` test is then
    checked on what was found); the others (several tokens, operators, regular expressions, other
    attributes) stay with a Matcher of their own. The result is the ruler's own `match` output, the
    same list in the same order (`tests/test_nlp.py` checks it against spaCy's), which the ruler
    then applies as always, so any model's ruler works, whatever its patterns.
    """

    ATTRS = ("ORTH", "LOWER", "TAG", "DEP", "IS_SPACE")  # attributes looked up; TEXT is ORTH

    def __init__(self, ruler):
        from spacy.attrs import IDS
        from spacy.matcher import Matcher

        self.strings = ruler.vocab.strings
        self.rest = Matcher(ruler.vocab)
        keyed: list[tuple[dict[str, tuple[bool, list[int]]], int]] = []
        for attr_id in range(len(ruler.attrs)):
            key = str(attr_id)
            for pattern in ruler.matcher.get(key)[1]:
                tests = self._tests(pattern)
                if tests is None:
                    self.rest.add(key, [pattern])
                else:
                    keyed.append((tests, attr_id))
        used = sorted({name for tests, _ in keyed for name in tests})
        self.columns = [IDS[n] for n in used]
        # columns whose values must be among some -> {accepted values -> [(attr_id, match_id, NOT_IN checks)]}
        tables: dict[tuple[int, ...], dict[tuple, list]] = {}
        for tests, attr_id in keyed:
            keys = [n for n in sorted(tests) if tests[n][0]]
            checks = tuple((used.index(n), frozenset(tests[n][1])) for n in sorted(tests) if not tests[n][0])
            table = tables.setdefault(tuple(used.index(n) for n in keys), {})
            for combination in itertools.product(*(tests[n][1] for n in keys)):
                table.setdefault(combination, []).append((attr_id, self.strings[str(attr_id)], checks))
        # per table: its columns, the values its first column accepts (a cheap test that rules out
        # most tokens before a tuple is made), and its entries (keyed by the value alone for one column)
        self.lookups = [(columns, columns[0], {k[0] for k in table}, {k[0]: v for k, v in table.items()} if len(columns) == 1 else table)
                        for columns, table in sorted(tables.items())]

    def _tests(self, pattern: list[dict]) -> dict[str, tuple[bool, list[int]]] | None:
        """{attribute: (True for equality or IN, False for NOT_IN; values as the doc array holds
        them)} for a one-token pattern of such tests on ATTRS with at least one equality or IN;
        None for any other pattern."""
        if len(pattern) != 1:
            return None
        tests = {}
        for name, want in pattern[0].items():
            name = "ORTH" if name.upper() == "TEXT" else name.upper()
            if name not in self.ATTRS:
                return None
            accept = True
            if isinstance(want, dict):
                if len(want) != 1 or not isinstance(next(iter(want.values())), list) or next(iter(want)) not in ("IN", "NOT_IN"):
                    return None
                accept, want = "IN" in want, next(iter(want.values()))
            else:
                want = [want]
            if name == "IS_SPACE" and all(isinstance(w, bool) for w in want):
                tests[name] = (accept, [int(w) for w in want])
            elif name != "IS_SPACE" and all(isinstance(w, str) for w in want):
                tests[name] = (accept, [self.strings[w] for w in want])  # a string's hash, as the doc array holds it
            else:
                return None
        return tests if any(accept for accept, _ in tests.values()) else None

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """(attribute-set id, match id, start, end) of every match, sorted, as `AttributeRuler.match`."""
        found = set()
        if self.lookups and len(doc):
            rows = doc.to_array(self.columns).tolist()
            if len(self.columns) == 1:
                rows = [[r] for r in rows]
            for i, row in enumerate(rows):
                for columns, first, firsts, table in self.lookups:
                    if row[first] not in firsts:
                        continue
                    for attr_id, match_id, checks in table.get(row[first] if len(columns) == 1 else tuple(row[c] for c in columns), ()):
                        if not any(row[c] in refused for c, refused in checks):
                            found.add((attr_id, match_id, i, i + 1))
        if len(self.rest):
            for match_id, start, end in self.rest(doc, allow_missing=True, as_spans=False):
                found.add((int(self.strings[match_id]), match_id, start, end))
        return sorted(found)


class CachedLemmas:
    """A rule lemmatizer's `pipe`, giving each token the lemma the lemmatizer gives it, worked out
    once per (word form, part of speech, morphology) and then read from a table.

    A rule lemmatizer's lemma is a function of those three alone, but spaCy's caches only the words
    its rules change: for a base form (a singular noun, an infinitive: most words) it builds the
    token's morphology dictionary again every time, and it sets every lemma through a Token object.
    It took 8% of the parse. Here the doc's columns are read and written as arrays, and only a
    combination not seen before asks the lemmatizer itself. Tokens that already have a lemma (set
    by the attribute ruler) keep it, as with spaCy's (`overwrite` is honoured). A doc the fast path
    fails on goes through the lemmatizer's own `__call__`, with its error handling."""

    LIMIT = 500_000  # combinations kept; past it, the table starts again (a long-running process)

    def __init__(self, lemmatizer):
        self.lemmatizer = lemmatizer
        self.table: dict[tuple[int, int, int], int] = {}

    def pipe(self, stream, *, batch_size: int = 128):
        for doc in stream:
            try:
                yield self(doc)
            except Exception:  # noqa: BLE001 - spaCy's own path, with its error handler
                yield self.lemmatizer(doc)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.attrs import LEMMA, MORPH, ORTH, POS

        if not len(doc):
            return doc
        lemmatizer, table = self.lemmatizer, self.table
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3].copy()
        overwrite = lemmatizer.overwrite
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma and not overwrite:
                continue
            key = (orth, pos, morph)
            found = table.get(key)
            if found is None:
                if len(table) >= self.LIMIT:
                    table.clear()
                found = table[key] = doc.vocab.strings.add(lemmatizer.lemmatize(doc[i])[0])
            lemmas[i] = found
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc
