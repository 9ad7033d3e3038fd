"""The HTML report: written from a real small warehouse, opened in headless Chromium, charts rendered."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest

from flows.pipeline import broadsheet_run
from flows.report import write_report
from warehouse.lake import Lake

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)


def _chromium(url: str, tmp: pathlib.Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'profile'}", "--window-size=1400,3000",
           # Any request that escapes the file would go to a closed port and fail: the page must not need one.
           "--proxy-server=127.0.0.1:9", "--virtual-time-budget=10000", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report(small_corpus_module: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    wh = tmp_path_factory.mktemp("wh")
    broadsheet_run(input_uri=str(small_corpus_module), warehouse_uri=str(wh))
    with Lake(str(wh)).reader() as con:
        return pathlib.Path(write_report(con, str(wh), str(wh / "report.html")))


@pytest.fixture(scope="module")
def small_corpus_module(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Two outlets on one story (with a shared paragraph and casualty figures) and an unrelated article."""
    root = tmp_path_factory.mktemp("in")
    shared = ("Rescue teams searched collapsed buildings in Antakya through the night, and officials in Ankara "
              "said aid convoys had reached Hatay province from Adana.")
    (root / "quake-a.txt").write_text(
        "Earthquake kills at least 40 in southern Turkey\n\nA magnitude 6.1 earthquake struck Hatay province "
        "on Monday, killing at least 40 people and injuring more than 300, the disaster agency said.\n\n"
        + shared + "\n")
    (root / "quake-a.meta.json").write_text('{"published": "2023-03-07", "source": "Levant Courier"}')
    (root / "quake-b.txt").write_text(
        "Hatay earthquake death toll rises to 52\n\nThe death toll from Monday's earthquake in Hatay province "
        "rose to 52, with about 400 people injured, Turkish officials said on Tuesday.\n\n" + shared + "\n")
    (root / "quake-b.meta.json").write_text('{"published": "2023-03-08", "source": "Anatolia Daily"}')
    (root / "port.txt").write_text(
        "Port strike enters second week\n\nDock workers at Antwerp extended their walkout on Monday, leaving "
        "more than 40 ships waiting at anchor off the Belgian coast.\n")
    (root / "port.meta.json").write_text('{"published": "2023-03-06", "source": "Scheldt Post"}')
    return root


def test_report_is_one_self_contained_file(report: pathlib.Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert _EXTERNAL.search(page) is None
    assert page.count("<script") >= 4 and "Plotly.newPlot" in page
    for div in ("chart-map", "chart-timeline", "chart-quality"):
        assert f'id="{div}"' in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_report_renders_charts_in_headless_chromium(report: pathlib.Path, tmp_path: pathlib.Path) -> None:
    dom = _chromium(report.as_uri(), tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    # plotly draws each chart into <svg class="main-svg"> nodes only when its script ran.
    for div in ("chart-map", "chart-timeline", "chart-quality"):
        section = dom.stdout.split(f'id="{div}"', 1)[1][:200_000]
        assert 'class="main-svg"' in section, div
    assert dom.stdout.count('class="main-svg"') >= 8
    assert dom.stdout.count('class="point"') > 0 or dom.stdout.count('class="scatterlayer') >= 3
    shot = tmp_path / "report.png"
    run = _chromium(report.as_uri(), tmp_path, f"--screenshot={shot}")
    assert run.returncode == 0, run.stderr[-2000:]
    # A blank 1400x3000 page compresses to a few kilobytes; drawn charts and map outlines do not.
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 60_000
