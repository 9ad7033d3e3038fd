"""The real-text bench: its input links to the shared files (never copies them) and its ratios are derived right."""

from __future__ import annotations

import pathlib

from bench.real_text import Measured, TreeFigures, input_folder


def test_input_folder_links_the_shared_files_and_counts_their_articles(tmp_path: pathlib.Path) -> None:
    data = tmp_path / "shared" / "eval" / "data"
    data.mkdir(parents=True)
    (data / "lgl.dev.jsonl").write_text('{"text": "a"}\n{"text": "b"}\n\n', encoding="utf-8")
    (data / "trnews.dev.jsonl").write_text('{"text": "c"}\n', encoding="utf-8")
    (data / "newsquant.dev.jsonl").write_text('{"text": "not an article set"}\n', encoding="utf-8")
    into = tmp_path / "input"
    assert input_folder(tmp_path / "shared", into) == 3
    links = sorted(into.iterdir())
    assert [p.name for p in links] == ["lgl.dev.jsonl", "trnews.dev.jsonl"]
    assert all(p.is_symlink() and p.resolve().parent == data.resolve() for p in links)


def test_summary_excludes_the_idle_run_and_reads_cores_from_the_batch_stage() -> None:
    fig = TreeFigures("new", "abc", 100, Measured(12.0, 18.0, 900.0, 0), Measured(2.0, 1.0, 300.0, 0),
                      {"clean_cpu": 0.2, "dates_cpu": 0.1, "batches": 8.0, "batches_cpu": 14.4})
    s = fig.summary()
    assert s["articles_per_second_excl_fixed"] == 10.0  # 100 articles / (12 s - 2 s)
    assert s["fixed_overhead_seconds"] == 2.0
    assert s["cpu_ms_per_article"]["clean"] == 2.0
    assert s["cores_used_batch_stage"] == 1.8
    assert s["cores_used_run"] == 1.5
