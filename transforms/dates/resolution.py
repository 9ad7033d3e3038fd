"""The anchor and tense of a mention's clause, and relative weekdays, months and years resolved against them."""

from __future__ import annotations

import bisect
import datetime

from transforms.dates.calendar_math import _safe_date
from transforms.dates.lexicon import _MONTHS, _ORDINALS
from transforms.dates.patterns import (
    _EARLIER_YEAR,
    _FORWARD_WEIGHT,
    _NOT_OPENER,
    _OPEN_END,
    _QUARTER_WORD,
    _SENTENCE_END,
    _SENTENCE_MARK,
    _SENTENCE_WINDOW,
    _TENSE_SLACK_DAYS,
    _TENSE_WINDOW,
    _named_quarter,
    _names_months_span,
    _tense_cues,
    _word_search,
)


class _Paragraph:
    """Facts about one paragraph that matches consult, each found once, on first use.

    A paragraph may hold thousands of matches; a fact that costs a scan of the text (where the
    sentence of an offset begins, the last year named before it, whether a quarter is named) is
    read off an index built in one pass instead of scanning again for each match.
    """

    __slots__ = ("_first_kept", "_lower", "_quarter", "_quarter_facts", "_sentence_ends", "_years", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None
        self._sentence_ends: tuple[list[int], list[int]] | None = None
        self._years: tuple[list[int], list[str]] | None = None
        self._first_kept: dict[int, int] = {}
        self._quarter: bool | None = None
        self._quarter_facts: tuple[bool, bool, str | None] | None = None

    def lower(self) -> str:
        """The paragraph, lower-cased."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def says_quarter(self) -> bool:
        """Whether "quarter" occurs anywhere in the paragraph, in any case."""
        if self._quarter is None:
            self._quarter = "quarter" in self.lower()
        return self._quarter

    def sentence_start(self, pos: int) -> int:
        """Where the sentence holding offset `pos` begins: the end of the last sentence end before it.

        Equal to scanning `_SENTENCE_END` over `text[:pos]`: a sentence end found in the whole text
        that runs past `pos` ends at `pos` when its white space begins before `pos`, else it does not
        count there (and nothing else matches inside it).
        """
        if self._sentence_ends is None:
            found = [m.span() for m in _SENTENCE_END.finditer(self.text)]
            self._sentence_ends = [a for a, _ in found], [b for _, b in found]
        starts, ends = self._sentence_ends
        i = bisect.bisect_left(starts, pos) - 1  # the last sentence end starting before pos
        if i < 0:
            return 0
        if ends[i] <= pos:
            return ends[i]
        if _SENTENCE_MARK.match(self.text, starts[i]).end() < pos:  # type: ignore[union-attr]
            return pos
        return ends[i - 1] if i else 0

    def opens_sentence(self, pos: int) -> bool:
        """Whether only quotes, brackets and spaces stand between the sentence's start and `pos`."""
        left = self.sentence_start(pos)
        first = self._first_kept.get(left)
        if first is None:
            m = _NOT_OPENER.search(self.text, left)
            first = self._first_kept[left] = m.start() if m else len(self.text)
        return first >= pos

    def year_before(self, pos: int) -> str | None:
        """The last year `_EARLIER_YEAR` finds in `text[:pos]`, or None."""
        # A year ending within two characters of pos is judged on the cut text (its lookahead sees
        # the cut); any earlier one the same in the whole text, where the index finds it.
        near = _EARLIER_YEAR.findall(self.text, max(0, pos - 6), pos)
        if near:
            return str(near[-1])
        if self._years is None:
            found = list(_EARLIER_YEAR.finditer(self.text))
            self._years = [m.start() for m in found], [m.group(1) for m in found]
        starts, years = self._years
        i = bisect.bisect_left(starts, pos - 6) - 1
        return years[i] if i >= 0 else None

    def quarter_facts(self) -> tuple[bool, bool, str | None]:
        """Of the whole lower-cased paragraph: (names a quarter, speaks of a span of months, the first
        ordinal quarter it names)."""
        if self._quarter_facts is None:
            lower = self.lower()
            self._quarter_facts = (
                _word_search(_QUARTER_WORD, lower) is not None, _names_months_span(lower), _named_quarter(lower),
            )
        return self._quarter_facts


class _Context:
    """What a rule may consult: the paragraph, the anchor and the tense around a match."""

    __slots__ = ("anchor", "end", "lead", "paragraph", "start", "tense", "text")

    def __init__(self, paragraph: _Paragraph, anchor: datetime.date | None, start: int, end: int) -> None:
        self.paragraph = paragraph
        self.text = paragraph.text
        self.anchor = anchor
        self.start = start
        self.end = end
        self.lead: str | None = None
        self.tense: tuple[bool, bool, bool] | None = None

    def sentence(self) -> str:
        """The sentence holding the match, with the match itself left out (at most `_SENTENCE_WINDOW`
        characters on each side of it: news sentences are far shorter, a text without full stops is not)."""
        left = max(self.paragraph.sentence_start(self.start), self.start - _SENTENCE_WINDOW)
        m = _SENTENCE_END.search(self.text, self.end, self.end + _SENTENCE_WINDOW)
        right = m.start() if m else min(len(self.text), self.end + _SENTENCE_WINDOW)
        return self.text[left : self.start] + " " + self.text[self.end : right]

    def _lead(self) -> str:
        """The few words of the same sentence right before the match: the clause that governs it."""
        if self.lead is None:
            left = max(0, self.start - _TENSE_WINDOW)
            lead = self.text[left : self.start]
            if "." in lead or "\n" in lead or ";" in lead or "?" in lead or "!" in lead:
                for m in _SENTENCE_END.finditer(self.text, left, self.start):
                    left = m.end()
                lead = self.text[left : self.start]
            self.lead = lead
        return self.lead

    def is_future(self) -> bool:
        """True when the clause leading to the match speaks about the future ("will meet on").

        A cue in the pluperfect ("had been scheduled to", "had been due to") looked forward from a past
        moment: the plan's date is usually already behind the anchor, so it does not count.
        """
        return self._tense()[0]

    def is_past(self) -> bool:
        """True when the clause leading to the match has a past-tense cue and no future cue."""
        _, any_future, past = self._tense()
        return past and not any_future

    def _tense(self) -> tuple[bool, bool, bool]:
        """(unframed future cue, any future cue, past cue) in the lead, computed once per match."""
        if self.tense is None:
            self.tense = _tense_cues(self._lead())
        return self.tense

    def before(self, chars: int = 40) -> str:
        """Lower-cased text just before the match."""
        return self.text[max(0, self.start - chars) : self.start].lower()

    def after(self, chars: int = 40) -> str:
        """Lower-cased text just after the match."""
        return self.text[self.end : self.end + chars].lower()


def _resolve_weekday(weekday: int, ctx: _Context, rel: str) -> tuple[str, datetime.date | None]:
    """Value and date of a weekday name, following the news rule in EXTRACTION.md."""
    anchor = ctx.anchor
    if anchor is None:
        return f"XXXX-WXX-{weekday}", None
    today = anchor.isoweekday()
    if rel in {"last", "past", "previous"}:
        day = anchor - datetime.timedelta(days=((today - weekday) % 7) or 7)
    elif rel in {"next", "coming"}:
        day = anchor + datetime.timedelta(days=((weekday - today) % 7) or 7)
    elif rel == "this" or ctx.is_future():
        day = anchor + datetime.timedelta(days=(weekday - today) % 7)
    else:
        day = anchor - datetime.timedelta(days=(today - weekday) % 7)
    return day.isoformat(), day


def _nearest_year(candidates: dict[int, datetime.date], ctx: _Context) -> int:
    """Year whose candidate date lies nearest the anchor, biased by the clause's tense."""
    assert ctx.anchor is not None
    near = candidates.get(ctx.anchor.year)
    if near is not None and abs(near.toordinal() - ctx.anchor.toordinal()) <= _TENSE_SLACK_DAYS:
        # within the slack of the anchor no penalty applies and every other year is 350+ days away:
        # the anchor's own year wins whatever the tense, so the clause is not read
        return ctx.anchor.year
    future, past = ctx.is_future(), ctx.is_past()
    if past and _OPEN_END.search(ctx.before(12)):
        past = False  # "the offer was extended to Nov. 16": a past clause naming a later deadline
    anchor, anchor_year = ctx.anchor.toordinal(), ctx.anchor.year
    best_year, best_cost = 0, 0
    for year, when in candidates.items():
        gap = when.toordinal() - anchor
        penalty = 366 if (future and gap < -_TENSE_SLACK_DAYS) or (past and gap > _TENSE_SLACK_DAYS) else 0
        if gap > 0 and not future:
            gap = int(gap * _FORWARD_WEIGHT)
        cost = 2 * (abs(gap) + penalty) + (year != anchor_year)  # distance first, then the anchor's own year
        if not best_year or cost < best_cost:
            best_year, best_cost = year, cost
    return best_year


def _resolve_month_day(month: int, day: int, ctx: _Context) -> tuple[str, bool] | None:
    """Value of a month-day without a year: the occurrence nearest the anchor, biased by tense."""
    if ctx.anchor is None:
        return (f"XXXX-{month:02d}-{day:02d}", True) if _safe_date(2000, month, day) else None
    candidates = {}
    for year in (ctx.anchor.year - 1, ctx.anchor.year, ctx.anchor.year + 1):
        when = _safe_date(year, month, day)
        if when is not None:
            candidates[year] = when
    if not candidates:
        return None
    year = _nearest_year(candidates, ctx)
    return f"{year:04d}-{month:02d}-{day:02d}", True


def _resolve_month(month: int, ctx: _Context, rel: str) -> str:
    """Value of a month name without a year."""
    anchor = ctx.anchor
    if anchor is None:
        return f"XXXX-{month:02d}"
    year = anchor.year
    if rel in {"last", "past", "previous"}:
        year = year if month < anchor.month else year - 1
    elif rel in {"next", "coming"}:
        year = year if month > anchor.month else year + 1
    elif rel != "this" and month != anchor.month:
        # compare mid-months so that the anchor's own month never moves
        candidates = {y: datetime.date(y, month, 15) for y in (year - 1, year, year + 1)
                      if datetime.MINYEAR <= y <= datetime.MAXYEAR}  # an anchor in year 1 or 9999
        year = _nearest_year(candidates, ctx)
    return f"{year:04d}-{month:02d}"


def _month_number(name: str) -> int:
    """Month number of a month name or abbreviation."""
    return _MONTHS[name.lower().rstrip(".")]


def _day_number(token: str) -> int:
    """Day of month from `7`, `07`, `7th` or an ordinal word."""
    token = token.lower()
    if token in _ORDINALS:
        return _ORDINALS[token]
    return int(token.rstrip("stndrh"))  # "7th", "22nd": digits and a lower-case suffix (see _DAYNUM)
