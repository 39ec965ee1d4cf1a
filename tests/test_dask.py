"""`kg build --dask ADDRESS`: extraction on a Dask cluster gives the same exports as a local build."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.cli import cli

pytestmark = pytest.mark.model


def test_a_dask_cluster_build_equals_a_local_build(sample_copy, tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # both builds record the same extraction time
    runner = CliRunner()
    local = runner.invoke(cli, ["build", str(sample_copy), "--no-cache", "-o", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        distributed = runner.invoke(cli, ["build", str(sample_copy), "--no-cache", "--dask", cluster.scheduler_address, "-o", str(tmp_path / "dask")])
    assert distributed.exit_code == 0, distributed.output
    assert "(5 parsed, 0 from the cache)" in distributed.output
    files = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "dask").iterdir()) and len(files) > 10
    for name in files:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


def test_an_unreachable_scheduler_is_one_line_and_exit_2(sample_copy):
    result = CliRunner().invoke(cli, ["build", str(sample_copy), "--no-cache", "--dask", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
