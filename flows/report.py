"""The warehouse report: one self-contained HTML file with a map, the event timeline, figures per story by
source and a data-quality panel.

Everything the page needs is inside it: plotly.js is inlined once, and the map is a plain lon/lat scatter
over country outlines taken from the `countryinfo` package (plotly's geo maps would fetch topojson from a
CDN at view time). The catalog is opened read-only, so the report can be written while a BI tool has it open.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import pathlib
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

MAX_STORIES = 6
MAX_CLAIMS_PER_STORY = 25
_TIMELINE_GRANULARITIES = ("day", "week", "month")


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Query results as dicts."""
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]).fetchone()[0])


def country_outlines() -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of every country border, polygons separated by None (for a line trace)."""
    from countryinfo import all_countries

    lons: list[float | None] = []
    lats: list[float | None] = []
    for country in all_countries():
        for feature in (country.info().get("geoJSON") or {}).get("features", []):
            geom = feature.get("geometry") or {}
            polys = geom.get("coordinates", [])
            if geom.get("type") == "Polygon":
                polys = [polys]
            for poly in polys:
                for ring in poly:
                    lons.extend(round(p[0], 2) for p in ring)
                    lats.extend(round(p[1], 2) for p in ring)
                    lons.append(None)
                    lats.append(None)
    return lons, lats


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=title, height=height, margin={"l": 60, "r": 20, "t": 50, "b": 40},
                      template="plotly_white", legend={"orientation": "h", "y": -0.15})
    return fig


def map_figure(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Places mentioned, sized by mentions, over country outlines."""
    places = _rows(con, """
        SELECT place, country, feature, latitude, longitude, sum(n_mentions) AS n_mentions,
               sum(n_articles) AS n_articles
        FROM mart_places_by_day GROUP BY ALL ORDER BY n_mentions DESC""")
    lons, lats = country_outlines()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=lons, y=lats, mode="lines", line={"width": 0.6, "color": "#b8b8b8"},
                               hoverinfo="skip", showlegend=False, name="borders"))
    fig.add_trace(go.Scatter(
        x=[p["longitude"] for p in places], y=[p["latitude"] for p in places], mode="markers",
        marker={"size": [6 + 3 * min(p["n_mentions"], 100) ** 0.5 for p in places], "color": "#d62728",
                "opacity": 0.7, "line": {"width": 0.5, "color": "#7f0000"}},
        text=[f"{p['place']} ({p['feature']}, {p['country'] or '?'}): {p['n_mentions']} mentions in "
              f"{p['n_articles']} article-days" for p in places],
        hoverinfo="text", name="places"))
    fig.update_xaxes(range=[-180, 180], showgrid=False, zeroline=False, title="longitude")
    fig.update_yaxes(range=[-60, 85], showgrid=False, zeroline=False, title="latitude", scaleanchor="x")
    return _layout(fig, f"Places mentioned ({len(places)} places)", 620)


def timeline_figure(con: duckdb.DuckDBPyConnection) -> go.Figure:
    """Days talked about (x) against days published (y), per story, sized by mentions."""
    rows = _rows(con, f"""
        SELECT story_id, any_value(story_title_example) AS title, event_start, published_day,
               sum(n_mentions) AS n_mentions, string_agg(texts, ' | ') AS texts
        FROM mart_event_timeline
        WHERE published_day IS NOT NULL AND granularity IN {_TIMELINE_GRANULARITIES}
        GROUP BY story_id, event_start, published_day ORDER BY story_id, event_start""")
    fig = go.Figure()
    by_story: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_story.setdefault(r["story_id"], []).append(r)
    for story, items in by_story.items():
        fig.add_trace(go.Scatter(
            x=[r["event_start"] for r in items], y=[r["published_day"] for r in items], mode="markers",
            marker={"size": [6 + 3 * min(r["n_mentions"], 50) ** 0.5 for r in items], "opacity": 0.75},
            name=(items[0]["title"] or story)[:40],
            text=[f"{r['texts'][:120]} ({r['n_mentions']} mentions)" for r in items], hoverinfo="text+x+y"))
    fig.update_xaxes(title="day talked about (start of the span)")
    fig.update_yaxes(title="day published", type="date", tickformat="%Y-%m-%d")
    return _layout(fig, "Event timeline: days talked about vs days published", 560)


def story_figures(con: duckdb.DuckDBPyConnection) -> list[go.Figure]:
    """One chart per story with several sources: each claim's interval, one colour per source."""
    stories = _rows(con, f"""
        SELECT story_id, any_value(story_title) AS title, max(n_story_sources) AS n_sources, count(*) AS n_claims
        FROM mart_story_figures WHERE n_story_sources > 1
        GROUP BY story_id ORDER BY n_sources DESC, n_claims DESC, story_id LIMIT {MAX_STORIES}""")
    figures = []
    for s in stories:
        claims = _rows(con, f"""
            WITH ranked AS (
                SELECT counted_noun, unit, claim, low, high, source,
                       count(*) OVER (PARTITION BY counted_noun, unit) AS n_noun
                FROM mart_figures WHERE is_first_copy AND story_id = {_sql_str(s['story_id'])}
                    AND coalesce(low, high) IS NOT NULL
            )
            SELECT DISTINCT counted_noun, unit, claim, low, high, source, n_noun FROM ranked
            ORDER BY n_noun DESC, counted_noun, low NULLS FIRST, source LIMIT {MAX_CLAIMS_PER_STORY * 3}""")
        fig = go.Figure()
        by_source: dict[str, list[dict[str, Any]]] = {}
        for c in claims:
            by_source.setdefault(c["source"], []).append(c)
        for source, items in sorted(by_source.items()):
            xs: list[Any] = []
            ys: list[Any] = []
            texts: list[Any] = []
            for c in items:
                label = f"{c['counted_noun']} ({c['unit']})" if c["unit"] != "count" else c["counted_noun"]
                lo = c["low"] if c["low"] is not None else c["high"]
                hi = c["high"] if c["high"] is not None else c["low"]
                xs += [lo, hi, None]
                ys += [label, label, None]
                texts += [f"{source}: {c['claim']}"] * 2 + [None]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=source[:40], text=texts,
                                     hoverinfo="text", marker={"size": 9}, line={"width": 4}))
        fig.update_xaxes(type="log", title="stated value (interval low to high; log scale)")
        figures.append(_layout(fig, f"Figures by source: {(s['title'] or s['story_id'])[:90]} "
                                    f"({s['n_sources']} sources)", 140 + 28 * max(4, len({
                                        c['counted_noun'] for c in claims}))))
    return figures


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def quality(con: duckdb.DuckDBPyConnection, warehouse: pathlib.Path) -> tuple[go.Figure, str]:
    """Runs and rejects chart, plus an HTML summary of runs, quarantined inputs and expectation results."""
    runs = _rows(con, """SELECT run_id, started_at, status, n_files_seen, n_files_new, n_articles, n_rejected,
                                validation_success FROM runs ORDER BY started_at""")
    rejects = _rows(con, "SELECT stage, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY n DESC")
    quarantined = _rows(con, """SELECT run_id, count(*) AS n_inputs FROM rejects WHERE reason = 'quarantined'
                                GROUP BY run_id ORDER BY run_id""")
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[r["run_id"] for r in runs], y=[r["n_articles"] for r in runs], name="articles"))
    fig.add_trace(go.Bar(x=[r["run_id"] for r in runs], y=[r["n_rejected"] for r in runs], name="rejects"))
    fig.update_layout(barmode="group")
    parts = ["<h3>Runs</h3>", _table(runs), "<h3>Rejects by stage and reason</h3>", _table(rejects),
             "<h3>Quarantined inputs per run</h3>",
             _table(quarantined) if quarantined else "<p>No batch was quarantined.</p>",
             "<h3>Expectation results (last validation)</h3>", _expectations(warehouse / "docs" / "results.json")]
    return _layout(fig, "Runs: articles published and inputs rejected", 380), "\n".join(parts)


def _expectations(path: pathlib.Path) -> str:
    """Per-table counts of expectations evaluated and failed, from the Data Docs results file."""
    if not path.is_file():
        return "<p>No expectation results found (WAREHOUSE/docs/results.json).</p>"
    data = json.loads(path.read_text(encoding="utf-8"))
    tally: dict[str, dict[str, Any]] = {}
    for batch in data.values():
        for table, res in (batch or {}).items():
            t = tally.setdefault(table, {"table": table, "evaluated": 0, "failed": 0, "failures": set()})
            for r in res.get("results", []):
                t["evaluated"] += 1
                if not r.get("success"):
                    t["failed"] += 1
                    cfg = r.get("expectation_config", {})
                    t["failures"].add(f"{cfg.get('type')}({cfg.get('kwargs', {}).get('column', '')})")
    rows = [{**t, "failures": ", ".join(sorted(t["failures"]))} for t in tally.values()]
    return _table(rows)


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r.values())
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
section { margin-bottom: 32px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; }
.note { color: #666; font-size: 13px; }
"""


def _div(fig: go.Figure, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def write_report(con: duckdb.DuckDBPyConnection, warehouse: str, out: str) -> str:
    """Write the HTML report of a warehouse.

    Args:
        con: a read-only connection to the warehouse's lake.
        warehouse: the warehouse folder (its `docs/results.json` feeds the data-quality panel).
        out: path of the HTML file to write.

    Returns:
        The path written.
    """
    root = pathlib.Path(warehouse)
    if not _has_view(con, "mart_story_figures"):
        raise RuntimeError(f"{warehouse} has no marts: re-run the pipeline to rebuild the catalog")
    sections = [("Map of places", [_div(map_figure(con), "chart-map")]),
                ("Event timeline", [_div(timeline_figure(con), "chart-timeline")])]
    story_divs = [_div(f, f"chart-story-{i}") for i, f in enumerate(story_figures(con))]
    sections.append(("Figures per story, by source",
                     story_divs or ["<p>No story is printed by more than one source.</p>"]))
    q_fig, q_html = quality(con, root)
    sections.append(("Data quality", [_div(q_fig, "chart-quality"), q_html]))
    n_articles, n_stories = con.execute(
        "SELECT count(*), count(DISTINCT story_id) FROM mart_articles").fetchone()
    body = "\n".join(f"<section><h2>{html.escape(title)}</h2>\n" + "\n".join(parts) + "</section>"
                     for title, parts in sections)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Broadsheet report</title>
<style>{_STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>Broadsheet report</h1>
<p class="note">Warehouse {html.escape(str(root))}: {n_articles} articles in {n_stories} stories.
Written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Works offline: no file is fetched at view time.</p>
{body}
</body></html>
"""
    target = pathlib.Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return str(target)
