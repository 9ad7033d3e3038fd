"""Tests for warehouse/state_tables.py: the state tables hold the paragraph_groups row types, field for field."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest

from transforms.paragraph_groups import BandRow, GroupRow, MemberRow, NodeRow, dup_index_rows
from warehouse.schemas import TABLES, SchemaError
from warehouse.state_tables import DUP_BANDS, DUP_MEMBERS, DUP_NODES, STATE_TABLES, state_table

GROUPS = TABLES["paragraph_groups"]
ROW_TYPES = [(DUP_NODES, NodeRow), (DUP_BANDS, BandRow), (DUP_MEMBERS, MemberRow), (GROUPS, GroupRow)]


@pytest.mark.parametrize(("spec", "row_type"), ROW_TYPES, ids=[s.name for s, _ in ROW_TYPES])
def test_row_type_fields_are_the_schema_columns(spec, row_type) -> None:
    assert [f.name for f in dataclasses.fields(row_type)] == spec.columns
    assert set(spec.key) <= set(spec.columns)


def test_every_column_is_described_and_names_do_not_clash_with_public_tables() -> None:
    for spec in STATE_TABLES.values():
        assert spec.grain and spec.description
        assert all(spec.description_of(c) for c in spec.columns), spec.name
        assert spec.name not in TABLES


def test_built_rows_round_trip_through_arrow() -> None:
    delta = dup_index_rows([
        ("p1", "The agency said the river would peak at Bewdley on Wednesday and more rain is due on Friday."),
        ("p2", "The agency said the river would peak at Bewdley on Wednesday, with more rain due Friday."),
        ("p3", "* * *"),
    ])
    for spec, rows in ((DUP_NODES, delta.nodes.insert), (DUP_BANDS, delta.bands.insert),
                       (DUP_MEMBERS, delta.members.insert), (GROUPS, delta.paragraph_groups.insert)):
        table = state_table(spec, rows)
        assert table.schema.equals(spec.schema) and table.num_rows == len(rows)
        row_type = type(rows[0])
        back = [row_type(**{k: tuple(v) if isinstance(v, list) else v for k, v in r.items()})
                for r in table.to_pylist()]
        assert back == list(rows)
    nodes = state_table(DUP_NODES, delta.nodes.insert)
    assert nodes.column("shingles").type == pa.list_(pa.field("item", pa.int64(), nullable=False))


def test_state_table_rejects_what_is_not_a_row() -> None:
    with pytest.raises(SchemaError):
        state_table(DUP_MEMBERS, [{"paragraph_id": "p1", "node_key": "k"}])
