"""A deterministic synthetic news corpus for benchmarks: realistic-looking articles of 2-3 KB."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import random

PLACES = [
    "Aleppo", "Deir ez-Zor", "Kharkiv", "eastern Ukraine", "Mosul", "Rotterdam", "Lagos", "Nairobi", "Manila",
    "Jakarta", "Lima", "Quito", "Glasgow", "Leeds", "Houston", "Phoenix", "Ohio", "Bavaria", "Sicily", "Gaza",
    "the Black Sea", "the Euphrates River", "Idlib province", "Syria", "Iraq", "Turkey", "Kenya", "Peru", "Chile",
    "the United States", "the U.S.", "Britain", "France", "Germany", "India", "Pakistan", "Japan", "Brazil",
]
ACTORS = [
    "officials", "rescue workers", "residents", "police", "the ministry", "a spokesman", "aid agencies",
    "engineers", "opposition leaders", "local traders", "health workers", "the coast guard", "analysts",
]
NOUNS = [
    "people", "homes", "soldiers", "families", "vehicles", "shops", "patients", "workers", "ships",
    "tonnes of grain",
]
QUALIFIERS = ["more than", "at least", "about", "nearly", "as many as", "up to", "fewer than", "some", ""]
WHEN = [
    "on Tuesday", "last week", "on March 3", "yesterday", "earlier this month", "in 2016", "on Friday night",
    "three days ago", "this year", "in the 1990s", "since January", "next month", "at 3 p.m.", "in the spring",
]
VERBS = ["said", "reported", "confirmed", "warned", "estimated", "told reporters", "announced"]

TEMPLATES = [
    "{actor_cap} in {place} {verb} {when} that {qual} {n} {noun} had been affected, and that the figure could rise.",
    "The damage across {place} was put at ${money} million {when}, {actor} {verb}, "
    "though earlier estimates were lower.",
    "{when_cap}, {qual} {n} {noun} were moved away from {place} as conditions worsened, according to {actor}.",
    "Between {n} and {n2} {noun} remained without power in {place}, {actor} {verb}, "
    "adding that repairs would take weeks.",
    "\"We have never seen anything like this,\" one resident of {place} said {when}, "
    "describing queues that ran for {km} km.",
    "Prices in {place} rose {pct} percent {when}, the steepest increase since the 1990s, {actor} {verb}.",
    "A convoy of {n} trucks left {place} {when} for {place2}, carrying food and medicine for {qual} {n2} {noun}.",
    "{actor_cap} {verb} that talks in {place2} would resume {when}, but gave no details of who would attend.",
]

TITLES = [
    "{n} {noun} affected as crisis deepens in {place}",
    "Talks resume in {place} amid pressure over aid",
    "{place} counts the cost after a week of disruption",
    "Officials in {place} warn of further delays",
]


def _fill(rng: random.Random, template: str) -> str:
    n = rng.choice([rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 20000)])
    values = {
        "actor": rng.choice(ACTORS), "place": rng.choice(PLACES), "place2": rng.choice(PLACES),
        "verb": rng.choice(VERBS), "when": rng.choice(WHEN), "qual": rng.choice(QUALIFIERS),
        "n": f"{n:,}", "n2": f"{n + rng.randint(10, 500):,}", "noun": rng.choice(NOUNS),
        "money": rng.randint(2, 900), "km": rng.randint(1, 40), "pct": rng.randint(2, 40),
    }
    values["actor_cap"] = values["actor"][0].upper() + values["actor"][1:]
    values["when_cap"] = values["when"][0].upper() + values["when"][1:]
    return " ".join(template.format(**values).split())


def synthetic_article(rng: random.Random) -> str:
    """One article: a title line, then 5-8 paragraphs of 2-3 sentences (about 2-3 KB)."""
    title = _fill(rng, rng.choice(TITLES))
    paragraphs = []
    while sum(len(p) for p in paragraphs) < rng.randint(2000, 2900):
        paragraphs.append(" ".join(_fill(rng, rng.choice(TEMPLATES)) for _ in range(rng.randint(2, 3))))
    return title[0].upper() + title[1:] + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_corpus(root: pathlib.Path, n_articles: int, seed: int = 7) -> pathlib.Path:
    """Write `n_articles` .txt files (with sidecars for most) under `root` in 100 folders; returns root."""
    rng = random.Random(seed)
    base = dt.date(2018, 1, 1)
    for i in range(n_articles):
        folder = root / f"{i % 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"article-{i:06d}.txt"
        path.write_text(synthetic_article(rng), encoding="utf-8")
        if i % 10:
            meta = {"published": (base + dt.timedelta(days=rng.randint(0, 900))).isoformat(),
                    "source": f"Outlet {i % 37}", "url": f"https://news{i % 37}.example/{i}"}
            (folder / f"article-{i:06d}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return root
