"""The `broadsheet` command line."""

from __future__ import annotations

import contextlib
import os
import pathlib
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from warehouse.lake import Lake

PROJECT_ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMO_INPUT = PROJECT_ROOT / "data" / "demo"

# No network here and nothing to report home: set before Prefect or GX is imported.
for _key, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_key, _value)



class _OneLineUsageErrors(TyperGroup):
    """Typer's own usage errors (a value of the wrong type, an unknown option, a missing argument) on one line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            _fail("aborted", 1)
            sys.exit(1)
        except Exception as exc:
            # Click's exceptions (Typer vendors its own copy of Click, so matched by what they offer, not by class).
            if not (hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)):
                raise
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help already
                ctx = getattr(exc, "ctx", None)
                hint = f"; see `{ctx.command_path} -h`" if ctx is not None else ""
                _fail(exc.format_message().replace("\n", " ").rstrip(".") + hint, exc.exit_code)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(cls=_OneLineUsageErrors, add_completion=False, no_args_is_help=True,
                  help="Broadsheet: raw news in, queryable warehouse out.",
                  context_settings={"help_option_names": ["-h", "--help"]})


def _console():
    from rich.console import Console

    return Console()


def _print_table(con, sql: str, max_rows: int = 50) -> None:
    from rich.table import Table

    cur = con.execute(sql)
    names = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchmany(max_rows + 1)
    table = Table(*names, show_lines=False)
    for row in rows[:max_rows]:
        table.add_row(*("" if v is None else str(v) for v in row))
    console = _console()
    console.print(table)
    if len(rows) > max_rows:
        console.print(f"(first {max_rows} rows shown)")


DEFAULT_WAREHOUSE = "broadsheet-warehouse"  # not `warehouse`: that is the name of a code package here

WarehouseOpt = Annotated[str, typer.Option("--warehouse", help="Warehouse folder (path or URI).")]
CatalogOpt = Annotated[str | None, typer.Option(
    "--catalog", help="Catalog of a new warehouse: sqlite (default, inside the folder) or postgresql://USER@HOST/DB "
    "(password from PGPASSWORD or ~/.pgpass). Existing warehouses remember theirs.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    from rich.markup import escape

    _console().print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    return typer.Exit(code)


def catalog_arg(catalog: str | None) -> str | None:
    """The catalog option without its password: a password in the URI moves to PGPASSWORD for this process.

    The catalog travels as a Prefect flow parameter, which Prefect stores and shows, so it must not hold secrets.
    """
    if catalog is None:
        return None
    from warehouse.lake import CatalogSpec

    try:
        spec = CatalogSpec.parse(catalog)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if spec.kind == "postgres":
        import urllib.parse

        password = urllib.parse.urlsplit(catalog).password
        if password:
            os.environ.setdefault("PGPASSWORD", urllib.parse.unquote(password))
    return spec.public()


def _check_at_least(option: str, value: float, minimum: float) -> None:
    """Refuse an option below its minimum (or NaN) before anything is opened or created."""
    if not value >= minimum:
        raise _fail(f"{option} must be {minimum:g} or more, not {value:g}")


def _check_above(option: str, value: float, bound: float) -> None:
    if not value > bound:
        raise _fail(f"{option} must be more than {bound:g}, not {value:g}")


def _check_input(input: str) -> None:
    """Refuse a local input that does not exist (object-store inputs are checked when the run lists them)."""
    from flows.remote import is_remote

    if not is_remote(input) and not os.path.exists(input):
        raise _fail(f"input not found: {input} does not exist; give --input an existing folder or file")


def _check_warehouse_for_run(warehouse: str, catalog: str | None) -> None:
    """Refuse, before a server starts or a folder or lock is created, a warehouse a run would refuse."""
    from warehouse.lake import CatalogUnusable, Lake, NotAWarehouse

    try:
        Lake(warehouse, catalog_arg(catalog)).check_preparable()
    except (NotAWarehouse, CatalogUnusable) as exc:
        raise _fail(str(exc)) from None


def _check_run_options(input: str, warehouse: str, catalog: str | None, batch_files: int, wait: float,
                       maintain_every: float) -> None:
    """The options `run` and `serve` share, checked in the order a user reads them."""
    _check_input(input)
    _check_at_least("--batch-files", batch_files, 1)
    _check_at_least("--wait", wait, 0)
    _check_at_least("--maintain-every", maintain_every, 0)
    _check_warehouse_for_run(warehouse, catalog)


@contextlib.contextmanager
def open_warehouse(warehouse: str, catalog: str | None = None, sandbox: bool = False):
    """A read-only connection to a warehouse's lake (tables and views of `main` by their plain names).

    With `sandbox`, the connection is the locked-down one for SQL typed by users (`Lake.query_reader`).
    """
    from warehouse.lake import CatalogUnusable, Lake, NotAWarehouse

    try:
        lake = Lake(warehouse, catalog_arg(catalog))
        cm = lake.query_reader() if sandbox else lake.reader()
        con = cm.__enter__()
    except (NotAWarehouse, CatalogUnusable) as exc:
        raise _fail(str(exc)) from None
    try:
        yield con
    except BaseException:
        if not cm.__exit__(*sys.exc_info()):
            raise
    else:
        cm.__exit__(None, None, None)


@app.command()
def run(
    input: Annotated[str, typer.Option("--input", help="Directory or URI of raw input files.")] = str(DEMO_INPUT),
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    runner: Annotated[str, typer.Option(help="Where batch tasks run: local or dask.")] = "local",
    dask_address: Annotated[str | None, typer.Option(help="tcp://HOST:PORT of a Dask scheduler.")] = None,
    batch_files: Annotated[int, typer.Option(help="Input files per batch task.")] = 250,
    workers: Annotated[int | None, typer.Option(
        "--workers", metavar="N", show_default="one per core",
        help="Worker processes that run the batches (local runner), or Dask workers of the LocalCluster.")] = None,
    batch_records: Annotated[int, typer.Option(
        "--batch-records", metavar="N",
        help="Records per batch when a large JSON-lines file is split into record ranges (0: never split).")] = 200,
    prune: Annotated[bool, typer.Option(help="Drop rows of input files that no longer exist.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait if another run holds the warehouse.")] = 0.0,
    quiet: Annotated[bool, typer.Option(help="Print only the summary line.")] = False,
    maintain_every: Annotated[float, typer.Option(
        help="Hours between maintenance passes run after publishing (0: only `broadsheet maintain`).")] = 24.0,
    article_budget: Annotated[float, typer.Option(
        "--article-budget", metavar="SECONDS",
        help="CPU seconds one article's transform steps may take; past them it is published with what "
             "the finished steps produced and a too_slow reject.")] = 2.0,
    max_reject_rate: Annotated[float, typer.Option(
        "--max-reject-rate", min=0.0, max=1.0, metavar="SHARE",
        help="Share of the run's articles (0..1) that may fail validation, each a rejects row; above it the "
             "run publishes no article and exits 1.")] = 0.10,
) -> None:
    """Process new and changed inputs into the warehouse (default: the demo corpus into ./broadsheet-warehouse)."""
    from flows.runners import RUNNERS, WorkersMisconfigured, run_flow
    from warehouse.lake import CatalogUnusable, NotAWarehouse
    from warehouse.publish import WarehouseBusy

    if runner not in RUNNERS:
        raise _fail(f"unknown --runner {runner!r}: use {' or '.join(RUNNERS)}")
    if dask_address is not None and runner != "dask":
        raise _fail("--dask-address needs --runner dask")
    if dask_address is not None and "://" not in dask_address:
        raise _fail(f"--dask-address {dask_address!r} is not an address: give tcp://HOST:PORT")
    _check_above("--article-budget", article_budget, 0)
    if workers is not None:
        _check_at_least("--workers", workers, 1)
    _check_at_least("--batch-records", batch_records, 0)
    _check_run_options(input, warehouse, catalog, batch_files, wait, maintain_every)
    try:
        summary = run_flow(input, warehouse, runner=runner, dask_address=dask_address, batch_files=batch_files,
                           workers=workers, batch_records=batch_records,
                           prune=prune, lock_wait_seconds=wait, catalog=catalog_arg(catalog),
                           maintain_every_hours=maintain_every, article_budget_seconds=article_budget,
                           max_reject_rate=max_reject_rate, on_server=None if quiet else _say_server)
    except (NotAWarehouse, CatalogUnusable) as exc:
        raise _fail(str(exc)) from None
    except WorkersMisconfigured as exc:
        _console().print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except WarehouseBusy as exc:
        _console().print(f"[red]{exc}[/red]")
        raise typer.Exit(3) from None
    except FileNotFoundError as exc:
        _console().print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    _print_summary(summary, quiet)
    if summary.get("note"):
        _console().print(f"[red]{summary['note']}[/red]")
    if summary["status"] != "completed":
        raise typer.Exit(1)


def _say_server(server) -> None:
    """Tell the user which Prefect server the run reports to, and where its UI is."""
    from flows.local_server import IDLE_SECONDS

    if server.pid is not None:
        _console().print(f"Started a local Prefect server (pid {server.pid}); UI: {server.ui_url} "
                         "(stopped when this command exits)")
    elif server.shared:
        _console().print(f"Started a local Prefect server that later runs share; UI: {server.ui_url} (it stops "
                         f"after {IDLE_SECONDS / 60:g} idle minutes; `python -m flows.local_server stop` stops it now)")
    else:
        _console().print(f"Using the Prefect server at {server.api_url}; UI: {server.ui_url}")


@app.command()
def serve(
    cron: Annotated[str, typer.Option("--cron", help='Cron schedule, e.g. "*/15 * * * *" (UTC).')],
    input: Annotated[str, typer.Option("--input", help="Directory or URI of raw input files.")] = str(DEMO_INPUT),
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    name: Annotated[str | None, typer.Option(help="Deployment name (default: from the warehouse).")] = None,
    batch_files: Annotated[int, typer.Option(help="Input files per batch task.")] = 250,
    prune: Annotated[bool, typer.Option(help="Drop rows of input files that no longer exist.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds a run waits if another run holds the warehouse.")] = 900.0,
    maintain_every: Annotated[float, typer.Option(
        help="Hours between maintenance passes (merge files, expire snapshots); 0: never.")] = 24.0,
    server_port: Annotated[int | None, typer.Option(
        help="Port for the local Prefect server started when PREFECT_API_URL is unset (default 4200, "
             "or a free one).")] = None,
) -> None:
    """Run the flow on a cron schedule until stopped (with a local Prefect server unless PREFECT_API_URL is set)."""
    from flows.remote import display_uri, is_remote

    _check_cron(cron)
    if server_port is not None and not 1 <= server_port <= 65535:
        raise _fail(f"--server-port must be between 1 and 65535, not {server_port}")
    _check_run_options(input, warehouse, catalog, batch_files, wait, maintain_every)
    from flows.serve import prefect_api, scheduled_deployment, serve_schedule, sigterm_as_interrupt

    if not is_remote(input):
        input = os.path.abspath(input)  # scheduled runs start in another working directory
    if not is_remote(warehouse):
        warehouse = os.path.abspath(warehouse)
    console = _console()
    with sigterm_as_interrupt(), prefect_api(port=server_port, on_start=_say_server):
        deployment = scheduled_deployment(input, warehouse, cron, name=name, batch_files=batch_files, prune=prune,
                                          lock_wait_seconds=wait, catalog=catalog_arg(catalog),
                                          maintain_every_hours=maintain_every)
        console.print(f"Serving deployment broadsheet-run/{deployment.name}: {display_uri(input)} -> "
                      f"{display_uri(warehouse)} on '{cron}', one run at a time. Ctrl-C stops it.", soft_wrap=True)
        try:
            serve_schedule(deployment)
        except KeyboardInterrupt:
            pass
    console.print("stopped")


def _check_cron(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron)
    except ValueError:
        raise _fail(f'--cron {cron!r} is not a cron schedule: give five fields, e.g. "*/15 * * * *"') from None


def _print_summary(summary: dict, quiet: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    counts = summary["counts"]
    console.print(
        f"run {summary['run_id']}: {summary['status']}; {summary['n_files_seen']} files seen, "
        f"{summary['n_files_new']} new or changed"
    )
    failures = summary.get("failed_expectations") or []
    if failures:
        qdir = f"{summary['warehouse']}/quarantine/{summary['run_id']}/"
        console.print(f"[red]{counts.get('quarantined_batches', 0)} batch(es) failed validation and were "
                      f"quarantined under {qdir}; nothing of them was published[/red]")
        _print_failures(failures)
    if quiet:
        return
    table = Table("published by this run", "rows", "stage", "seconds", title="Run summary")
    stages = list(summary["seconds"].items())
    rows = [(k, counts.get(k, 0)) for k in ("articles", "paragraphs", "removed_lines", "date_mentions",
                                             "quantity_mentions", "location_mentions", "rejects",
                                             "quarantined_batches")]
    for i in range(max(len(rows), len(stages))):
        name, n = rows[i] if i < len(rows) else ("", None)
        stage, sec = stages[i] if i < len(stages) else ("", None)
        table.add_row(name, f"{n:,}" if n is not None else "", stage, f"{sec:.2f}" if sec is not None else "")
    console.print(table)
    for r in summary["rejects"][:10]:
        console.print(escape(f"  rejected {r['source_uri']} [{r['stage']}/{r['reason']}] {r['detail'] or ''}"[:200]))
    if len(summary["rejects"]) > 10:
        console.print(f"  ... and {len(summary['rejects']) - 10} more (see the rejects table)")
    sql = ("SELECT count(*) AS articles, sum(n_paragraphs) AS paragraphs, "
           "count(DISTINCT source_uri) AS sources FROM articles")
    console.print(f"Warehouse: {summary['warehouse']}")
    console.print(f"Example: broadsheet query --warehouse {summary['warehouse']} \"{sql}\"", soft_wrap=True)
    with open_warehouse(summary["warehouse"]) as con:
        _print_table(con, sql)


def _print_failures(failures: list[dict]) -> None:
    from rich.markup import escape

    console = _console()
    for f in failures[:20]:
        console.print(escape(f"  FAILED {f['table']}: {f['expectation']} - {f['unexpected_count']} rows"))
        for example in f["examples"][:3]:
            console.print(escape(f"      e.g. {example}")[:300])
    if len(failures) > 20:
        console.print(f"  ... and {len(failures) - 20} more failed expectations")


@app.command()
def validate(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
) -> None:
    """Check every data file, re-run every expectation suite on the published warehouse, rebuild its Data Docs."""
    import datetime as dt

    from expectations.validate import validate_tables
    from warehouse.health import broken_files
    from warehouse.schemas import TABLES

    console = _console()
    with open_warehouse(warehouse, catalog) as con:
        broken = broken_files(con)
        if broken:
            _print_broken(broken)
            raise typer.Exit(1)
        # The stored columns only: what a view adds (articles.story_id_source) is not part of the suites.
        tables = {name: con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in spec.columns)} FROM "{name}"')
                  .to_arrow_table() for name, spec in TABLES.items()}
    report = validate_tables(tables, now=dt.datetime.now(dt.timezone.utc))
    docs = _data_docs(report, warehouse)
    n_rows = sum(t.num_rows for t in tables.values())
    if report.success:
        console.print(f"all {report.n_expectations} expectations passed on {n_rows} rows; Data Docs: {docs}")
        return
    console.print(f"[red]{len(report.failures)} of {report.n_expectations} expectations failed[/red]; "
                  f"Data Docs: {docs}")
    _print_failures([{"table": f.table, "expectation": f.expectation, "unexpected_count": f.unexpected_count,
                      "examples": f.examples} for f in report.failures])
    raise typer.Exit(1)


def _print_broken(broken) -> None:
    from rich.markup import escape

    console = _console()
    console.print(f"[red]{len(broken)} data file(s) are missing or unreadable[/red]")
    for b in broken:
        console.print(escape(f"  {b.table}: {b.path} ({b.problem}; {b.rows} rows)"), soft_wrap=True)
        for uri in b.inputs[:10]:
            console.print(escape(f"      input {uri}"), soft_wrap=True)
        if len(b.inputs) > 10:
            console.print(f"      ... and {len(b.inputs) - 10} more inputs")
    console.print("`broadsheet repair` drops the lost rows and re-processes those inputs where they still exist.")


def _data_docs(report, warehouse: str) -> str:
    """Build Data Docs into WAREHOUSE/docs (built locally and uploaded for object-store warehouses)."""
    import tempfile

    from expectations.validate import build_data_docs
    from flows.remote import display_uri, is_remote, upload_tree

    if not is_remote(warehouse):
        return build_data_docs(report, os.path.join(warehouse, "docs"))
    with tempfile.TemporaryDirectory(prefix="broadsheet-docs-") as tmp:
        index = build_data_docs(report, tmp)
        target = f"{warehouse.rstrip('/')}/docs"
        upload_tree(tmp, target)
        rel = os.path.relpath(str(index), tmp)
    return display_uri(f"{target}/{rel}")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse's tables and views; several "
                                            "statements may be separated by ';'.")],
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    max_rows: Annotated[int, typer.Option(help="Rows to print at most per statement (1 or more).")] = 50,
    output_format: Annotated[str, typer.Option(
        "--format", help="table (for reading), csv (a header line, then rows) or json (an array of objects).")
    ] = "table",
) -> None:
    """Run read-only SQL against the warehouse and print the result.

    Only queries run: SELECT (with WITH, VALUES, FROM-first, TABLE), DESCRIBE, SHOW, SUMMARIZE and EXPLAIN. Any
    other statement (COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, CALL, INSERT, ...) and DuckLake's maintenance
    functions are refused, and the query can read no file outside the warehouse. Several statements all run
    and every result is printed, headed by the statement's number and first words (json: an array of
    {statement, sql, rows} objects). A cut-off result says so on stderr.
    """
    import duckdb

    from flows.query_output import FORMATS
    from warehouse.user_sql import StatementRefused, query_statements

    if not sql.strip():
        raise _fail('no SQL given: pass a query, e.g. broadsheet query "SELECT count(*) FROM articles"')
    if max_rows < 1:
        raise _fail(f"--max-rows must be 1 or more, not {max_rows}")
    if output_format not in FORMATS:
        raise _fail(f"unknown --format {output_format!r}: use {', '.join(FORMATS)}")
    try:
        statements = query_statements(sql)
    except StatementRefused as exc:
        raise _fail(str(exc)) from None
    results = []
    with open_warehouse(warehouse, catalog, sandbox=True) as con:
        for statement in statements:
            try:
                cur = con.execute(statement.sql)
                results.append((statement, cur.description, cur.fetchmany(max_rows + 1)))
            except duckdb.Error as exc:
                _print_results(results, output_format, max_rows, len(statements) > 1)
                where = f"statement {statement.number} ({statement.head}): " if len(statements) > 1 else ""
                if isinstance(exc, duckdb.PermissionException):  # the sandbox said no: one line, and why
                    raise _fail(f"{where}{str(exc).splitlines()[0]}; `broadsheet query` reads only the "
                                "warehouse's tables and views", 1) from None
                raise _fail(where + str(exc), 1) from None
    _print_results(results, output_format, max_rows, len(statements) > 1)


def _print_results(results: list, output_format: str, max_rows: int, headed: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    from flows.query_output import column_names, csv_text, json_records, json_text

    documents = []
    for statement, description, rows in results:
        names, shown = column_names(description), rows[:max_rows]
        if output_format == "json":
            records = json_records(names, shown)
            documents.append({"statement": statement.number, "sql": statement.head, "rows": records}
                             if headed else records)
        elif output_format == "csv":
            if headed:
                typer.echo(f"# statement {statement.number}: {statement.head}")
            typer.echo(csv_text(names, shown), nl=False)
        else:
            if headed:
                _console().print(escape(f"statement {statement.number}: {statement.head}"), soft_wrap=True)
            table = Table(*(escape(n) for n in names))
            for row in shown:
                table.add_row(*(escape("" if v is None else str(v)) for v in row))
            _console().print(table)
        if len(rows) > max_rows:
            where = f" of statement {statement.number}" if headed else ""
            typer.echo(f"(first {max_rows} rows{where} shown; --max-rows shows more)", err=output_format != "table")
    if output_format == "json" and results:
        typer.echo(json_text(documents if headed else documents[0]), nl=False)


@app.command()
def report(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    out: Annotated[str, typer.Option("--out", help="Where to write the HTML report.")] = "report.html",
) -> None:
    """Write one self-contained HTML report: map of places, event timeline, figures per story, data quality."""
    from flows.report import write_report

    _check_out(out)
    with open_warehouse(warehouse, catalog) as con:
        path = write_report(con, warehouse, out)
    _console().print(f"report written to {path}")


def _check_out(out: str) -> None:
    """Refuse an --out the report could not be written to, before the warehouse is opened."""
    path = pathlib.Path(out)
    if path.is_dir():
        raise _fail(f"--out {out} is a folder: give the path of the HTML file to write, e.g. {path / 'report.html'}")
    parent = path.parent if str(path.parent) else pathlib.Path(".")
    if not parent.is_dir():
        raise _fail(f"--out {out}: the folder {parent} does not exist; create it or choose another path")


@app.command()
def history(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    limit: Annotated[int, typer.Option(help="Most recent runs to list.")] = 30,
) -> None:
    """List the runs, newest first, with the DuckLake snapshot each one committed (for time travel and rollback)."""
    from warehouse.maintenance import run_history

    _check_at_least("--limit", limit, 1)
    with open_warehouse(warehouse, catalog) as con:
        rows = run_history(con, limit)
    _print_rows(rows, "Runs (newest first)")
    _console().print("Time travel: SELECT ... FROM <table> AT (VERSION => <snapshot>); "
                     "restore: broadsheet rollback --to RUN_ID")


@app.command()
def connect(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    client: Annotated[str, typer.Option(
        help="duckdb, python, sqlalchemy, superset, metabase, dbeaver, or all.")] = "all",
) -> None:
    """Print the text that connects a SQL shell or BI tool to this warehouse, read-only (see docs/bi.md)."""
    from warehouse.connect import CLIENTS, recipes_text
    from warehouse.lake import CatalogUnusable, Lake, NotAWarehouse

    if client != "all" and client not in CLIENTS[1:]:
        raise _fail(f"unknown client {client!r}: use {', '.join(CLIENTS[1:])} or all")
    try:
        lake = Lake(warehouse, catalog_arg(catalog))
        lake.check_readable()
        spec = lake.catalog()
    except (NotAWarehouse, CatalogUnusable) as exc:
        raise _fail(str(exc)) from None
    if not lake.location.is_local:
        raise _fail(f"{lake.display} is on an object store: these recipes are for a folder the client can open "
                    "(a local disk or a mount)")
    clients = CLIENTS if client == "all" else ("install", client)
    typer.echo(recipes_text(lake.location.root, spec.public(), clients), nl=False)


def _print_rows(rows: list[dict], title: str) -> None:
    from rich.table import Table

    table = Table(*(rows[0].keys() if rows else ["(none)"]), title=title)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r.values()))
    _console().print(table)


def _writable(warehouse: str, catalog: str | None, wait: float = 0.0):
    """The lake of an existing warehouse, checked, for a command that writes it."""
    from warehouse.lake import CatalogUnusable, Lake, NotAWarehouse

    try:
        lake = Lake(warehouse, catalog_arg(catalog))
        lake.check_readable()
        lake.prepare("")
    except (NotAWarehouse, CatalogUnusable) as exc:
        raise _fail(str(exc)) from None
    return lake


def _refresh_copy(lake: Lake) -> None:
    """Bring `broadsheet.duckdb` (the plain DuckDB copy) to the snapshot just committed; warn when it cannot."""
    from warehouse.mirror import refresh

    done = refresh(lake)
    if done.mode == "failed":
        _console().print(f"[yellow]broadsheet.duckdb not refreshed ({done.reason}); the next run or command "
                         "that writes refreshes it[/yellow]")


@app.command()
def rollback(
    to: Annotated[str, typer.Option("--to", help="The run whose result the warehouse returns to (see `history`).")],
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait if a run holds the warehouse.")] = 0.0,
) -> None:
    """Restore the warehouse's data as it was right after a run, as a new snapshot (nothing is deleted).

    The runs and rejects logs are kept as they are; inputs processed after that run are read again by the next run.
    """
    from warehouse.maintenance import RollbackRefused, rollback_to
    from warehouse.publish import WarehouseBusy, writer_lock

    if not to.strip():
        raise _fail("--to needs a run id: `broadsheet history` lists them")
    _check_at_least("--wait", wait, 0)
    lake = _writable(warehouse, catalog)
    try:
        with writer_lock(lake, wait):
            changed = rollback_to(lake, to)
            _refresh_copy(lake)
    except (RollbackRefused, WarehouseBusy) as exc:
        raise _fail(str(exc)) from None
    _console().print(f"rolled back to run {to}: " + ", ".join(f"{t} {n:+,}" for t, n in changed.items() if n))


@app.command()
def maintain(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    retention_days: Annotated[float, typer.Option(help="Snapshots older than this many days expire.")] = 30.0,
    wait: Annotated[float, typer.Option(help="Seconds to wait if a run holds the warehouse.")] = 0.0,
) -> None:
    """Merge small files, flush inlined rows, expire old snapshots and delete the files no snapshot needs."""
    from warehouse.maintenance import run_maintenance
    from warehouse.publish import WarehouseBusy, writer_lock

    _check_at_least("--retention-days", retention_days, 0)
    _check_at_least("--wait", wait, 0)
    lake = _writable(warehouse, catalog)
    try:
        with writer_lock(lake, wait):
            done = run_maintenance(lake, retention_days)
            _refresh_copy(lake)
    except WarehouseBusy as exc:
        raise _fail(str(exc)) from None
    _console().print("maintenance: " + ", ".join(f"{k} {v}" for k, v in done.items()))


@app.command()
def rebuild(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait if a run holds the warehouse.")] = 0.0,
) -> None:
    """Recompute the derived tables (places, stories, near-duplicate groups) from every stored article."""
    from flows.pipeline import place_row
    from warehouse.maintenance import rebuild_derived
    from warehouse.publish import WarehouseBusy, writer_lock

    _check_at_least("--wait", wait, 0)
    lake = _writable(warehouse, catalog)
    try:
        with writer_lock(lake, wait):
            counts = rebuild_derived(lake, place_row)
            _refresh_copy(lake)
    except WarehouseBusy as exc:
        raise _fail(str(exc)) from None
    _console().print("rebuilt: " + ", ".join(f"{t} {n:,} rows" for t, n in counts.items()))


@app.command()
def repair(
    warehouse: WarehouseOpt = DEFAULT_WAREHOUSE,
    catalog: CatalogOpt = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait if a run holds the warehouse.")] = 0.0,
    quiet: Annotated[bool, typer.Option(help="Print only the summary lines.")] = False,
) -> None:
    """Drop the rows of missing or unreadable data files and re-process the inputs they came from."""
    from flows.runners import run_flow
    from warehouse.maintenance import drop_broken_files
    from warehouse.publish import WarehouseBusy, writer_lock

    _check_at_least("--wait", wait, 0)
    lake = _writable(warehouse, catalog)
    try:
        with writer_lock(lake, wait):
            outcome = drop_broken_files(lake)
            _refresh_copy(lake)
    except WarehouseBusy as exc:
        raise _fail(str(exc)) from None
    console = _console()
    if not outcome.broken:
        console.print("every data file is present and readable; nothing to repair")
        return
    _print_broken(outcome.broken)
    console.print(f"dropped the rows of {len(outcome.broken)} file(s); {len(outcome.inputs)} input(s) to re-process")
    for input_uri in outcome.input_roots:
        summary = run_flow(input_uri, warehouse, lock_wait_seconds=wait, catalog=catalog_arg(catalog))
        _print_summary(summary, quiet)
    for uri in outcome.lost_inputs(lambda u: _exists(u)):
        console.print(f"[yellow]input {uri} no longer exists: its rows are lost[/yellow]", soft_wrap=True)


def _exists(uri: str) -> bool:
    import fsspec

    fs, path = fsspec.core.url_to_fs(uri.split("#", 1)[0])
    return bool(fs.exists(path))


@app.command("eval")
def evaluate(
    name: Annotated[str, typer.Argument(help="What to evaluate: dates, quantities, locations, html or seeds.")],
    shared: Annotated[str | None, typer.Option(help="The shared gold data directory.")] = None,
) -> None:
    """Score one extraction step against public gold data."""
    import importlib

    from evaluation import EVALUATIONS

    if name not in EVALUATIONS:
        raise _fail(f"unknown evaluation {name!r}: choose from {', '.join(sorted(EVALUATIONS))}")
    if shared is not None and not os.path.isdir(shared):
        raise _fail(f"--shared {shared} is not a folder: give the shared gold data directory")
    module = importlib.import_module(f"evaluation.{EVALUATIONS[name]}")
    argv = ["--shared", shared] if shared else []
    raise typer.Exit(module.main(argv))


def main() -> None:
    """Console entry point."""
    app(prog_name="broadsheet")


if __name__ == "__main__":
    sys.exit(main())
