"""How one name is written several ways in news, as string functions and data.

- titles and honorifics before a person's name ("Ms. Cho", "Sheikh Ali"; `honorifics.tsv`);
- company legal forms after a company's name ("General Motors Corp"; `company_suffixes.txt`);
- acronyms: dotted or not ("C.I.A." = "CIA"), formed from a name's initials ("GM" for "General
  Motors", "MITI" for "Ministry of International Trade and Industry"), or defined in the text:
  "Long Name (ACR)" and "ACR (Long Name)", found as Schwartz and Hearst's algorithm finds them
  (A Simple Algorithm for Identifying Abbreviation Definitions in Biomedical Text, PSB 2003);
- `ShortNames`: which full name a short form stands for (a surname, an acronym), with a
  guard rail: an ambiguous short form is never merged.

Nothing here knows the article's entities: `entities`, `chains` and `resolve` use these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported only where a model runs: a cached build never loads it
    from spacy.tokens import Doc, Span

from kg.data import lines

# small words an acronym skips ("Ministry of International Trade and Industry" -> MITI)
FUNCTION_WORDS = frozenset({"of", "and", "for", "the", "on", "in", "at", "to", "de", "du", "des", "la", "le", "del", "&"})


@cache
def honorifics() -> dict[str, str]:
    """Title -> the part of the name it goes with ("surname" or "given"), from honorifics.tsv."""
    return {cells[0]: cells[1] for cells in (line.split("\t") for line in lines("honorifics.tsv"))}


@cache
def name_titles() -> frozenset[str]:
    """Titles always followed by a person's name ("Mr.", "Lord", "Sheikh"), from honorifics.tsv."""
    return frozenset(cells[0] for cells in (line.split("\t") for line in lines("honorifics.tsv")) if cells[2:] == ["name"])


@cache
def company_suffixes() -> tuple[tuple[str, ...], ...]:
    """Company legal forms as lower-case word tuples, longest first (company_suffixes.txt)."""
    return tuple(sorted({tuple(s.lower().split()) for s in lines("company_suffixes.txt")}, key=len, reverse=True))


@cache
def name_heads() -> dict[str, str]:
    """A name's last word -> the type it tells ("Square": District, "Council": Organization; name_heads.tsv)."""
    return dict(line.split("\t") for line in lines("name_heads.tsv"))


@cache
def descriptors() -> dict[str, str]:
    """A common noun beside a name -> the type it gives ("band": Organization; descriptors.tsv)."""
    return dict(line.split("\t") for line in lines("descriptors.tsv"))


@cache
def org_types() -> dict[str, str]:
    """A word in an organization's name -> the kind it tells ("Brigade": ArmedGroup; org_types.tsv)."""
    return dict(line.split("\t") for line in lines("org_types.tsv"))


def org_words(words: list[str]) -> bool:
    """Whether a name has a word that names a kind of body or place ("Council", "Brigade", "Square")."""
    return any(w in org_types() or w in name_heads() for w in words)


def title_length(words: list[str]) -> int:
    """The number of leading words that are a title or honorific ("Vice President Al Gore" -> 2)."""
    titles, n = honorifics(), 0
    while n < len(words):
        step = next((k for k in (3, 2, 1) if n + k <= len(words) and " ".join(words[n:n + k]) in titles), 0)
        if not step:
            break
        n += step
    return n


@cache
def company_endings() -> tuple[tuple[str, ...], ...]:
    """Legal forms and designators ("Industrie", company_designators.txt), as lower-case word tuples,
    longest first: what a company's span runs on over."""
    designators = {tuple(s.lower().split()) for s in lines("company_designators.txt")}
    return tuple(sorted(set(company_suffixes()) | designators, key=len, reverse=True))


def suffix_length(words: list[str]) -> int:
    """The number of trailing words that are a company legal form ("Harris Upham and Co Inc" -> 3)."""
    n, lower = 0, [w.lower() for w in words]
    while n < len(words) - 1:  # a company is never only its legal form
        step = next((len(s) for s in company_suffixes() if len(s) <= len(words) - n - 1 and tuple(lower[len(words) - n - len(s):len(words) - n]) == s), 0)
        if not step:
            break
        n += step
    return n


def strip_company_suffix(name: str) -> str:
    """The name without its legal form ("General Motors Corp" -> "General Motors")."""
    words = name.replace(",", " ,").split()
    n = suffix_length(words)
    kept = words[:len(words) - n] if n else words
    return " ".join(kept).replace(" ,", ",").rstrip(", ")


def undot(text: str) -> str:
    """An acronym written with dots, without them ("C.I.A." -> "CIA"); other text unchanged."""
    return text.replace(".", "") if re.fullmatch(r"(?:[A-Z]\.){2,}[A-Z]?\.?", text) else text


def is_acronym(text: str) -> bool:
    """Whether a name is an acronym: 2-8 capitals, two letters at least, perhaps with dots or digits
    ("GATT", "U.N.", "OPEC3"; not "G7", a designation whose letters spell no name)."""
    if len(text) < 2 or not ("A" <= text[0] <= "Z") or not (text[1].isupper() or text[1].isdigit() or text[1] in ".&"):
        return False  # most words, without the regular expressions (this runs on every token)
    return bool(re.fullmatch(r"[A-Z][A-Z0-9&]{1,7}", undot(text))) and sum(c.isalpha() for c in text) >= 2


@lru_cache(maxsize=1 << 16)
def initials(name: str) -> frozenset[str]:
    """The acronyms a multi-word name may be written as: its capitalized words' initials, all its
    words' initials but small words, each without a legal form and without a leading place
    ("U.S. Customs and Border Protection" -> CBP); empty for a one-word name."""
    out: set[str] = set()
    base = strip_company_suffix(name)
    for variant in {name, base}:
        words = [w for part in variant.replace(",", " ").split() for w in ([part] if part.isupper() else part.split("-"))]
        while words and words[0].lower() in FUNCTION_WORDS:  # "The Organization for ..."
            words = words[1:]
        for start in range(min(2, len(words))):  # also without a leading word ("U.S.", "White")
            rest = words[start:]
            if len(rest) < 2:
                continue
            # an acronym inside a name keeps all its letters ("EC Commission" -> ECC, never EC)
            caps = "".join(_initial(w) for w in rest if w[:1].isupper())
            content = "".join(_initial(w).upper() for w in rest if w.lower() not in FUNCTION_WORDS and w[:1].isalpha())
            out |= {a for a in (caps, content) if len(a) >= 2}
            if start == 0 and not re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?\.?|[A-Z]{2,}", words[0]):
                break  # only a leading acronym or place ("U.S.", "UK") is skipped
    return frozenset(out)


def _initial(word: str) -> str:
    return undot(word) if is_acronym(word) else word[0]


# --- acronyms defined in the text ----------------------------------------------------------------


def acronym_definitions(doc: Doc) -> list[tuple[Span, Span]]:
    """(long form, acronym) pairs the text defines: "the General Agreement on Tariffs and Trade
    (GATT)" and "the GATT (General Agreement on Tariffs and Trade)"."""
    import numpy as np
    from spacy.attrs import ORTH

    found = []
    if "(" not in doc.text:
        return found
    opening = doc.vocab.strings.add("(")
    for i in np.flatnonzero(doc.to_array(ORTH) == opening).tolist():  # the brackets, without a Token per word
        token = doc[i]
        if token.i + 2 >= len(doc):
            continue
        close = next((t.i for t in doc[token.i + 1 : token.i + 14] if t.text == ")"), None)
        if close is None:
            continue
        inside = doc[token.i + 1 : close]
        words = [t for t in inside if not t.is_space]
        if len(words) == 1 and is_acronym(words[0].text):  # Long Name (ACR)
            long = _long_form_before(doc, token.i, undot(words[0].text))
            if long is not None:
                found.append((long, inside))
        elif len(words) >= 2 and token.i > 0 and is_acronym(doc[token.i - 1].text) and words[0].is_title:  # ACR (Long Name)
            acronym = doc[token.i - 1 : token.i]
            start = _long_form_start(undot(acronym.text), [t for t in inside if not t.is_space])
            if start is not None and start.i == words[0].i:
                found.append((inside, acronym))
    return found


def _long_form_before(doc: Doc, paren: int, acronym: str) -> Span | None:
    """The words before "(ACR)" that the acronym abbreviates, or None."""
    window = min(len(acronym) + 5, 2 * len(acronym))
    words = []
    i = paren - 1
    while i >= 0 and len(words) < window:
        t = doc[i]
        if t.is_space:
            i -= 1
            continue
        if (t.is_punct and t.text not in ("-", "&", "'")) or t.is_sent_end and i != paren - 1:
            break
        words.insert(0, t)
        i -= 1
    start = _long_form_start(acronym, words)
    if start is None or not start.is_title or len([w for w in words if w.i >= start.i]) < 2:
        return None
    return doc[start.i : paren]


def _long_form_start(acronym: str, words: list) -> object | None:
    """Schwartz-Hearst: the word where the shortest long form of `acronym` among `words` begins
    (each letter found from the end, the first at a word's start), or None."""
    text = ""
    starts: list[tuple[int, object]] = []
    for w in words:
        if text:
            text += " "
        starts.append((len(text), w))
        text += w.text
    s, pos = len(acronym) - 1, len(text) - 1
    while s >= 0:
        c = acronym[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while pos >= 0 and (text[pos].lower() != c or (s == 0 and pos > 0 and text[pos - 1].isalnum())):
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
        s -= 1
    begin = text.rfind(" ", 0, pos + 2) + 1
    return next((w for at, w in starts if at == begin), None)


# --- short forms -----------------------------------------------------------------------------------


class ShortNames:
    """Which full name a short name stands for, among candidates (id, label, type, aliases):
    a surname ("Putin" -> "Vladimir Putin") or an acronym ("SOHR", also one the text defined).
    Indexed by initials and by surname, so resolving a corpus is linear in its entities, not
    quadratic. An ambiguous short name (two candidates) is never merged."""

    def __init__(self, candidates: Iterable[tuple]):
        self.acronyms: dict[str, list[str]] = {}
        self.surnames: dict[str, list[str]] = {}
        for i, label, kind, *rest in candidates:
            aliases = rest[0] if rest else ()
            if kind in ORG_TYPES:
                keys = set(initials(label)) if " " in label else set()
                keys |= {undot(a) for a in aliases if is_acronym(a)}
                for k in keys - {undot(label)}:
                    self.acronyms.setdefault(k, []).append(i)
            elif kind == "Person" and len(label.split()) >= 2:
                words = _key(label).split()
                for k in range(1, len(words)):  # every trailing run of words: "al shimale", "shimale"
                    self.surnames.setdefault(" ".join(words[k:]), []).append(i)

    def expand(self, short: str, short_type: str) -> str | None:
        """The id of the one candidate the short name stands for; None when none or several fit."""
        if is_acronym(short):  # an acronym, never a surname
            hits = self.acronyms.get(undot(short), [])
        elif len(short.split()) == 1 and short_type in ("Person", "Organization"):  # the model labels some surnames ORG
            hits = self.surnames.get(_key(short), [])
        else:
            return None
        return hits[0] if len(set(hits)) == 1 else None


ORG_TYPES = frozenset({"Organization", "Government", "Military", "ArmedGroup", "IntergovernmentalOrganization", "NGO", "MediaOutlet"})


def _key(name: str) -> str:
    from kg.gazetteer import name_key

    return name_key(name)
