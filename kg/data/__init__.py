"""kg's linguistic knowledge as data files, one entry a line; `lines(name)` reads one."""

import os
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def lines(name: str) -> tuple[str, ...]:
    """Return the non-comment, non-blank lines of the data file `kg/data/<name>`."""
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return tuple(ln.rstrip("\n") for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


@cache
def words(name: str) -> frozenset[str]:
    """The lines of a one-word-a-line data file as a set (read once per process)."""
    return frozenset(lines(name))


@cache
def digest() -> str:
    """Return a short hash of the data files, the extraction code and the trained weights: part of
    the pipeline version that keys the extraction cache, so any change to rules, code or weights
    invalidates cached results."""
    import hashlib

    h = hashlib.sha256()
    for entry in digest_files():
        h.update(entry.name.encode() + entry.read_bytes())
    return h.hexdigest()[:12]


def digest_files() -> list:
    """The files whose content can change an extraction, in a fixed order."""
    package = resources.files("kg")
    files = [e for e in resources.files(__name__).iterdir() if e.name.endswith((".tsv", ".txt"))]
    files += [package / name for name in ("sources.py", "nlp.py", "gazetteer.py", "model.py")]
    files += [e for e in (package / "extract").iterdir() if e.name.endswith(".py")]
    files += [e for e in (package / "models" / "attribution").iterdir() if e.name.endswith(".npz")]  # trained weights
    return sorted(files, key=lambda p: str(p))


def cache_home() -> Path:
    """Where kg keeps what it can derive again: cached extractions and indexes of installed data
    (`$KG_CACHE_DIR`, else `~/.cache/kg`)."""
    return Path(os.environ.get("KG_CACHE_DIR") or Path.home() / ".cache" / "kg")
