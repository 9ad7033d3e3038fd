"""The data dictionary (`docs/warehouse.md`), generated from the table schemas."""

from __future__ import annotations

import pathlib

from warehouse.schemas import TABLES

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "warehouse.md"


def dictionary_markdown() -> str:
    """Markdown describing every table: grain, key and each column's type and meaning."""
    lines = [
        "# Warehouse data dictionary",
        "",
        "Generated from `warehouse/schemas.py` by `python -m warehouse.dictionary`; a test fails when it drifts.",
        "The same descriptions are DuckLake comments on the tables and columns (BI tools show them) and rows of",
        "the `dictionary` table, which also describes every view and mart column.",
        "",
        "Each table is a DuckLake table in schema `main` of the warehouse's lake (`articles` is a view over",
        "`internal.articles` that adds the story columns). Read them through DuckLake (`broadsheet query`, or",
        "the recipes in docs/bi.md), never by globbing `WAREHOUSE/data/`, which also holds superseded files until",
        "`broadsheet maintain` removes them. Column names are a public interface: they change only by adding.",
        "",
    ]
    for spec in TABLES.values():
        lines += [
            f"## `{spec.name}`",
            "",
            spec.description,
            "",
            f"- **Grain:** {spec.grain}.",
            f"- **Key:** {', '.join(f'`{k}`' for k in spec.key)}.",
            "",
            "| column | type | null | meaning |",
            "|---|---|---|---|",
        ]
        for field in spec.schema:
            null = "yes" if field.nullable else "no"
            lines.append(f"| `{field.name}` | {field.type} | {null} | {spec.description_of(field.name)} |")
        for name, doc in spec.view_columns:
            lines.append(f"| `{name}` | string | yes | {doc} (added by the view) |")
        lines.append("")
    return "\n".join(lines)


def write_dictionary(path: pathlib.Path = DOC) -> pathlib.Path:
    """Regenerate `docs/warehouse.md`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dictionary_markdown(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_dictionary())
