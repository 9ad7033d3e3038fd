"""Tables in the lake's `internal` schema: state kept so that runs update derived tables incrementally.

They are not part of the public contract (users read `main`); `broadsheet rebuild` recomputes all of them
from the stored articles.
"""

from __future__ import annotations

import pyarrow as pa

from warehouse.schemas import TableSpec, _col
from warehouse.state_tables import DUP_BANDS, DUP_MEMBERS, DUP_NODES
from warehouse.story_state_tables import STORY_ARTICLE_TERMS

PUBLISHES = TableSpec(
    name="publishes",
    grain="one row (a counter)",
    key=("version",),
    description="Bumped by every publishing transaction, so that two runs publishing at the same time into one "
                "lake conflict and the later one retries on top of the earlier one's rows.",
    stored_in="internal",
    schema=pa.schema([
        _col("version", pa.int64(), "Number of publishing transactions so far.", False),
    ]),
)

MAINTENANCE = TableSpec(
    name="maintenance",
    grain="one row per maintenance pass",
    key=("maintained_at",),
    description="When `broadsheet maintain` (or a scheduled run) last compacted and cleaned the lake, and what it did.",
    stored_in="internal",
    schema=pa.schema([
        _col("maintained_at", pa.timestamp("us", tz="UTC"), "When the pass ran (UTC).", False),
        _col("report", pa.string(), "JSON object: rows flushed, files merged, snapshots expired, files deleted."),
    ]),
)

SCHEMA_STATE = TableSpec(
    name="schema_state",
    grain="one row (the digest of the definitions applied)",
    key=("digest",),
    description="Digest of the table, view and comment definitions last applied to this lake; a run compares it "
                "with its own to skip the schema step when nothing changed.",
    stored_in="internal",
    schema=pa.schema([
        _col("digest", pa.string(), "SHA-256 of every definition the code applies.", False),
    ]),
)

DERIVED_RULES = TableSpec(
    name="derived_rules",
    grain="one row (the digest of the rules the incremental state was built with)",
    key=("digest",),
    description="Digest of data/rules/stories.yaml when the story and near-duplicate state was last built: a run "
                "that finds another digest rebuilds that state (and the derived tables) instead of updating it.",
    stored_in="internal",
    schema=pa.schema([
        _col("digest", pa.string(), "SHA-256 of the rules as JSON with sorted keys.", False),
    ]),
)

STATE_TABLES: dict[str, TableSpec] = {t.name: t for t in (PUBLISHES, MAINTENANCE, SCHEMA_STATE, DERIVED_RULES,
                                                          STORY_ARTICLE_TERMS, DUP_NODES, DUP_BANDS, DUP_MEMBERS)}
