"""Object storage end to end on a moto S3 server at 127.0.0.1: inputs read from `s3://`, Parquet written and
published to `s3://`, DuckDB views over the Parquet there; credentials only from the environment, never logged."""

from __future__ import annotations

import glob
import json
import os
import shutil

import duckdb
import pytest

from flows.runners import run_flow
from flows.serve import free_port
from tests.integration import PROJECT_ROOT, VENV_BIN, start_process, stop_processes, wait_until

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


def test_run_from_s3_to_s3_then_query_with_duckdb(s3_endpoint, tmp_path, caplog, capsys):
    from typer.testing import CliRunner

    from flows.cli import app, open_catalog

    local_input = tmp_path / "txt"
    shutil.copytree(DEMO_TXT, local_input)
    local = run_flow(str(local_input), str(tmp_path / "wh"), batch_files=4)

    warehouse = f"s3://{WAREHOUSE_BUCKET}/broadsheet"
    remote = run_flow(f"s3://{INPUT_BUCKET}/demo", warehouse, batch_files=4)
    assert remote["status"] == "completed"
    assert remote["counts"] == local["counts"] and remote["counts"]["articles"] >= 8
    assert remote["catalog"] == f"{warehouse}/broadsheet.duckdb"

    con = open_catalog(warehouse)  # a local copy of the catalog; views read the Parquet parts in the bucket
    try:
        n, n_s3, n_files = con.execute(
            f"select count(*), count(*) filter (where source_uri like 's3://{INPUT_BUCKET}/demo/%'), "
            "count(distinct source_uri) from articles").fetchone()
        paragraphs = con.execute("select count(*) from paragraphs").fetchone()[0]
        parts = con.execute("select distinct filename from read_parquet("
                            f"'s3://{WAREHOUSE_BUCKET}/broadsheet/tables/articles/*.parquet', filename = true)"
                            ).fetchall()
    finally:
        con.close()
    assert n == n_s3 == local["counts"]["articles"] and n_files == n
    assert paragraphs == local["counts"]["paragraphs"]
    assert parts and all(p[0].startswith(f"s3://{WAREHOUSE_BUCKET}/broadsheet/tables/articles/") for p in parts)

    # The CLI's query command on the same warehouse.
    result = CliRunner().invoke(app, ["query", "--warehouse", warehouse, "select count(*) as n from articles"])
    assert result.exit_code == 0, result.output
    assert str(n) in result.output

    again = run_flow(f"s3://{INPUT_BUCKET}/demo", warehouse, batch_files=4)
    assert again["n_files_new"] == 0 and again["counts"]["articles"] == 0

    # Credentials come from the environment only and appear in no output, log, summary or catalog.
    seen = caplog.text + "".join(capsys.readouterr()) + result.output + json.dumps(remote, default=str)
    assert SECRET not in seen
    import fsspec

    with fsspec.open(f"{warehouse}/broadsheet.duckdb", "rb") as fh:
        assert SECRET.encode() not in fh.read()

    assert _httpfs_article_count(s3_endpoint) == n


def _httpfs_article_count(endpoint: str) -> int:
    """What a BI tool without fsspec sees: DuckDB's own httpfs from the duckdb-extension-httpfs wheel, offline."""
    import duckdb_extension_httpfs

    ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_httpfs.__file__), "extensions", "*",
                                 "httpfs.duckdb_extension"))
    assert ext, "the duckdb-extension-httpfs wheel ships the extension"
    con = duckdb.connect()
    try:
        con.execute(f"LOAD '{ext[0]}'")
        # PROVIDER credential_chain needs the `aws` extension, which has no wheel: pass the variables' values.
        con.execute("CREATE SECRET (TYPE s3, KEY_ID $key, SECRET $secret, REGION 'us-east-1', "
                    "ENDPOINT $endpoint, URL_STYLE 'path', USE_SSL false)",
                    {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
                     "endpoint": endpoint.removeprefix("http://")})
        n = con.execute(f"select count(*) from read_parquet('s3://{WAREHOUSE_BUCKET}/broadsheet/tables/articles/"
                        "*.parquet')").fetchone()[0]
    finally:
        con.close()
    return int(n)
