"""The internal state tables of incremental steps: one pyarrow schema each, with its grain, key and columns.

These live in the catalog's `internal` schema, not in the public views. Their rows are the frozen row types of
the transform that maintains them, field for field (tests/warehouse/test_state_tables.py checks it).

Near-duplicate paragraphs (`transforms.paragraph_groups`, see its docstring for the model): `dup_nodes`,
`dup_bands`, `dup_members`, maintained with the public `paragraph_groups` by `dup_groups_update`. Integers are
signed: shingle hashes are < 2**32, so int64 holds them exactly. Band keys are exact strings, not 64-bit hashes,
so two buckets never share a key. Strings compare by bytes (no collation): that is the order of paragraph ids
the transform uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from warehouse.schemas import SchemaError, TableSpec, _col, table_from_rows

_STR = pa.string()
_I64 = pa.int64()

DUP_NODES = TableSpec(
    name="dup_nodes",
    grain="one row per distinct exact paragraph key (node) among the current paragraphs",
    key=("node_key",),
    description="Nodes of the near-duplicate index: paragraphs with the same content-word bigram set (or, with "
                "none, the same normalized words), with the LSH buckets and group of each.",
    stored_in="internal",
    schema=pa.schema([
        _col("node_key", _STR, "128-bit BLAKE2b of the exact key, 32 hex digits.", False),
        _col("node_id", _STR, "Smallest paragraph_id with this key.", False),
        _col("n_members", _I64, "Number of current paragraphs with this key (> 0).", False),
        _col("dup_group", _STR, "The node's near-duplicate group: smallest node_id of its component "
             "(paragraph_groups.dup_group of every member).", False),
        _col("shingles", pa.list_(pa.field("item", _I64, nullable=False)),
             "Sorted content-word bigram hashes (each in [0, 2**32)); empty for a node keyed by its words.", False),
        _col("text_key", _STR, "Normalized words of the paragraphs when shingles is empty, else null."),
        _col("band_keys", pa.list_(pa.field("item", _STR, nullable=False)),
             "The node's bucket in each LSH band (as dup_bands.band_key); empty below dup_min_shingles shingles.",
             False),
    ]),
)

DUP_BANDS = TableSpec(
    name="dup_bands",
    grain="one row per node and LSH band it takes part in",
    key=("band_key", "node_key"),
    description="LSH bucket membership of the near-duplicate index, to find a bucket's head (smallest node_id) "
                "or its members.",
    stored_in="internal",
    schema=pa.schema([
        _col("band_key", _STR, "Exact bucket key: '<band number>:<the band's MinHash rows, 8 hex digits each>'.",
             False),
        _col("node_key", _STR, "The member node (dup_nodes.node_key).", False),
        _col("node_id", _STR, "Copy of dup_nodes.node_id, so a bucket's head needs no join.", False),
    ]),
)

DUP_MEMBERS = TableSpec(
    name="dup_members",
    grain="one row per current paragraph",
    key=("paragraph_id",),
    description="The node of every paragraph in the near-duplicate index.",
    stored_in="internal",
    schema=pa.schema([
        _col("paragraph_id", _STR, "The paragraph (paragraphs.paragraph_id).", False),
        _col("node_key", _STR, "Its node (dup_nodes.node_key).", False),
    ]),
)

STATE_TABLES: dict[str, TableSpec] = {t.name: t for t in (DUP_NODES, DUP_BANDS, DUP_MEMBERS)}


def state_table(spec: TableSpec, rows: Iterable[Any]) -> pa.Table:
    """An Arrow table of frozen dataclass rows in the spec's schema; a field the schema does not list is an error."""
    dicts = []
    for row in rows:
        if not dataclasses.is_dataclass(row) or isinstance(row, type):
            raise SchemaError(f"{spec.name}: rows must be dataclass instances, got {type(row).__name__}")
        dicts.append({f.name: getattr(row, f.name) for f in dataclasses.fields(row)})
    return table_from_rows(spec, dicts)
