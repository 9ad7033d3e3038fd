"""Object storage end to end on a moto S3 server at 127.0.0.1: inputs read from `s3://`, a DuckLake warehouse on
`s3://` (its SQLite catalog downloaded, written and uploaded by the writer; data files in the bucket, stored by
relative path), read back through the catalog by Broadsheet and by DuckDB's own httpfs; credentials only from the
environment, never logged or stored."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from flows.runners import run_flow
from flows.serve import free_port
from tests.integration import PROJECT_ROOT, VENV_BIN, start_process, stop_processes, wait_until
from warehouse.extensions import connect
from warehouse.lake import Lake

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300), pytest.mark.usefixtures("prefect_server")]

SECRET = "sekrit-7f3a-never-printed"
INPUT_BUCKET = "broadsheet-input"
WAREHOUSE_BUCKET = "broadsheet-warehouse"
DEMO_TXT = PROJECT_ROOT / "data" / "demo" / "txt"


def _clear_s3fs_cache() -> None:
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()  # instances are cached per settings; the endpoint changes per test


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """A moto S3 server on a free port, with credentials and endpoint set the standard way (AWS_* variables)."""
    import boto3

    log = tmp_path_factory.mktemp("moto") / "moto.log"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    proc = start_process([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], log)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "broadsheet-test-key")
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_ENDPOINT_URL", endpoint)
        mp.delenv("AWS_PROFILE", raising=False)
        _clear_s3fs_cache()
        try:
            s3 = boto3.client("s3")

            def _bucket_made() -> bool:
                try:
                    s3.create_bucket(Bucket=INPUT_BUCKET)
                    return True
                except Exception:  # not listening yet
                    return False

            wait_until(_bucket_made, 60, "the moto S3 server", log_path=log)
            s3.create_bucket(Bucket=WAREHOUSE_BUCKET)  # moto rejects s3fs mkdir: buckets come from boto3
            for path in sorted(p for p in DEMO_TXT.rglob("*") if p.is_file()):
                s3.upload_file(str(path), INPUT_BUCKET, f"demo/txt/{path.relative_to(DEMO_TXT).as_posix()}")
            yield endpoint
        finally:
            _clear_s3fs_cache()
            stop_processes(proc)


def _bucket_keys(prefix: str) -> list[str]:
    import fsspec

    fs = fsspec.filesystem("s3")
    return sorted(p.removeprefix(f"{WAREHOUSE_BUCKET}/{prefix}/") for p in fs.find(f"{WAREHOUSE_BUCKET}/{prefix}"))


def test_run_from_s3_to_s3_then_query(s3_endpoint, tmp_path, caplog, capsys):
    from typer.testing import CliRunner

    from flows.cli import app

    local_input = tmp_path / "txt"
    shutil.copytree(DEMO_TXT, local_input)
    local = run_flow(str(local_input), str(tmp_path / "wh"), batch_files=4)

    warehouse = f"s3://{WAREHOUSE_BUCKET}/broadsheet"
    remote = run_flow(f"s3://{INPUT_BUCKET}/demo", warehouse, batch_files=4)
    assert remote["status"] == "completed"
    assert remote["counts"] == local["counts"] and remote["counts"]["articles"] >= 8
    assert remote["warehouse"] == warehouse
    keys = _bucket_keys("broadsheet")
    assert {"broadsheet.json", "catalog.sqlite"} <= set(keys)  # the catalog lives in the bucket, uploaded
    assert not [k for k in keys if k.startswith("_state/staging/")], keys  # the run removed its staging

    with Lake(warehouse).reader() as con:  # a private copy of the catalog; data files read from the bucket
        n, n_s3, n_files = con.execute(
            f"select count(*), count(*) filter (where source_uri like 's3://{INPUT_BUCKET}/demo/%'), "
            "count(distinct source_uri) from articles").fetchone()
        paragraphs = con.execute("select count(*) from paragraphs").fetchone()[0]
        absolute = con.execute("select path from __ducklake_metadata_broadsheet.ducklake_data_file "
                               "where not path_is_relative").fetchall()
    assert n == n_s3 == local["counts"]["articles"] and n_files == n
    assert paragraphs == local["counts"]["paragraphs"]
    assert absolute == []

    # The CLI's query command on the same warehouse.
    result = CliRunner().invoke(app, ["query", "--warehouse", warehouse, "select count(*) as n from articles"])
    assert result.exit_code == 0, result.output
    assert str(n) in result.output

    again = run_flow(f"s3://{INPUT_BUCKET}/demo", warehouse, batch_files=4)
    assert again["n_files_new"] == 0 and again["counts"]["articles"] == 0

    # Credentials come from the environment only and appear in no output, log, summary, marker or catalog.
    seen = caplog.text + "".join(capsys.readouterr()) + result.output + json.dumps(remote, default=str)
    assert SECRET not in seen
    import fsspec

    for name in ("catalog.sqlite", "broadsheet.json"):
        with fsspec.open(f"{warehouse}/{name}", "rb") as fh:
            assert SECRET.encode() not in fh.read(), name


def test_maintain_on_s3_then_read_with_httpfs(s3_endpoint, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    warehouse = f"s3://{WAREHOUSE_BUCKET}/maintained"
    remote = run_flow(f"s3://{INPUT_BUCKET}/demo", warehouse, batch_files=4)
    assert remote["status"] == "completed"
    # A run this small is inlined in the catalog; maintenance flushes it into Parquet files in the bucket.
    result = CliRunner().invoke(app, ["maintain", "--warehouse", warehouse])
    assert result.exit_code == 0, result.output
    data = [k for k in _bucket_keys("maintained") if k.startswith("data/")]
    assert any(k.startswith("data/main/paragraphs/") and k.endswith(".parquet") for k in data), data
    result = CliRunner().invoke(app, ["validate", "--warehouse", warehouse])
    assert result.exit_code == 0, result.output
    assert _httpfs_counts(s3_endpoint, warehouse, tmp_path) == (remote["counts"]["articles"],
                                                                 remote["counts"]["paragraphs"])


def _httpfs_counts(endpoint: str, warehouse: str, tmp_path) -> tuple[int, int]:
    """What a BI tool without fsspec sees: a copy of the catalog, data files through DuckDB's own httpfs, offline."""
    import boto3

    catalog = tmp_path / "catalog.sqlite"
    boto3.client("s3").download_file(WAREHOUSE_BUCKET, f"{warehouse.split('/', 3)[3]}/catalog.sqlite", str(catalog))
    con = connect()  # ducklake, sqlite and httpfs installed from their wheels; no fsspec filesystem registered
    try:
        con.execute("LOAD httpfs")
        # PROVIDER credential_chain needs the `aws` extension, which has no wheel: pass the variables' values.
        con.execute("CREATE SECRET (TYPE s3, KEY_ID $key, SECRET $secret, REGION 'us-east-1', "
                    "ENDPOINT $endpoint, URL_STYLE 'path', USE_SSL false)",
                    {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
                     "endpoint": endpoint.removeprefix("http://")})
        con.execute(f"ATTACH 'ducklake:sqlite:{catalog}' AS lake (READ_ONLY)")
        articles = con.execute("select count(*) from lake.articles").fetchone()[0]
        paragraphs = con.execute("select count(*) from lake.paragraphs").fetchone()[0]
    finally:
        con.close()
    return int(articles), int(paragraphs)
