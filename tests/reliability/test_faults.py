"""Faults in the warehouse folder, through the command line (issue 15, item 7).

- A missing or corrupt catalog (`catalog.sqlite` deleted, overwritten with garbage, truncated to 0 bytes)
  makes `run` and `query` refuse with exit 2 and a message saying what to do; nothing in the folder changes.
- A missing or truncated data file (after `maintain`, so rows live in Parquet files rather than inlined in the
  catalog) makes `validate` exit 1 naming the file and the affected inputs; `repair` drops the lost rows and
  re-processes those inputs, after which `validate` passes and every table equals an uninterrupted run's. An
  affected input deleted meanwhile is reported as lost.
- No path stored in the catalog points outside the warehouse: data files are stored relative to it, and a
  moved folder answers from its new place.
- A folder that is not a warehouse (another program's files, a newer format, an old pre-DuckLake warehouse)
  gets a clear refusal from `run` and `query`, and nothing in it changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import sqlite3
import stat

import pytest
from typer.testing import CliRunner

from bench.corpus import write_corpus
from flows.cli import app
from tests.reliability import table_rows
from warehouse.lake import Lake

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

N_ARTICLES = 8  # validate lists up to ten inputs per broken file: all of these


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    text = " ".join(result.output.split())  # rich wraps long lines; compare words
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text += f" [{type(result.exception).__name__}: {result.exception}]"
    return result.exit_code, text


def _listing(root: pathlib.Path) -> dict[str, tuple]:
    """Every entry under `root` (and `root` itself): type, size, mtime and, for files, a digest of the content."""
    out = {}
    paths = [root] if root.is_file() else [root, *sorted(root.rglob("*"))]
    for p in paths:
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else None
        out[str(p.relative_to(root))] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, digest)
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> pathlib.Path:
    return write_corpus(tmp_path_factory.mktemp("in") / "corpus", N_ARTICLES, seed=5)


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> dict[str, pathlib.Path]:
    """Warehouses of one uninterrupted run: `reference` and `inlined` as the run left them, `maintained` after
    `broadsheet maintain` (its rows flushed from the catalog into Parquet files)."""
    root = tmp_path_factory.mktemp("built")
    out = {}
    for name in ("reference", "inlined", "maintained"):
        code, text = _cli("run", "--input", str(corpus), "--warehouse", str(root / name), "--quiet")
        assert code == 0, text
        out[name] = root / name
    code, text = _cli("maintain", "--warehouse", str(out["maintained"]))
    assert code == 0, text
    return out


def _copy(src: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def _same_tables(warehouse: pathlib.Path, reference: pathlib.Path) -> None:
    got, expected = table_rows(warehouse), table_rows(reference)
    for name in sorted(expected):
        if name != "runs":
            assert got[name] == expected[name], name


# -- the catalog missing or corrupt ----------------------------------------------------------------------------

def _damage(catalog: pathlib.Path, how: str) -> None:
    if how == "deleted":
        catalog.unlink()
    elif how == "garbage":
        size = catalog.stat().st_size
        catalog.write_bytes((b"not a catalog \x00\xff" * (size // 16 + 1))[:size])
    else:
        catalog.write_bytes(b"")



@pytest.mark.parametrize(("how", "layout"), [
    pytest.param(how, layout, marks=[],
                 id=f"{how}-{layout}")
    for how in ("deleted", "garbage", "truncated") for layout in ("maintained", "inlined")])
def test_run_and_query_refuse_a_missing_or_corrupt_catalog(built, corpus, tmp_path, how, layout):
    wh = _copy(built[layout], tmp_path / "wh")
    _damage(wh / "catalog.sqlite", how)
    before = _listing(wh)
    code, text = _cli("run", "--input", str(corpus), "--warehouse", str(wh), "--quiet")
    assert code == 2, text
    assert "catalog" in text and "catalog.sqlite" in text, text
    assert "restore" in text and "nothing was changed" in text, text  # what to do, and that nothing happened
    code, text = _cli("query", "--warehouse", str(wh), "select count(*) from articles")
    assert code == 2 and "catalog.sqlite" in text and "restore" in text, text
    assert _listing(wh) == before


# -- a data file missing or truncated -------------------------------------------------------------------------

def _data_file(warehouse: pathlib.Path, table: str) -> pathlib.Path:
    schema, name = table.split(".")
    with Lake(str(warehouse)).reader() as con:
        files = [r[0] for r in con.execute("select data_file from ducklake_list_files('broadsheet', ?, schema => ?)",
                                           [name, schema]).fetchall()]
    assert len(files) == 1, files
    return pathlib.Path(files[0])


def _break(path: pathlib.Path, how: str) -> None:
    if how == "missing":
        path.unlink()
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])



@pytest.mark.parametrize(("how", "table"), [
    ("missing", "main.paragraphs"),
    pytest.param("truncated", "internal.articles"),
    ("truncated", "main.inputs"),
])
def test_a_lost_data_file_is_named_then_repaired(built, corpus, tmp_path, how, table):
    wh = _copy(built["maintained"], tmp_path / "wh")
    path = _data_file(wh, table)
    _break(path, how)

    code, text = _cli("validate", "--warehouse", str(wh))
    assert code == 1, text
    assert f"{table}: {path}" in text and ("missing" if how == "missing" else "bytes") in text, text
    inputs = sorted(str(p) for p in corpus.rglob("*.txt"))
    assert len(inputs) == N_ARTICLES and all(f"input {u}" in text for u in inputs), text

    code, text = _cli("repair", "--warehouse", str(wh), "--quiet")
    assert code == 0, text
    assert f"dropped the rows of 1 file(s); {N_ARTICLES} input(s) to re-process" in text, text
    assert "no longer exists" not in text, text
    code, text = _cli("validate", "--warehouse", str(wh))
    assert code == 0 and "expectations passed" in text, text
    _same_tables(wh, built["reference"])


def test_repair_says_which_inputs_are_gone(corpus, tmp_path):
    inp = _copy(corpus, tmp_path / "in")
    wh = tmp_path / "wh"
    for args in (("run", "--input", str(inp), "--warehouse", str(wh), "--quiet"), ("maintain", "--warehouse", str(wh))):
        code, text = _cli(*args)
        assert code == 0, text
    _break(_data_file(wh, "main.location_mentions"), "missing")
    gone = sorted(inp.rglob("*.txt"))[0]
    gone.unlink()

    code, text = _cli("repair", "--warehouse", str(wh), "--quiet")
    assert code == 0, text
    assert f"input {gone} no longer exists: its rows are lost" in text, text
    assert text.count("no longer exists") == 1, text
    code, text = _cli("validate", "--warehouse", str(wh))
    assert code == 0, text
    with Lake(str(wh)).reader() as con:
        sources = sorted(r[0] for r in con.execute("select source_uri from articles").fetchall())
        manifest = sorted(r[0] for r in con.execute("select source_uri from inputs").fetchall())
    assert sources == manifest == sorted(str(p) for p in inp.rglob("*.txt"))


# -- where the catalog points ---------------------------------------------------------------------------------

_PATHS_SQL = """
select 'data file ' || path from __ducklake_metadata_broadsheet.ducklake_data_file where not path_is_relative
union all select 'delete file ' || path from __ducklake_metadata_broadsheet.ducklake_delete_file
    where not path_is_relative
union all select 'table ' || path from __ducklake_metadata_broadsheet.ducklake_table where not path_is_relative
union all select 'schema ' || path from __ducklake_metadata_broadsheet.ducklake_schema where not path_is_relative
"""


def _stored_data_path(warehouse: pathlib.Path) -> str:
    con = sqlite3.connect(f"file:{warehouse / 'catalog.sqlite'}?mode=ro", uri=True)
    try:
        return con.execute("select value from ducklake_metadata where key = 'data_path'").fetchone()[0]
    finally:
        con.close()


def test_stored_paths_stay_inside_and_a_moved_warehouse_answers_from_its_new_place(built, tmp_path):
    src = built["maintained"]
    with Lake(str(src)).reader() as con:
        assert con.execute(_PATHS_SQL).fetchall() == []
        n_files = con.execute("select count(*) from __ducklake_metadata_broadsheet.ducklake_data_file").fetchone()[0]
    assert n_files > 0
    assert _stored_data_path(src) == f"{src / 'data'}/"

    # Moved (the copy is moved, then the copy's source is hidden): every file is found at the new place.
    moved = tmp_path / "moved"
    _copy(src, tmp_path / "copy").rename(moved)
    hidden = src.with_name(src.name + "-hidden")
    src.rename(hidden)
    try:
        code, text = _cli("validate", "--warehouse", str(moved))
        assert code == 0, text
        _same_tables(moved, built["reference"])
    finally:
        hidden.rename(src)


# -- folders that are not warehouses --------------------------------------------------------------------------

def _foreign(root: pathlib.Path, built: dict[str, pathlib.Path]) -> None:
    root.mkdir()
    (root / "notes.txt").write_text("shopping list\n")
    (root / "photos").mkdir()
    (root / "photos" / "cat.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")


def _foreign_marker(root: pathlib.Path, built: dict[str, pathlib.Path]) -> None:
    root.mkdir()
    (root / "broadsheet.json").write_text(json.dumps({"name": "broadsheet", "version": "2.1.0"}))
    (root / "index.js").write_text("console.log('hello')\n")


def _newer(root: pathlib.Path, built: dict[str, pathlib.Path]) -> None:
    _copy(built["inlined"], root)
    marker = json.loads((root / "broadsheet.json").read_text())
    (root / "broadsheet.json").write_text(json.dumps({**marker, "version": marker["version"] + 1}))


def _old_format(root: pathlib.Path, built: dict[str, pathlib.Path]) -> None:
    (root / "_state").mkdir(parents=True)
    (root / "_state" / "snapshot.json").write_text(json.dumps({"version": 7, "tables": {"articles": ["p-0001"]}}))
    (root / "tables" / "articles").mkdir(parents=True)
    (root / "tables" / "articles" / "p-0001.parquet").write_bytes(b"PAR1 an old part PAR1")
    (root / "broadsheet.duckdb").write_bytes(b"an old catalog of views")


def _a_file(root: pathlib.Path, built: dict[str, pathlib.Path]) -> None:
    root.write_text("a file where the warehouse should be\n")


@pytest.mark.parametrize(("make", "says"), [
    (_foreign, "is not a Broadsheet warehouse (no broadsheet.json"),
    (_foreign_marker, "broadsheet.json is not ours"),
    (_newer, "was written by a newer Broadsheet"),
    (_old_format, "is a warehouse of an older Broadsheet"),
    (_a_file, "is a file, not a warehouse folder"),
], ids=["other-program", "other-programs-marker", "newer-format", "old-format", "a-file"])
def test_a_folder_that_is_not_a_warehouse_is_refused_and_left_alone(built, corpus, tmp_path, make, says):
    root = tmp_path / "folder"
    make(root, built)
    before = _listing(root)
    for args in (("run", "--input", str(corpus), "--warehouse", str(root), "--quiet"),
                 ("query", "--warehouse", str(root), "select count(*) from articles")):
        code, text = _cli(*args)
        assert code == 2, (args[0], text)
        assert says in text and "nothing was changed" in text, (args[0], text)
    assert _listing(root) == before
    assert sorted(os.listdir(tmp_path)) == ["folder"]
