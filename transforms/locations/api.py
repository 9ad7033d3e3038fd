"""The public entry points: `location_mentions` and `location_tables`."""

from __future__ import annotations

from collections.abc import Sequence

from transforms.budget import UNLIMITED, Budget
from transforms.gazetteer import Gazetteer, gazetteer
from transforms.locations.candidates import _candidates, _county_lists, _longest_name, _name_lengths
from transforms.locations.evidence import (
    _cohesion,
    _compass_parts,
    _confidence,
    _is_modifier,
    _leaders,
    _list_hints,
    _locale,
    _plausible,
    _share_hints,
)
from transforms.locations.filters import _LowercaseWords, _person_surnames, _standalone_words
from transforms.locations.lexicon import _lexicon
from transforms.locations.scoring import _Context, _evidence, _ranked
from transforms.locations.values import _CHECK_EVERY, LocationMention


def location_tables() -> tuple[Gazetteer, int]:
    """The gazetteer and the name tables `location_mentions` uses, loaded on first use (about a second,
    once per process): a caller that times each article loads them before the first."""
    _lexicon()
    _name_lengths()
    return gazetteer(), _longest_name()


def location_mentions(paragraphs: Sequence[str], budget: Budget = UNLIMITED) -> list[list[LocationMention]]:
    """Toponyms of one article, per paragraph (article-wide context drives disambiguation).

    Args:
        paragraphs: the article's cleaned paragraphs, in order.
        budget: checked between paragraphs and every few dozen names; raises `OverBudget` once spent.

    Returns:
        One list per paragraph of LocationMention records, in text order; offsets index into
        that paragraph's text.
    """
    gaz = gazetteer()
    lex = _lexicon()
    cands = []
    for pi, text in enumerate(paragraphs):
        budget.check()
        found = _candidates(pi, text, gaz, lex, budget)
        if "counties" in text or "parishes" in text:
            found = _county_lists(pi, text, found, gaz, lex)
        cands.extend(found)
    budget.check()
    _share_hints(cands)
    _list_hints(cands, paragraphs)
    _compass_parts(cands, gaz)
    surnames = _person_surnames(paragraphs, lex, cands)
    lowercase_words = _LowercaseWords(paragraphs)
    standalone = _standalone_words(paragraphs)
    # Only names that pass the precision rules (judged without context) may vote for context.
    no_context = _Context({}, {})
    plausible = []
    verdicts: dict[int, tuple[int, bool]] = {}  # candidate index -> (its best place then, verdict)
    for i, c in enumerate(cands):
        if not i & _CHECK_EVERY:
            budget.check()
        if c.facility:
            continue
        ranked = _ranked(c, no_context, gaz)
        if ranked:
            best = ranked[0][1]
            verdict = _plausible(c, best, paragraphs[c.para], lex, gaz, surnames, lowercase_words, standalone)
            verdicts[i] = (best.geonameid, verdict)
            if verdict:
                plausible.append(c)
    budget.check()
    first = _Context({}, {}, cohesion=_cohesion(plausible, budget), locale=_locale(paragraphs, lex))
    ctx = _evidence(plausible, first, gaz, budget)
    ctx = _evidence(plausible, ctx, gaz, budget)
    out: list[list[LocationMention]] = [[] for _ in paragraphs]
    for i, c in enumerate(cands):
        if not i & _CHECK_EVERY:
            budget.check()
        text = paragraphs[c.para]
        if c.facility:
            out[c.para].append(LocationMention(
                start=c.start, end=c.end, text=c.text, geonameid=None, name=None, feature=None,
                country_code=None, admin1_code=None, latitude=None, longitude=None, confidence=0.3,
                is_modifier=_is_modifier(c, text, lex),
            ))
            continue
        ranked = _ranked(c, ctx, gaz)
        if not ranked:
            continue
        leaders = _leaders(c, ranked, ctx)
        ranked = leaders or ranked
        best = ranked[0][1]
        if not (leaders or c.abbreviation is not None or c.listed_county):
            continue
        # The precision rules see only the candidate and its best place: reuse the screening verdict.
        judged = verdicts.get(i)
        if judged is not None and judged[0] == best.geonameid:
            verdict = judged[1]
        else:
            verdict = _plausible(c, best, text, lex, gaz, surnames, lowercase_words, standalone)
        if not verdict:
            continue
        out[c.para].append(LocationMention(
            start=c.start, end=c.end, text=c.text, geonameid=best.geonameid, name=best.name,
            feature=best.feature, country_code=best.country_code, admin1_code=best.admin1_code,
            latitude=best.latitude, longitude=best.longitude, confidence=_confidence(ranked),
            is_modifier=_is_modifier(c, text, lex),
        ))
    return out
