"""Shared fixtures. Tests that need the real English model use the `nlp` fixture (marked `model`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "kg" / "samples" / "aleppo-2016"
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets an empty extraction cache of its own, so no test sees another's results."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def nlp():
    from kg.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def gazetteer():
    from kg.gazetteer import load_gazetteer

    return load_gazetteer()


@pytest.fixture(scope="session")
def sample_graph():
    """The knowledge graph of the bundled sample, built once per session (no cache)."""
    from kg.pipeline import Options, build_graph

    return build_graph(None, Options(cache_dir=None, progress=False)).graph


@pytest.fixture
def sample_copy(tmp_path):
    target = tmp_path / "aleppo-2016"
    shutil.copytree(SAMPLE, target)
    return target


def require_tool(name: str) -> str:
    """Return the path of an external tool; skip visibly without it, but fail when CI=true."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is required in CI but not installed (.ci/run installs it)")
    pytest.skip(f"{name} not installed")


def launch_chromium(playwright):
    """Debian's chromium under Playwright (no downloaded browser); skip visibly without it, fail when CI=true."""
    path = shutil.which("chromium") or shutil.which("chromium-browser") or require_tool("chromium")
    return playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                                  "--disable-background-networking", "--no-first-run"])


SHARED = ROOT.parent / "shared"


def require_jena() -> list[str]:
    """Return the command that runs Apache Jena's tools (../shared/tools/jena, which installs
    Debian's libapache-jena-java on first use); skip visibly without it, fail when CI=true."""
    tool = SHARED / "tools" / "jena"
    if tool.is_file() and shutil.which("java"):
        return [str(tool)]
    if os.environ.get("CI") == "true":
        pytest.fail("Apache Jena is required in CI: ../shared/tools/jena and java (.ci/run installs them)")
    pytest.skip("Apache Jena not available (../shared/tools/jena or java missing)")


@pytest.fixture(scope="session")
def sample_extractions():
    """The extractions of the bundled sample, parsed once per session (no cache)."""
    from kg.pipeline import SAMPLE, Options, iter_extractions

    return sorted(iter_extractions([SAMPLE], Options(cache_dir=None, progress=False), []), key=lambda x: x.article.name)


@pytest.fixture(scope="session")
def sample_exports(sample_graph, tmp_path_factory):
    """A directory with the sample's exports (aleppo-2016.*), written once per session."""
    from kg.export import write_exports

    out = tmp_path_factory.mktemp("exports")
    write_exports(sample_graph, out, "aleppo-2016")
    return out
