"""The input manifest (`main.inputs`): which input files the warehouse has read, and what they produced.

A run reads the narrow columns of the whole manifest once to plan (discovery lists every input file
anyway), and writes only the rows of the inputs it touched, in its publishing transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from warehouse.schemas import INPUTS, table_from_rows


@dataclass(frozen=True)
class ManifestEntry:
    """What the manifest remembers of one input file."""

    uri: str
    fingerprint: str
    sha256: str | None  # None: not read (unreadable, too large): retried at the next run
    article_ids: list[str] = field(default_factory=list)
    run_id: str = ""
    rejected_reason: str | None = None  # refused at discovery: not retried until the file changes

    def row(self) -> dict:
        """The `inputs` table row."""
        return {"source_uri": self.uri, "fingerprint": self.fingerprint, "content_sha256": self.sha256,
                "article_ids": list(self.article_ids), "run_id": self.run_id,
                "rejected_reason": self.rejected_reason}


def read_manifest(con: duckdb.DuckDBPyConnection, uris: Collection[str] | None = None,
                  with_articles: bool = False) -> dict[str, ManifestEntry]:
    """Manifest entries, all or those of `uris`; article ids only when asked (they are most of the bytes)."""
    cols = "source_uri, fingerprint, content_sha256, run_id, rejected_reason"
    cols += ", article_ids" if with_articles else ""
    sql = f"SELECT {cols} FROM {INPUTS.stored_name}"
    params: list = []
    if uris is not None:
        if not uris:
            return {}
        sql += " WHERE source_uri IN (SELECT unnest(?))"
        params.append(sorted(uris))
    out = {}
    for row in con.execute(sql, params).fetchall():
        ids = list(row[5]) if with_articles and row[5] is not None else []
        out[row[0]] = ManifestEntry(row[0], row[1], row[2], ids, row[3], row[4])
    return out


def manifest_table(entries: Iterable[ManifestEntry]) -> pa.Table:
    """Rows of the `inputs` table for some entries."""
    return table_from_rows(INPUTS, [e.row() for e in entries])
