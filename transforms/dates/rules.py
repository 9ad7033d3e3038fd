"""The rule table: each pattern compiled at import, with its handler."""

from __future__ import annotations

import re

from transforms.dates.handlers import (
    _abs_day,
    _ago,
    _bare_month,
    _bare_plural,
    _century,
    _clock,
    _decade,
    _deictic_day,
    _half,
    _Handler,
    _holiday,
    _latest_quarter,
    _month_day,
    _month_rel_year,
    _month_year,
    _numeric_day,
    _quarter,
    _reference,
    _relative_period,
    _season,
    _set,
    _short_quarter,
    _span_duration,
    _spelled_year_groups,
    _that_year,
    _the_season,
    _the_year,
    _the_years,
    _week_of,
    _weekday,
    _weekend,
    _year,
    _year_ago,
    _year_end,
)
from transforms.dates.lexicon import _REFERENCES, _SEASONS, _SETS
from transforms.dates.patterns import (
    _B,
    _DAYNUM,
    _E,
    _HEDGE,
    _HOLIDAY_NAMES,
    _MON,
    _NUM,
    _NUMWORD,
    _ONES,
    _ORD,
    _PART,
    _SEASON,
    _TENS,
    _THE_SPAN,
    _UNIT,
    _WD,
    _YEAR,
    _alt,
)

_GROUP_HEADER = re.compile(r"\((?:\?(?:P<\w+>|[:=!]|<[=!]))?")


def _fold_case(pattern: str) -> str:
    """The same regex with its `(?i:...)` groups spelled case by case (`(?i:of)` -> `(?:[oO][fF])`).

    The regex engine skips an alternation branch on its first character only when that is a plain
    literal or a class; a case-insensitive literal is always entered. Rules try many branches at each
    start, so spelling out the cases makes a failing try several times cheaper.
    """
    out: list[str] = []
    stack: list[bool] = []  # for each open group: whether folding was on outside it
    folding = in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif folding and char.isascii() and char.isalpha():
                if "-" in (pattern[i - 1], pattern[i + 1]):
                    raise ValueError(f"letter range in a case-insensitive class: {pattern!r}")
                char += char.swapcase()
            out.append(char)
        elif pattern.startswith("(?i:", i):
            stack.append(folding)
            folding = True
            out.append("(?:")
            i += 4
            continue
        elif char == "(":
            header = _GROUP_HEADER.match(pattern, i)
            assert header is not None
            stack.append(folding)
            out.append(header.group(0))
            i = header.end()
            continue
        elif char == ")":
            folding = stack.pop()
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern.startswith("[^", i) or pattern.startswith("[]", i):
                out.append(pattern[i + 1])
                i += 1
        elif folding and char.isascii() and char.isalpha():
            out.append(f"[{char.lower()}{char.upper()}]")
        else:
            out.append(char)
        i += 1
    return "".join(out)


# compiled rule pattern -> the source it was written as (its words are read off that)
_SOURCES: dict[re.Pattern[str], str] = {}


def _rule(pattern: str, handler: _Handler, flags: int = 0) -> tuple[re.Pattern[str], _Handler]:
    """One rule: a pattern compiled at import (case-insensitive groups folded) and its normalizer."""
    compiled = re.compile(_fold_case(pattern), flags)
    _SOURCES[compiled] = pattern
    return compiled, handler


_REL_WORDS = r"(?i:last|this|next|past|previous|preceding|prior|coming|following|upcoming|current|present)"
_RULES: list[tuple[re.Pattern[str], _Handler]] = [
    _rule(
        rf"{_B}(?:{_WD},?\s+)?(?P<mon>{_MON})\s*(?P<d>{_DAYNUM}),?\s+(?P<y>{_YEAR})(?![\d-])",
        _abs_day,
    ),
    _rule(
        rf"{_B}(?:{_WD},?\s+)?(?P<d>{_DAYNUM})\s+(?i:of\s+)?(?P<mon>{_MON}),?\s+(?P<y>{_YEAR})(?![\d-])",
        _abs_day,
    ),
    _rule(
        r"(?<![\w/.-])(?:(?P<iy>(?:1[5-9]|20)\d{2})-(?P<im>0[1-9]|1[0-2])-(?P<id>[0-2]\d|3[01])"
        r"|(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2}))(?![\w/-]|[.,]\d)",
        _numeric_day,
    ),
    _rule(
        rf"{_B}(?:(?P<rel>(?i:last|next|this))\s+)?(?:{_WD},?\s+)?(?P<mon>{_MON})\s*(?P<d>{_DAYNUM}|(?i:{_ORD})){_E}(?![:.,]\d)",
        _month_day,
    ),
    _rule(
        rf"{_B}(?:{_WD},?\s+)?(?:(?i:the)\s+)?(?P<d>{_DAYNUM}|(?i:{_ORD}))\s+(?i:of\s+)?(?P<mon>{_MON})",
        _month_day,
    ),
    _rule(
        rf"{_B}(?:(?i:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|middle\s+of|start\s+of))[\s-]+)?"
        rf"(?P<mon>{_MON}),?\s+(?i:of\s+)?(?P<y>{_YEAR})(?![\d-])",
        _month_year,
    ),
    _rule(
        rf"{_B}(?:(?i:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|middle\s+of|start\s+of))[\s-]+)?"
        rf"(?P<mon>{_MON})\s+(?:(?i:of\s+))?(?P<rel>(?i:this|last|next|the\s+same|the\s+previous|the\s+following))\s+(?i:year){_E}",
        _month_rel_year,
    ),
    _rule(
        rf"{_B}(?:(?P<mod>(?i:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|middle\s+of|start\s+of)))[\s-]+)?"
        rf"(?:(?P<rel>(?i:last|next|this|past))\s+)?(?P<mon>{_MON})(?!\w)",
        _bare_month,
    ),
    _rule(
        rf"{_B}(?:(?P<rel>(?i:(?:early|late|earlier|later)\s+(?:last|next|this)|last|next|this|"
        rf"coming|previous|past|early|late|earlier|later|(?:the\s+)?day\s+before|the\s+previous|the\s+preceding|"
        rf"the\s+following))\s+)?(?:(?P<part2>{_PART})\s+)?(?P<wd>{_WD})(?:'s)?"
        rf"(?:\s+(?P<part>{_PART})(?![\w-]))?",
        _weekday,
    ),
    _rule(
        rf"{_B}(?:(?i:early|late|later|earlier)\s+)?(?P<word>(?i:the\s+day\s+before\s+yesterday|"
        rf"the\s+day\s+after\s+tomorrow|today|yesterday|tomorrow|tonight|last\s+night|"
        rf"this\s+morning|this\s+afternoon|this\s+evening))(?:\s+(?P<part>{_PART}))?{_E}",
        _deictic_day,
    ),
    _rule(
        rf"{_B}(?:(?i:around|about|approximately|at\s+about|shortly\s+(?:before|after))\s+)?"
        rf"(?:(?<!\d[:.])(?P<h>\d{{1,2}})(?:[:.](?P<mi>\d{{2}}))?\s*(?P<ap>[ap]\.m\.?|[AP]\.M\.?|[ap]m\b|[AP]M\b)"
        rf"|(?P<noon>(?i:noon|midnight|midday))\b)"
        rf"(?:\s+(?:[ECMP][SD]T|GMT|UTC|local\s+time)\b)?"
        rf"(?:,?\s+(?:(?i:on)\s+)?(?:(?P<wd>{_WD})|(?P<dword>(?i:today|yesterday|tomorrow))\b|"
        rf"(?P<mon>{_MON})\s*(?P<d>{_DAYNUM})(?:,?\s+(?P<y>{_YEAR}))?(?![\d:])))?",
        _clock,
    ),
    _rule(
        rf"(?<![\w$€£#.,/:-])(?:(?P<pre>(?i:fiscal|(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|"
        rf"middle\s+of|start\s+of))[\s-]+))?(?P<y>{_YEAR})(?![\w%]|[.,:/]\d|-\d)",
        _year,
    ),
    _rule(
        rf"{_B}(?:(?i:the)\s+)?(?:(?i:early|late|mid)[\s-]+)?(?:(?P<dec>1\d{{2}}|20\d)0'?s|'(?P<d2>\d)0s){_E}",
        _decade,
    ),
    _rule(
        rf"{_B}(?i:the\s+)?(?:(?P<n>\d{{1,2}})(?:st|nd|rd|th)\s+(?i:century)|(?i:this|the\s+current)\s+(?i:century)){_E}",
        _century,
    ),
    _rule(
        rf"{_B}(?i:(?:the\s+)?(?:year-earlier|year-ago|year\s+earlier|prior-year|previous-year)"
        rf"(?:\s+(?:period|quarter|level|levels|results|figure|figures))?|(?:about\s+|nearly\s+|almost\s+)?"
        rf"(?:a|one)\s+year\s+(?:ago|earlier|before)|last\s+year's){_E}",
        _year_ago,
    ),
    _rule(
        rf"{_B}(?:{_HEDGE}\s+)?(?P<n>{_NUM}|(?i:a\s+few|several|many|some))\s+(?:(?i:more)\s+)?"
        rf"(?P<unit>{_UNIT})s?\s+(?i:or\s+so\s+)?(?i:ago){_E}",
        _ago,
    ),
    _rule(
        rf"{_B}(?P<rel>(?i:(?:(?:earlier|later|early|late)\s+)?(?:last|this|next)|(?:the\s+)?past|"
        rf"the\s+previous|the\s+preceding|the\s+coming|the\s+following|the\s+current|the\s+present|"
        rf"(?:earlier|later)\s+this|(?:earlier|later)\s+in\s+the|the\s+upcoming|the\s+prior))\s+"
        rf"(?P<unit>(?i:week|weekend|month|year|quarter|decade|century|{_alt(list(_SEASONS))})){_E}(?!-)",
        _relative_period,
    ),
    _rule(
        rf"{_B}(?:(?P<q>{_HEDGE}|{_THE_SPAN})\s+)?(?P<n>{_NUM})(?:\s+(?i:more|additional|straight|"
        rf"consecutive|full|long|trading|business|working|calendar))?(?:\s+|-)(?P<unit>{_UNIT})s?"
        rf"(?P<half>\s+(?i:and\s+a\s+half))?(?P<tail>-old|-long|\s+old|\s+or\s+so)?{_E}",
        _span_duration,
    ),
    _rule(
        rf"(?:(?<=\b(?i:for)\s)|(?<=\b(?i:in)\s)|(?<=\b(?i:within)\s)|(?<=\b(?i:over)\s)|(?<=\b(?i:took)\s)|"
        rf"(?<=\b(?i:after)\s)|{_B}(?=\w+s-long))(?P<unit>(?i:years|months|weeks|days|decades|hours|minutes|"
        rf"centuries))(?:-long)?{_E}",
        _bare_plural,
    ),
    _rule(
        rf"{_B}(?:(?i:the|its|their|a)\s+)?(?:(?P<y1>{_YEAR})\s+|(?i:fiscal)\s+|(?P<rel>(?i:this|last|next|"
        rf"current|latest|previous|same|year-ago|year-earlier|(?:this|last|next)\s+year's))\s+)?(?:(?i:fiscal)[\s-]+)?(?P<ord>(?i:first|second|"
        rf"third|fourth|1st|2nd|3rd|4th))[\s-]+(?i:fiscal[\s-]+)?(?i:quarter|qtr\.?)(?:\s+(?i:of\s+)?(?:(?i:fiscal)\s+)?"
        rf"(?P<y2>{_YEAR})|,?\s+(?P<y3>{_YEAR}))?(?!\w)(?![\s-]+(?i:of\s+(?:the|a|an|this|its|their)))",
        _quarter,
    ),
    _rule(
        rf"{_B}(?P<q>Q[1-4])(?:\s+(?P<y3>{_YEAR}))?(?P<ord>)(?P<y1>)(?P<y2>)(?P<rel>){_E}",
        _short_quarter,
    ),
    _rule(
        rf"{_B}(?i:the\s+(?:latest|most\s+recent|just-ended|just\s+ended|recent)?\s*quarter|"
        rf"the\s+(?:latest|most\s+recent|just-ended)\s+period){_E}(?!-)(?![\s-]+(?i:of\s+(?:a|the|an)\b|century|mile|point))",
        _latest_quarter,
    ),
    _rule(
        rf"{_B}(?i:the\s+)?(?P<ord>(?i:first|second))\s+(?i:half)(?:\s+(?i:of)\s+(?P<y>{_YEAR}))?{_E}"
        rf"(?![\s-]+(?i:of\s+(?:the|a|an|this|its|their)|century))",
        _half,
    ),
    _rule(
        rf"{_B}(?:(?i:the)\s+)?(?:(?i:early|late|mid)[\s-]+)?(?P<season>{_SEASON})(?:\s+(?i:of\s+)?(?P<y>{_YEAR}))(?![\d-])",
        _season,
    ),
    _rule(
        rf"{_B}(?i:(?:the\s+)?year\s+)?(?:(?P<thousand>(?i:two\s+thousand))(?:\s+(?i:and\s+)?(?P<rest>(?i:{_NUMWORD})))?"
        rf"|(?P<cent>(?i:nineteen|eighteen|seventeen|twenty))[\s-]+(?:(?i:hundred\s+and)\s+)?"
        rf"(?P<rest2>(?i:(?:{_TENS})(?:[\s-](?:{_ONES}))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
        rf"seventeen|eighteen|nineteen|oh[\s-](?:{_ONES})))){_E}",
        _spelled_year_groups,
    ),
    _rule(rf"{_B}(?i:the\s+(?:years|decades|months|weeks))(?![\w'-])", _the_years),
    _rule(
        rf"{_B}(?i:the\s+week\s+of)\s+(?P<mon>{_MON})\s*(?P<d>{_DAYNUM})(?:,?\s+(?P<y>{_YEAR}))?{_E}(?![:.,]\d)",
        _week_of,
    ),
    _rule(rf"{_B}(?i:the\s+weekend){_E}", _weekend),
    _rule(
        rf"{_B}(?:(?P<rel>(?i:last|next|this))\s+)?(?P<name>{_HOLIDAY_NAMES})"
        rf"(?:,?\s+(?i:of\s+)?(?P<y>{_YEAR})(?![\w%]|[.,]\d))?{_E}",
        _holiday,
    ),
    _rule(
        rf"{_B}(?i:the\s+(?:(?:full|fiscal|entire|whole|calendar)\s+)?year){_E}(?!-|'s?\s+end)"
        rf"(?!\s+(?i:ago|earlier|before|after|later|two\s+thousand|nineteen)\b|\s+\d)",
        _the_year,
    ),
    _rule(
        rf"{_B}(?:(?i:earlier|later)\s+(?:(?i:in|that)\s+)?)?(?i:that|the\s+same)\s+(?i:year){_E}(?!-)",
        _that_year,
    ),
    _rule(
        rf"{_B}(?i:the)\s+(?:(?i:early|late|mid)[\s-]+)?(?P<season>{_SEASON}){_E}(?![\s-]+(?i:of)\b|-)",
        _the_season,
    ),
    _rule(rf"{_B}(?i:(?:the\s+)?(?:year-end|year\s+end|year's\s+end|end\s+of\s+the\s+year)){_E}", _year_end),
    _rule(rf"{_B}(?P<ref>(?i:{_alt(list(_REFERENCES))})){_E}", _reference),
    _rule(
        rf"{_B}(?:(?P<setword>(?i:{_alt(list(_SETS))}))|(?i:every|each)\s+(?:(?P<wd>{_WD})|(?P<mon>{_MON})|"
        rf"(?P<unit>(?i:day|week|month|year|quarter|hour|night|morning|evening|summer|winter|spring|fall))))"
        rf"{_E}",
        _set,
    ),
]
