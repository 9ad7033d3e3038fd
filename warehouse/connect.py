"""Connection recipes: the exact text that connects a SQL shell or a BI tool to one warehouse, read-only.

Every recipe comes down to two statements run on a fresh in-memory DuckDB session: ATTACH the warehouse's
DuckLake catalog with the folder's *current* `data/` as its data path (the catalog remembers the folder it was
created in, so a copied or moved warehouse would otherwise read the old place), then USE it. Clients differ
only in where those statements go.

One source for three readers: `broadsheet connect` prints the recipes for a real warehouse, docs/bi.md shows
them for an example path (`python -m warehouse.connect` rewrites its recipe blocks; a test fails when they
drift), and tests/warehouse/test_bi_recipes.py runs the text docs/bi.md shows.
"""

from __future__ import annotations

import json
import pathlib
import posixpath
import re
from dataclasses import dataclass

import duckdb

from warehouse.extensions import extension_file
from warehouse.lake import DATA_DIR, LAKE, SQLITE_CATALOG, CatalogSpec

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "bi.md"
EXAMPLE_WAREHOUSE = "/srv/broadsheet-warehouse"
EXAMPLE_POSTGRES = "postgresql://broadsheet@db.example.org:5432/broadsheet"
EXAMPLE_EXTENSIONS = "/opt/duckdb-extensions"  # where docs/bi.md's `pip install --target` puts the extension wheels

CLIENTS = ("install", "duckdb", "python", "sqlalchemy", "superset", "metabase", "dbeaver")
EXTENSION_WHEELS = ("ducklake", "sqlite", "postgres")  # duckdb-extension-<name>: what reading a warehouse needs
_BLOCK = re.compile(r"(<!-- recipe: (\w+)(?: (postgres))? -->\n)(.*?)(<!-- /recipe -->)", re.S)


@dataclass(frozen=True)
class Snippet:
    """One piece of text a user pastes: where it goes, its language (a code-fence tag) and the text itself."""

    where: str
    language: str
    text: str


@dataclass(frozen=True)
class Recipe:
    """How one client connects: its snippets in the order the user applies them."""

    client: str
    title: str
    snippets: tuple[Snippet, ...]


def _sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def attach_statements(warehouse: str, catalog: str = "sqlite") -> list[str]:
    """ATTACH (read-only, re-runnable) and USE for a local warehouse folder, no trailing semicolons.

    Args:
        warehouse: absolute path of the warehouse folder as the client sees it.
        catalog: `sqlite` (the catalog file inside the folder) or a PostgreSQL URI without its password
            (libpq then reads PGPASSWORD or ~/.pgpass).

    Returns:
        The two statements, in order.
    """
    root = warehouse.rstrip("/") or "/"
    spec = CatalogSpec.parse(catalog)
    target = f"sqlite:{posixpath.join(root, SQLITE_CATALOG)}" if spec.kind == "sqlite" else f"postgres:{spec.public()}"
    data_path = posixpath.join(root, DATA_DIR) + "/"
    return [f"ATTACH IF NOT EXISTS {_sql_string('ducklake:' + target)} AS {LAKE} "
            f"(DATA_PATH {_sql_string(data_path)}, OVERRIDE_DATA_PATH true, READ_ONLY)",
            f"USE {LAKE}"]


def extension_paths(root: str | None = None) -> dict[str, str]:
    """The extension files to INSTALL: this environment's wheels, or those `pip install --target root` lays out."""
    if root is None:
        return {name: extension_file(name) for name in EXTENSION_WHEELS}
    return {name: posixpath.join(root, f"duckdb_extension_{name}", "extensions", f"v{duckdb.__version__}",
                                 f"{name}.duckdb_extension") for name in EXTENSION_WHEELS}


def _script(statements: list[str]) -> str:
    return "".join(f"{s};\n" for s in statements).rstrip("\n")


def _install(extensions_root: str | None) -> Recipe:
    version = duckdb.__version__
    snippets = []
    if extensions_root is not None:
        wheels = " ".join(f"duckdb-extension-{name}=={version}" for name in EXTENSION_WHEELS)
        snippets.append(Snippet("In a shell on the machine that runs the client (any Python 3 with pip)", "shell",
                                f"pip install --target {extensions_root} {wheels}"))
    installs = [f"INSTALL {_sql_string(path)}" for path in extension_paths(extensions_root).values()]
    snippets.append(Snippet(f"Once per OS user that runs the client, in any DuckDB {version} session "
                            "(the duckdb shell, Python, DBeaver's SQL editor)", "sql", _script(installs)))
    return Recipe("install", "Extensions, once per machine and user", tuple(snippets))


def _preload(catalog: str) -> list[str]:
    return ["ducklake", "sqlite" if CatalogSpec.parse(catalog).kind == "sqlite" else "postgres"]


def _py_str(s: str) -> str:
    """A Python string literal, double-quoted when that needs no escapes (SQL holds single quotes)."""
    return repr(s) if '"' in s or "\\" in s or not s.isprintable() else f'"{s}"'


def _connect_args(catalog: str) -> dict:
    return {"preload_extensions": _preload(catalog), "config": {"autoinstall_known_extensions": False}}


def _python(attach: list[str]) -> str:
    lines = ["import duckdb", "", "con = duckdb.connect()"]
    lines += [f"con.execute({_py_str(statement)})" for statement in attach]
    lines += ['con.sql("SELECT * FROM mart_places_by_day ORDER BY n_mentions DESC LIMIT 10").show()']
    return "\n".join(lines)


def _statement_list(name: str, attach: list[str]) -> list[str]:
    return [f"{name} = [", *(f"    {_py_str(s)}," for s in attach), "]"]


def _sqlalchemy(attach: list[str], catalog: str) -> str:
    # JSON of these values is also Python once false is spelled False (no string in them holds "false").
    connect_args = json.dumps(_connect_args(catalog)).replace("false", "False")
    return "\n".join([
        "from sqlalchemy import create_engine, event, text",
        "",
        *_statement_list("BROADSHEET", attach),
        "",
        "engine = create_engine(",
        '    "duckdb:///:memory:",',
        f"    connect_args={connect_args},",
        ")",
        "",
        "",
        '@event.listens_for(engine, "connect")',
        "def attach_broadsheet(dbapi_connection, connection_record):",
        "    for statement in BROADSHEET:",
        "        dbapi_connection.execute(statement)",
        "",
        "",
        "with engine.connect() as connection:",
        '    print(connection.execute(text("SELECT count(*) FROM articles")).scalar_one())',
    ])


def _superset_config(attach: list[str]) -> str:
    return "\n".join([
        "from sqlalchemy import event",
        "from sqlalchemy.engine import Engine",
        "",
        *_statement_list("BROADSHEET", attach),
        "",
        "",
        '@event.listens_for(Engine, "connect")',
        "def attach_broadsheet(dbapi_connection, connection_record):",
        "    # Every new in-memory DuckDB connection (the URI duckdb:///:memory:) gets the warehouse attached.",
        '    if type(dbapi_connection).__module__.startswith("duckdb_engine"):',
        '        if dbapi_connection.execute("SELECT current_database()").fetchone()[0] == "memory":',
        "            for statement in BROADSHEET:",
        "                dbapi_connection.execute(statement)",
    ])


def recipe(client: str, warehouse: str, catalog: str = "sqlite", extensions_root: str | None = None) -> Recipe:
    """The recipe of one client for a warehouse folder.

    Args:
        client: one of CLIENTS.
        warehouse: absolute path of the warehouse folder as the client sees it.
        catalog: `sqlite` or the warehouse's PostgreSQL URI without its password.
        extensions_root: for `install`, the folder `pip install --target` filled; None for this environment's wheels.

    Returns:
        The recipe; ValueError for an unknown client.
    """
    attach = attach_statements(warehouse, catalog)
    if client == "install":
        return _install(extensions_root)
    if client == "duckdb":
        return Recipe(client, "DuckDB shell", (Snippet(
            "Paste at the prompt of `duckdb` started without a database file (or save as broadsheet.sql and "
            "start `duckdb -init broadsheet.sql`)", "sql", _script(attach)),))
    if client == "python":
        return Recipe(client, "Python (duckdb)", (Snippet("A script or notebook", "python", _python(attach)),))
    if client == "sqlalchemy":
        return Recipe(client, "SQLAlchemy (duckdb_engine)", (Snippet(
            "A script or notebook (pip install duckdb-engine)", "python", _sqlalchemy(attach, catalog)),))
    if client == "superset":
        engine_params = {"connect_args": _connect_args(catalog)}
        return Recipe(client, "Superset", (
            Snippet("SQLAlchemy URI", "text", "duckdb:///:memory:"),
            Snippet("Advanced > Other > Engine Parameters", "json", json.dumps(engine_params)),
            Snippet("superset_config.py (then restart Superset)", "python", _superset_config(attach)),
        ))
    if client == "metabase":
        return Recipe(client, "Metabase (DuckDB driver)", (
            Snippet("Database file", "text", ":memory:"),
            Snippet("Init SQL", "sql", _script(attach)),
        ))
    if client == "dbeaver":
        return Recipe(client, "DBeaver", (
            Snippet("JDBC URL", "text", "jdbc:duckdb:"),
            Snippet("Connection settings > Initialization > Bootstrap queries, one query per line", "sql",
                    "\n".join(attach)),
        ))
    raise ValueError(f"unknown client {client!r}: use one of {', '.join(CLIENTS)}")


def recipes_text(warehouse: str, catalog: str = "sqlite", clients: tuple[str, ...] = CLIENTS) -> str:
    """Plain text of the recipes for the terminal (`broadsheet connect`), this machine's extension files."""
    out = []
    for client in clients:
        r = recipe(client, warehouse, catalog)
        out.append(f"== {r.title} ==")
        for s in r.snippets:
            out += [f"-- {s.where}:", s.text, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def recipe_markdown(r: Recipe) -> str:
    """A recipe as docs/bi.md shows it: each snippet's place in italics, then its text in a fenced block."""
    return "".join(f"*{s.where}:*\n\n```{s.language}\n{s.text}\n```\n\n" for s in r.snippets)


def doc_with_recipes(doc: str) -> str:
    """docs/bi.md with every `<!-- recipe: CLIENT [postgres] -->` block regenerated for the example warehouse."""
    def block(m: re.Match) -> str:
        catalog = EXAMPLE_POSTGRES if m.group(3) else "sqlite"
        r = recipe(m.group(2), EXAMPLE_WAREHOUSE, catalog, extensions_root=EXAMPLE_EXTENSIONS)
        return m.group(1) + recipe_markdown(r) + m.group(5)

    return _BLOCK.sub(block, doc)


def write_doc(path: pathlib.Path = DOC) -> pathlib.Path:
    """Regenerate the recipe blocks of docs/bi.md in place."""
    path.write_text(doc_with_recipes(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_doc())
