"""kg's linguistic knowledge as data files, one entry a line; `lines(name)` reads one."""

from functools import cache
from importlib import resources


@cache
def lines(name: str) -> tuple[str, ...]:
    """Return the non-comment, non-blank lines of the data file `kg/data/<name>`."""
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return tuple(ln.rstrip("\n") for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def digest() -> str:
    """Return a short hash of every data file: part of the pipeline version that keys the cache."""
    import hashlib

    h = hashlib.sha256()
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith((".tsv", ".txt")):
            h.update(entry.name.encode() + entry.read_bytes())
    return h.hexdigest()[:12]
