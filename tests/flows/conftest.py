import json
import pathlib

import pytest

import flows.pipeline

ARTICLE_A = """Flood defences hold as river peaks in York

By Marta Quill

The River Ouse peaked at 4.9 metres on Sunday evening, about 30 cm below the level that flooded
hundreds of homes in 2015, the Environment Agency said.

Council workers stacked sandbags along the King's Staith overnight, and a temporary barrier
closed the riverside path for three days.

"We were ready this time," said the council's flood officer, who asked residents to keep
checking warnings until Wednesday.
"""

ARTICLE_B = """Port strike enters second week

Dock workers at Antwerp extended their walkout on Monday, leaving more than 40 ships waiting at anchor.

The union said talks with employers would resume in Brussels next Tuesday.
"""


@pytest.fixture
def small_corpus(tmp_path: pathlib.Path) -> pathlib.Path:
    """A tiny input tree written by the tests: txt with and without sidecar, jsonl with a bad line, a copy."""
    root = tmp_path / "in"
    (root / "nested dir").mkdir(parents=True)
    (root / "york.txt").write_text(ARTICLE_A)
    (root / "york.meta.json").write_text(json.dumps({"published": "2020-02-17", "source": "Ouse Valley Post"}))
    (root / "nested dir" / "antwerp.txt").write_text(ARTICLE_B)
    (root / "syndicated.txt").write_text(ARTICLE_B)  # same text, another source: a duplicate
    lines = [
        json.dumps({"id": "w1", "title": "Wind farm approved", "text": "Ministers approved a 1.2 GW wind farm "
                    "off the Norfolk coast on Thursday.\n\nConstruction starts next year.", "published": "2021-06-03"}),
        "{broken",
    ]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n")
    (root / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    return root


@pytest.fixture
def batches_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs start no worker processes: batches run in the test process, so patches of `flows.batch` apply."""
    monkeypatch.setattr(flows.pipeline, "worker_count", lambda requested=None: 0)
