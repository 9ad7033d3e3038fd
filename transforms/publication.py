"""Publication dates that cannot invent history: bounds on stated dates, plausibility of inferred ones.

A stated date (metadata, HTML, dateline, WARC) is refused when it is before `earliest`, after the run's
time plus a small tolerance, or (machine-written ones) a clock's zero value. A date inferred from the
article's own text must in addition be the one full date of its lead that is not a bound, deadline,
life event, anniversary or plan ("born on", "since", "due", "anniversary of"...), must fit the date in
the article's URL and its crawl, and must not lie years before the latest year the text mentions.
The run's time is a parameter; nothing here reads the clock. Rules: `data/rules/publication.yaml`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transforms._data import checked_rules
from transforms.budget import UNLIMITED, Budget
from transforms.dates import DateMention, date_mentions

_URL_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])(?=/|$)")
_URL_PATH = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*", re.IGNORECASE)
# The end of the previous sentence: terminal punctuation not closing an abbreviation ("Dec.", "Ms.", "U.S.").
_SENTENCE_END = re.compile(r"(?<![A-Z][a-z])(?<![A-Z][a-z]{2})(?<![A-Z])(?<!Sept)[.!?][\"'”’)]*\s+")
_CLAUSE_CHARS = 250
_CALENDAR_GRANULARITIES = frozenset({"day", "week", "weekend", "month", "quarter", "year"})


def publication_rule_errors(data: Any) -> list[str]:
    """Problems in the publication rules file (empty when it is valid)."""
    if not isinstance(data, Mapping):
        return ["top level must be a mapping"]
    errors: list[str] = []
    if not isinstance(data.get("earliest"), dt.date):
        errors.append("earliest: must be a date (YYYY-MM-DD)")
    if not isinstance(data.get("future_tolerance_days"), int) or data["future_tolerance_days"] < 0:
        errors.append("future_tolerance_days: must be a non-negative integer")
    placeholders = data.get("placeholder_dates")
    if not isinstance(placeholders, list) or not all(isinstance(d, dt.date) for d in placeholders):
        errors.append("placeholder_dates: must be a list of dates")
    inference = data.get("inference")
    if not isinstance(inference, Mapping):
        return [*errors, "inference: must be a mapping"]
    for key in ("lead_paragraphs", "lead_chars", "years_behind_text", "url_tolerance_days"):
        if not isinstance(inference.get(key), int) or inference[key] < 0:
            errors.append(f"inference.{key}: must be a non-negative integer")
    for key in ("in_sentence", "governing", "revision", "filler", "clause", "after", "span_joiners"):
        words = inference.get(key)
        if not isinstance(words, list) or not words or not all(
            isinstance(w, str) and w == w.lower() and w.strip() == w and w for w in words
        ):
            errors.append(f"inference.{key}: must be a non-empty list of lower-case words (quote on/no/yes)")
    labels = inference.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(w, str) and w[:1].isupper() for w in labels):
        errors.append("inference.labels: must be a non-empty list of capitalized words")
    return errors


def _checked() -> Mapping[str, Any]:
    return checked_rules("publication", publication_rule_errors)


def _phrases(words: Sequence[str]) -> str:
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))


_RULES = _checked()
EARLIEST: dt.date = _RULES["earliest"]
FUTURE_TOLERANCE = dt.timedelta(days=_RULES["future_tolerance_days"])
_PLACEHOLDERS = frozenset(_RULES["placeholder_dates"])
_INFERENCE = _RULES["inference"]
_LEAD_PARAGRAPHS: int = _INFERENCE["lead_paragraphs"]
_LEAD_CHARS: int = _INFERENCE["lead_chars"]
_YEARS_BEHIND_TEXT: int = _INFERENCE["years_behind_text"]
_URL_TOLERANCE = dt.timedelta(days=_INFERENCE["url_tolerance_days"])
_GOVERNING = re.compile(
    rf"\b(?:{_phrases(_INFERENCE['governing'])})\W+(?:(?:{_phrases(_INFERENCE['filler'])})\W+){{0,2}}$", re.IGNORECASE
)
_IN_SENTENCE = re.compile(rf"\b(?:{_phrases(_INFERENCE['in_sentence'])})\W*$", re.IGNORECASE)
_LABEL = re.compile(rf"\b(?:{_phrases(_INFERENCE['labels'])})\W*(?:on\W+)?$")
_REVISION = re.compile(
    rf"\b(?:{_phrases(_INFERENCE['revision'])})\W+(?:(?:{_phrases(_INFERENCE['filler'])})\W+){{0,2}}$", re.IGNORECASE
)
_CLAUSE = re.compile(rf"\b(?:{_phrases(_INFERENCE['clause'])})\b", re.IGNORECASE)
_SPAN_JOINER = re.compile(rf"^[\s,]*(?:{_phrases(_INFERENCE['span_joiners'])})[\s,]*$", re.IGNORECASE)
_AFTER = re.compile(rf"^\W*(?:\w+\W+){{0,2}}?(?:{_phrases(_INFERENCE['after'])})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class InferredDate:
    """The publication date an article's own text gives, or why it gives none."""

    date: dt.date | None
    refused: str | None = None  # none | ambiguous | context | too_old | future | crawl | url | text_years


def stated_date_problem(date: dt.date, ingested_at: dt.datetime | None, *, machine: bool = True) -> str | None:
    """Why a stated publication date cannot be used (`too_old`, `future`, `placeholder`), or None when it can.

    Args:
        date: the date as stated.
        ingested_at: the run's time; None leaves the future unbounded.
        machine: the date was written by software (metadata, HTML, WARC), so clock zero values are suspect.
    """
    if date < EARLIEST:
        return "too_old"
    if ingested_at is not None and date > ingested_at.date() + FUTURE_TOLERANCE:
        return "future"
    if machine and date in _PLACEHOLDERS:
        return "placeholder"
    return None


def url_date_span(url: str | None) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date in a URL's path allows (`/2009/03/18/`, `20090318`, `/2018/01/`), else None.

    Two different dates in one URL say nothing: None.
    """
    if not url:
        return None
    path = _URL_PATH.sub("", url)
    spans: set[tuple[dt.date, dt.date]] = set()
    for m in _URL_DAY.finditer(path):
        try:
            day = dt.date(int(m[1]), int(m[3]), int(m[4]))
        except ValueError:
            continue
        spans.add((day, day))
    if not spans:
        for m in _URL_MONTH.finditer(path):
            year, month = int(m[1]), int(m[2])
            last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            spans.add((dt.date(year, month, 1), last))
    return spans.pop() if len(spans) == 1 else None


def article_date_problem(
    date: dt.date, *, url: str | None, crawled: dt.date | None, ingested_at: dt.datetime | None
) -> str | None:
    """Why a date found elsewhere (the text, the story) cannot be this article's, or None when it can.

    Returns:
        `too_old` or `future` (see `stated_date_problem`), `crawl` (after the article was fetched),
        `url` (outside the date its URL carries, give or take `url_tolerance_days`), or None.
    """
    problem = stated_date_problem(date, ingested_at, machine=False)
    if problem is not None:
        return problem
    if crawled is not None and date > crawled + FUTURE_TOLERANCE:
        return "crawl"
    span = url_date_span(url)
    if span is not None and not span[0] - _URL_TOLERANCE <= date <= span[1] + _URL_TOLERANCE:
        return "url"
    return None


def _clause_before(paragraph: str, start: int) -> str:
    """The part of the sentence before offset `start` (at most a few hundred characters)."""
    window = paragraph[max(0, start - _CLAUSE_CHARS):start]
    ends = list(_SENTENCE_END.finditer(window))
    return window[ends[-1].end():] if ends else window


def _placed_elsewhere(text: str, mention: DateMention, mentions: Sequence[DateMention], *, dateline: bool) -> bool:
    """Whether the words around a date make it another event's: a bound, a life event, an anniversary, a plan,
    one end of a span, or (outside a dateline) a date inside a sentence or a revision date."""
    before = _clause_before(text, mention.start)
    if not dateline and (_REVISION.search(before) or _IN_SENTENCE.search(before) and not _LABEL.search(before)):
        return True
    if _GOVERNING.search(before) or _CLAUSE.search(before) or _AFTER.match(text[mention.end:mention.end + 40]):
        return True
    i = mentions.index(mention)
    neighbours = (mentions[i - 1] if i > 0 else None, mentions[i + 1] if i + 1 < len(mentions) else None)
    return any(
        other is not None and other.granularity == "day" and other.start_date is not None
        and _SPAN_JOINER.match(text[min(other.end, mention.end):max(other.start, mention.start)]) is not None
        for other in neighbours
    )


def dateline_problem(lines: Sequence[str], date: dt.date) -> str | None:
    """`context` when the words of the dateline line place its date elsewhere ("Born March 17, 1884"), else None.

    Args:
        lines: the lines cleaning removed as datelines and bylines, in order; the first stating `date` counts.
        date: the date cleaning read from them.
    """
    for line in lines:
        mentions = date_mentions(line, None)
        for m in mentions:
            if m.start_date == date and m.granularity == "day":
                return "context" if _placed_elsewhere(line, m, mentions, dateline=True) else None
    return None


def _latest_year(mentions: Sequence[Sequence[DateMention]]) -> int | None:
    years = [m.start_date.year for ms in mentions for m in ms
             if m.start_date is not None and m.granularity in _CALENDAR_GRANULARITIES]
    return max(years) if years else None


def inferred_publication(
    paragraphs: Sequence[str],
    *,
    url: str | None = None,
    crawled: dt.date | None = None,
    ingested_at: dt.datetime | None = None,
    budget: Budget = UNLIMITED,
) -> InferredDate:
    """The publication date an article's text states in its lead, when that date is plausible.

    Args:
        paragraphs: the cleaned article's paragraphs in order.
        url: the article's URL; a date in its path bounds the answer (within `url_tolerance_days`).
        crawled: when the article was fetched (a WARC date): it cannot have appeared later.
        ingested_at: the run's time: nothing is published after it (beyond `future_tolerance_days`).
        budget: the article's time budget, passed to `date_mentions`.

    Returns:
        The single distinct fully specified date (day, month, year) of the first paragraphs' first
        `lead_chars` characters that no context word marks as another event's, and that fits the bounds;
        otherwise a None date with the reason it was refused.
    """
    lead: list[list[DateMention]] = []
    candidates: set[dt.date] = set()
    in_context = False
    offset = 0
    for paragraph in paragraphs[:_LEAD_PARAGRAPHS]:
        if offset >= _LEAD_CHARS:
            break
        mentions = date_mentions(paragraph, None, budget)
        lead.append(mentions)
        for m in mentions:
            if offset + m.start >= _LEAD_CHARS:
                break
            if m.granularity != "day" or m.start_date is None or m.is_relative:
                continue
            if _placed_elsewhere(paragraph, m, mentions, dateline=False):
                in_context = True
            else:
                candidates.add(m.start_date)
        offset += len(paragraph) + 2  # paragraphs are joined by a blank line in the article text
    if len(candidates) != 1:
        return InferredDate(None, "ambiguous" if candidates else "context" if in_context else "none")
    date = candidates.pop()
    problem = article_date_problem(date, url=url, crawled=crawled, ingested_at=ingested_at)
    if problem is not None:
        return InferredDate(None, problem)
    rest = [date_mentions(p, None) for p in paragraphs[len(lead):]]
    latest = _latest_year(lead + rest)
    if latest is not None and date.year < latest - _YEARS_BEHIND_TEXT:
        return InferredDate(None, "text_years")
    return InferredDate(date)
