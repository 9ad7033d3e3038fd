"""Cleaning: from a raw article body to its title, paragraphs, byline, dateline and the lines dropped on the way.

A body is cut into units: a line, or a hard-wrapped paragraph re-joined from its lines. Each unit is
classified by the boilerplate lexicon (`data/rules/boilerplate.yaml`) and then by structural signals:
its position before the first story paragraph (title repeats, bylines, datelines) or after the last one
(runs of headline-like related links), the lists that follow a "Related" header, and short lines of
interface words or of another language than the article's. Everything not dropped is a paragraph;
everything dropped is a `RemovedLine` with a reason code (see docs/cleaning.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ahocorasick

from transforms._data import rules
from transforms.budget import UNLIMITED, Budget

_LINE_BREAK = re.compile(r"\r\n?|\n|[\u2028\u2029\x85]")
_LETTER_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_TERMINAL = re.compile(r"""[.!?…:;。！？．]["'”’»)\]」』）]*$|["”»」』]$""")
# Han and kana are written without spaces: two characters count as about one word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Embedded social posts are quoted story content even though they look like link lines.
_SOCIAL_EMBED = re.compile(r"\(@\w+\)|pic\.twitter\.com/|\binstagram\.com/p/", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-–—•*·▪►>]|\d{1,2}[.)])\s+")
_QUOTE = re.compile(r"""["“”«»„]""")
_SEPARATOR = re.compile(r"\s+[|–—:·•\-]\s+|\s*[|·•]\s*")
_NAME_TOKEN = re.compile(
    r"^(?:[A-Z][a-zà-ÿ’'\-]+(?:-[A-Z][a-zà-ÿ]+)?|[A-Z]\.(?:[A-Z]\.)*|Mc[A-Z][a-z]+|O'[A-Z][a-z]+)$"
)
_NAME_PARTICLES = frozenset({
    "de", "da", "do", "dos", "das", "van", "von", "der", "den", "al", "el", "bin", "ibn", "la", "le", "del", "di",
    "du", "st.", "and", "&",
})
_BYLINE = re.compile(r"^(?:written |reported )?(?:by|por|par|von|di)\s+(?P<rest>\S.*)$", re.IGNORECASE)
_AUTHOR_STOP = re.compile(
    r"\s+[|·•–—-]\s+|,\s+|\s+(?:for|in|at|on)\s+(?=[A-Z])|\s+(?:updated|published|posted)\b|\s+\d", re.IGNORECASE
)
_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")

# A story paragraph: long enough and ending like a sentence. The first one closes the top region.
_STORY_MIN_WORDS = 12
_TOP_MAX_UNITS = 6
_HEADLINE_MAX_WORDS = 20
_SHORT_LINE_WORDS = 12


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line of the raw body that is not part of the article, with why."""

    line_no: int  # 1-based, in the raw body
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """What cleaning keeps and finds."""

    title: str | None
    paragraphs: tuple[str, ...]
    author: str | None
    dateline: dt.date | None
    removed: tuple[RemovedLine, ...]


@dataclass(frozen=True, slots=True)
class _Rule:
    """One compiled lexicon rule."""

    reason: str
    pattern: re.Pattern[str]
    max_words: int
    header: bool
    anchored: bool  # prefix and whole-line rules: matched at the start only
    keywords: bool  # search rules with keywords: one must occur in the lower-cased line first
    index: int = 0


@dataclass(slots=True)
class _Unit:
    """A line, or a re-joined hard-wrapped paragraph, while it is being classified."""

    text: str
    lines: list[tuple[int, str]]  # (1-based raw line number, the line's own text)
    n_words: int
    reason: str | None = None
    header: bool = False


# ---------------------------------------------------------------- rule data


_KINDS = frozenset({"prefix", "line", "search"})


def boilerplate_rule_errors(data: Any) -> list[str]:
    """Problems in the boilerplate lexicon's structure (empty when it is valid)."""
    errors: list[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        return ["top level must be a mapping with a `rules` list"]
    for i, rule in enumerate(data["rules"]):
        where = f"rules[{i}]"
        if not isinstance(rule, Mapping):
            errors.append(f"{where}: not a mapping")
            continue
        unknown = set(rule) - {"reason", "kind", "max_words", "header", "patterns", "keywords"}
        if unknown:
            errors.append(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(rule.get("reason"), str) or not re.fullmatch(r"[a-z_]+", rule.get("reason", "")):
            errors.append(f"{where}: reason must be a snake_case code")
        if rule.get("kind") not in _KINDS:
            errors.append(f"{where}: kind must be one of {sorted(_KINDS)}")
        if not isinstance(rule.get("max_words"), int) or rule["max_words"] < 1:
            errors.append(f"{where}: max_words must be a positive integer")
        if not isinstance(rule.get("header", False), bool):
            errors.append(f"{where}: header must be true or false")
        keywords = rule.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k and k == k.lower() for k in keywords):
            errors.append(f"{where}: keywords must be a list of non-empty lower-case strings")
        patterns = rule.get("patterns")
        if not isinstance(patterns, list) or not patterns:
            errors.append(f"{where}: patterns must be a non-empty list")
            continue
        for pattern in patterns:
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except (re.error, TypeError) as exc:
                errors.append(f"{where}: bad pattern {pattern!r}: {exc}")
                continue
            if compiled.search(""):
                errors.append(f"{where}: pattern {pattern!r} matches the empty line")
    return errors


def language_rule_errors(data: Any) -> list[str]:
    """Problems in the language facts file (empty when it is valid)."""
    errors: list[str] = []
    if not isinstance(data, Mapping):
        return ["top level must be a mapping"]
    for key in ("stopwords", "interface", "weekdays"):
        table = data.get(key)
        if not isinstance(table, Mapping) or not table:
            errors.append(f"{key}: must be a non-empty mapping of language -> words")
            continue
        for lang, words in table.items():
            if not re.fullmatch(r"[a-z]{2}", str(lang)):
                errors.append(f"{key}.{lang}: language must be an ISO 639-1 code")
            if not isinstance(words, list) or not all(isinstance(w, str) and w == w.lower() for w in words):
                errors.append(f"{key}.{lang}: must be a list of lower-case strings (quote yes/no/on/off)")
    months = data.get("months")
    if not isinstance(months, Mapping):
        errors.append("months: must be a mapping of language -> {name: number}")
    else:
        for lang, table in months.items():
            if not isinstance(table, Mapping) or not all(
                isinstance(k, str) and isinstance(v, int) and 1 <= v <= 12 for k, v in table.items()
            ):
                errors.append(f"months.{lang}: must map month names to 1..12")
    words = data.get("date_words")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        errors.append("date_words: must be a list of strings")
    return errors


def _compiled_rules(data: Mapping[str, Any]) -> tuple[_Rule, ...]:
    compiled = []
    for index, rule in enumerate(data["rules"]):
        body = "|".join(f"(?:{p})" for p in rule["patterns"])
        if rule["kind"] == "prefix":
            body = f"^(?:{body})"
        elif rule["kind"] == "line":
            body = f"^(?:{body})$"
        compiled.append(_Rule(
            rule["reason"], re.compile(body, re.IGNORECASE), rule["max_words"], rule.get("header", False),
            rule["kind"] != "search",
            bool(rule.get("keywords")), index,
        ))
    # Ordered by max_words, largest first, so a long line stops at the first rule too small for it.
    return tuple(sorted(compiled, key=lambda r: -r.max_words))


def _keyword_automaton(data: Mapping[str, Any]) -> Any:
    """One Aho-Corasick automaton over every rule's keywords: a single pass tells which rules may match."""
    automaton = ahocorasick.Automaton()
    owners: dict[str, set[int]] = {}
    for index, rule in enumerate(data["rules"]):
        for keyword in rule.get("keywords", ()):
            owners.setdefault(keyword, set()).add(index)
    for keyword, indexes in owners.items():
        automaton.add_word(keyword, frozenset(indexes))
    automaton.make_automaton()
    return automaton


def _checked(name: str, validator: Any) -> Any:
    data = rules(name)
    errors = validator(data)
    if errors:
        raise ValueError(f"data/rules/{name}.yaml is invalid: " + "; ".join(errors))
    return data


_BOILERPLATE_DATA = _checked("boilerplate", boilerplate_rule_errors)
_BOILERPLATE = _compiled_rules(_BOILERPLATE_DATA)
_KEYWORDS = _keyword_automaton(_BOILERPLATE_DATA)
_MAX_RULE_WORDS = max(r.max_words for r in _BOILERPLATE)
_PREFIX_RULES = tuple(r for r in _BOILERPLATE if r.anchored and not r.pattern.pattern.endswith("$"))
_LANG = _checked("clean_languages", language_rule_errors)


def _word_languages(table: Mapping[str, list[str]]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for lang, words in table.items():
        for word in words:
            index.setdefault(word, set()).add(lang)
    return {w: frozenset(langs) for w, langs in index.items()}


_STOPWORDS = _word_languages(_LANG["stopwords"])
_INTERFACE = _word_languages(_LANG["interface"])
_MONTHS: dict[str, int] = {name: num for table in _LANG["months"].values() for name, num in table.items()}
_DATE_FILLER = frozenset(
    list(_LANG["date_words"]) + [w for ws in _LANG["weekdays"].values() for w in ws] + list(_MONTHS)
)
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|\.|º)?\s+(?:de\s+)?({_MONTH_ALT})\.?,?\s+(?:de\s+)?(\d{{4}})\b", re.IGNORECASE
)


# ---------------------------------------------------------------- units


def _collapsed(line: str) -> str:
    """The line with runs of whitespace as one space, trimmed (`str.split` and `\\s` agree on whitespace)."""
    return " ".join(line.split())


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text was wrapped at, or None when lines are paragraphs (the usual case)."""
    lengths = [len(line) for line in lines if line]
    if len(lengths) < 6:
        return None
    # Wrapped text has (almost) no line longer than the wrap column; one-paragraph-per-line text has many.
    if sum(1 for n in lengths if n > 100) > len(lengths) * 0.05:
        return None
    width = sorted(lengths)[int(len(lengths) * 0.9)]
    if width < 40:
        return None
    followed = sum(1 for a, b in itertools.pairwise(lines) if a and b and len(a) >= 0.6 * width)
    return width if followed >= 3 else None


def _continues(prev: str, nxt: str, width: int) -> bool:
    """Whether `nxt` is the wrapped continuation of `prev` in a text hard-wrapped at `width`."""
    if _BULLET.match(nxt) or any(r.pattern.match(nxt) for r in _PREFIX_RULES):
        return False
    if len(prev) < 0.6 * width:
        return False
    first = nxt.split(" ", 1)[0]
    # The line ended early only if the next word would not have fitted; allow a little ragged margin.
    return len(prev) + 1 + len(first) > width - 4 or not _TERMINAL.search(prev) or nxt[:1].islower()


def _units(body: str) -> list[_Unit]:
    raw_lines = _LINE_BREAK.split(body)
    lines = [_collapsed(line) for line in raw_lines]
    width = _wrap_width(lines)
    units: list[_Unit] = []
    current: _Unit | None = None
    for line_no, line in enumerate(lines, start=1):
        if not line:
            current = None
            continue
        if current is not None and width is not None and _continues(current.lines[-1][1], line, width):
            current.lines.append((line_no, line))  # the text is joined once below: appending is quadratic
            continue
        current = _Unit(line, [(line_no, line)], 0)
        units.append(current)
    for unit in units:
        if len(unit.lines) > 1:
            unit.text = " ".join(text for _, text in unit.lines)
        unit.n_words = unit.text.count(" ") + 1
        if not unit.text.isascii():
            unit.n_words += len(_CJK.findall(unit.text)) // 2
    return units


# ---------------------------------------------------------------- signals


def _lexicon_match(text: str, n_words: int) -> _Rule | None:
    """The first boilerplate rule that claims this line."""
    if n_words > _MAX_RULE_WORDS:
        return None
    triggered: set[int] = set()
    for _, indexes in _KEYWORDS.iter(text.lower()):
        triggered |= indexes
    for rule in _BOILERPLATE:
        if n_words > rule.max_words:
            break  # rules are sorted by max_words, largest first
        if rule.anchored:
            if rule.pattern.match(text):
                return rule
        elif (not rule.keywords or rule.index in triggered) and rule.pattern.search(text):
            return rule
    return None


def _is_story(unit: _Unit) -> bool:
    """A paragraph that reads like story text: long and ending like a sentence."""
    return unit.n_words >= _STORY_MIN_WORDS and bool(_TERMINAL.search(unit.text))


def _headline_like(unit: _Unit) -> bool:
    """Short and without sentence punctuation, or a short bullet: how link lists look."""
    if _BULLET.match(unit.text):
        return unit.n_words <= 30
    return unit.n_words <= _HEADLINE_MAX_WORDS and not _TERMINAL.search(unit.text)


def _title_case_share(text: str) -> float:
    words = [w for w in _LETTER_WORD.findall(text) if len(w) > 3]
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].isupper()) / len(words)


def _comparable(text: str) -> str:
    """Text folded for comparing titles: case, quotes, dashes and punctuation do not count."""
    return " ".join(w.casefold() for w in _LETTER_WORD.findall(text.replace("’", "'")))


def _title_relation(text: str, title: str) -> str | None:
    """How a line relates to the title: `same`, `head` (title minus a site-name part), `variant`, or None."""
    line_key, title_key = _comparable(text), _comparable(title)
    if not line_key or not title_key:
        return None
    if line_key == title_key:
        return "same"
    for part in _SEPARATOR.split(title):
        if _comparable(part) == line_key and len(line_key) >= 0.4 * len(title_key):
            return "head"
    line_words, title_words = set(line_key.split()), set(title_key.split())
    shared = len(line_words & title_words)
    if shared >= 0.8 * len(title_words) and len(line_words) <= 2 * len(title_words) + 2:
        return "variant"
    if shared >= 0.8 * len(line_words) and len(line_words) >= 4:
        return "variant"
    return None


def _parsed_date(text: str) -> tuple[dt.date | None, list[tuple[int, int]]] | None:
    """The date a line states, with the spans it used; None when the line has no full date."""
    spans: list[tuple[int, int]] = []
    found: dt.date | None = None
    has_date = False
    for m in _ISO_DATE.finditer(text):
        has_date = True
        spans.append(m.span())
        found = found or _safe_date(int(m[1]), int(m[2]), int(m[3]))
    for m in _MONTH_DAY_YEAR.finditer(text):
        has_date = True
        spans.append(m.span())
        found = found or _safe_date(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    for m in _DAY_MONTH_YEAR.finditer(text):
        has_date = True
        spans.append(m.span())
        found = found or _safe_date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    for m in _NUMERIC_DATE.finditer(text):
        has_date = True
        spans.append(m.span())
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        # Day and month order differs by country: only an unambiguous pair is read.
        if a > 12 >= b:
            found = found or _safe_date(year, b, a)
        elif b > 12 >= a:
            found = found or _safe_date(year, a, b)
    if not has_date:
        return None
    return found, spans


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day) if 1800 <= year <= 2200 else None
    except ValueError:
        return None


def _dateline(text: str, n_words: int) -> tuple[bool, dt.date | None]:
    """Whether a line is a dateline (a date, maybe a time and a label, nothing else), and its date."""
    if n_words > 14:
        return False, None
    parsed = _parsed_date(text)
    if parsed is None:
        return False, None
    date, spans = parsed
    rest = text
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    rest = _TIME.sub(" ", rest)
    leftover = [w for w in _LETTER_WORD.findall(rest.lower()) if w.strip(".") not in _DATE_FILLER]
    return len(leftover) <= 1, date


def _name_like(text: str) -> bool:
    """A person's name (or two joined by `and`): 2-8 capitalised tokens, no sentence punctuation."""
    tokens = text.replace(",", " ").split()
    if not 2 <= len(tokens) <= 8 or text.endswith((".", "!", "?", ":")) and not tokens[-1][-2:-1].isupper():
        return False
    named = 0
    for token in tokens:
        if token.lower() in _NAME_PARTICLES:
            continue
        if not _NAME_TOKEN.match(token):
            return False
        named += 1
    return named >= 2


def _byline_author(text: str, n_words: int) -> str | None:
    """The author named by a `By ...` line, or None when the line is not a byline."""
    if n_words > 14:
        return None
    m = _BYLINE.match(text)
    if not m:
        return None
    name = _AUTHOR_STOP.split(m["rest"], maxsplit=1)[0].strip(" .,")
    # "By Jane Doe and John Roe" is one byline; "By the way, ..." is not.
    return name if _name_like(name) or (len(name.split()) == 1 and name[:1].isupper() and n_words <= 3) else None


# ---------------------------------------------------------------- language of lines


def _stopword_counts(words: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for word in words:
        langs = _STOPWORDS.get(word)
        if langs:
            for lang in langs:
                counts[lang] = counts.get(lang, 0) + 1
    return counts


def _dominant_language(units: list[_Unit]) -> str | None:
    """The article's language by stopword counts, when the evidence is clear."""
    # The first couple of thousand characters tell the language as well as the whole text does.
    sample: list[str] = []
    size = 0
    for unit in units:
        sample.append(unit.text)
        size += len(unit.text)
        if size > 2000:
            break
    counts = _stopword_counts(_LETTER_WORD.findall(" ".join(sample).lower()))
    if not counts:
        return None
    lang, best = max(counts.items(), key=lambda kv: kv[1])
    total = sum(counts.values())
    return lang if best >= 15 and best >= 0.5 * total else None


def _interface_language(words: list[str]) -> str | None:
    """The language whose interface words make up the whole line (`any` if several fit), else None."""
    common: frozenset[str] | None = None
    for word in words:
        langs = _INTERFACE.get(word)
        if not langs:
            return None
        common = langs if common is None else common & langs
    if common is None:
        return None
    return next(iter(common)) if len(common) == 1 else "any"


def _foreign_language(words: list[str], article_lang: str) -> str | None:
    """The other language a short line is written in, judged by its function words."""
    counts = _stopword_counts(words)
    if counts.get(article_lang):
        return None
    others = [(n, lang) for lang, n in counts.items() if lang != article_lang]
    if not others:
        return None
    n, lang = max(others)
    return lang if n >= 2 else None


# ---------------------------------------------------------------- the passes


def _mark(unit: _Unit, reason: str) -> None:
    if unit.reason is None:
        unit.reason = reason


def _lexicon_pass(units: list[_Unit], budget: Budget) -> None:
    for unit in units:
        budget.check()
        rule = _lexicon_match(unit.text, unit.n_words)
        if rule is not None:
            unit.reason, unit.header = rule.reason, rule.header


def _title_pass(units: list[_Unit], title: str | None, strip_site_name: bool) -> str | None:
    """Drop repeats of the title; returns the title, without a site-name part the page's heading lacks."""
    if not title:
        return title
    title_folded = title.casefold()
    for i, unit in enumerate(units):
        # Past the top only an exact repeat counts, and only a line of about the title's length can be one.
        if i >= 3 and abs(len(unit.text) - len(title)) > 8 and unit.text.casefold() != title_folded:
            continue
        relation = _title_relation(unit.text, title) if unit.n_words <= 40 else None
        if i >= 3 and relation != "same":
            continue
        if relation == "same":
            _mark(unit, "repeated_title")
        elif relation is not None and i < 3 and not _is_story(unit):
            if relation == "head" and strip_site_name:
                title = unit.text
            _mark(unit, "repeated_title")
    return title


def _top_pass(units: list[_Unit], budget: Budget) -> tuple[str | None, dt.date | None]:
    """Bylines and datelines before the first story paragraph; returns the author and the date."""
    author: str | None = None
    date: dt.date | None = None
    top: list[_Unit] = []
    for unit in units[:_TOP_MAX_UNITS]:
        if _is_story(unit) and unit.reason is None:
            break
        top.append(unit)
    datelines: set[int] = set()
    for i, unit in enumerate(top):
        budget.check()
        if unit.reason not in (None, "timestamp"):
            continue
        is_dateline, found = _dateline(unit.text, unit.n_words)
        if is_dateline:
            unit.reason = "dateline"
            datelines.add(i)
            date = date or found
            continue
        byline = _byline_author(unit.text, unit.n_words)
        if byline and unit.reason is None:
            unit.reason = "byline"
            author = author or byline
            parsed = _parsed_date(unit.text)
            if parsed is not None:
                date = date or parsed[0]
    for i, unit in enumerate(top):
        # A bare name is a byline only next to a dateline: alone it could be a one-line subhead.
        if unit.reason is None and (i - 1 in datelines or i + 1 in datelines) and _name_like(unit.text):
            unit.reason = "byline"
            author = author or unit.text
    return author, date


def _list_pass(units: list[_Unit]) -> None:
    """Drop the link list that follows a header such as "Related:" or "More from ..."."""
    following = False
    bare_header = False
    for unit in units:
        if unit.header:
            # "More from X" or "Related:" heads a list of headlines; "Related: <headline>" is one link,
            # after which only bulleted lines are taken as more links.
            following = True
            bare_header = unit.reason == "more_from" or unit.n_words <= 2 or unit.text.endswith((":", "…", "...", "»"))
            continue
        if not following:
            continue
        if unit.reason is not None:
            continue
        listed = bool(_BULLET.match(unit.text)) and unit.n_words <= 30
        if listed or (bare_header and _headline_like(unit)):
            unit.reason = "related_list"
        elif bare_header and unit.text.count(",") >= 3 and not _TERMINAL.search(unit.text):
            unit.reason = "tags"  # the keyword list under a "Tags" label
        else:
            following = False


def _tail_pass(units: list[_Unit]) -> None:
    """Drop the run of headline-like lines (links to other stories) after the story's last paragraph."""
    # A bulleted list of Title Case headlines at the very end links elsewhere; story lists read as sentences.
    bullets: list[_Unit] = []
    for unit in reversed(units):
        if unit.reason is not None:
            continue
        if not (_BULLET.match(unit.text) and unit.n_words <= 15 and _title_case_share(unit.text) >= 0.8):
            break
        bullets.append(unit)
    if len(bullets) >= 2:
        for unit in bullets:
            unit.reason = "related_headlines"
    run: list[_Unit] = []
    for unit in reversed(units):
        if unit.reason is not None:
            continue
        # Bullets, parenthesised notes and embedded posts at the end are usually story lists and quotes.
        text = unit.text
        # (the embed search reads the whole line, so it goes last: a story paragraph is too long to be a headline)
        if _BULLET.match(text) or text.startswith("(") or not _headline_like(unit) or _SOCIAL_EMBED.search(text):
            break
        run.append(unit)
    if len(run) >= 2:
        for unit in run:
            unit.reason = "related_headlines"
    elif run and run[0].n_words <= 12 and _title_case_share(run[0].text) >= 0.75 and not _QUOTE.search(run[0].text):
        run[0].reason = "related_headlines"


def _language_pass(units: list[_Unit]) -> None:
    """Drop short lines of interface words, and short lines in another language than the article's."""
    article_lang: str | None = None
    looked = False
    for unit in units:
        if unit.reason is not None or unit.n_words > _SHORT_LINE_WORDS or _QUOTE.search(unit.text):
            continue
        words = _LETTER_WORD.findall(unit.text.lower())
        if not words or len(words) < unit.n_words * 0.6:
            continue
        if not looked:
            article_lang, looked = _dominant_language(units), True
        ui_lang = _interface_language(words)
        if ui_lang is not None and not (_TERMINAL.search(unit.text) and len(words) > 2):
            foreign = article_lang is not None and ui_lang not in ("any", article_lang)
            unit.reason = "foreign_language" if foreign else "interface"
            continue
        if article_lang is None or len(words) < 3 or _TERMINAL.search(unit.text):
            continue
        if _foreign_language(words, article_lang):
            unit.reason = "foreign_language"


def _article_paragraphs(units: list[_Unit]) -> tuple[tuple[str, ...], tuple[RemovedLine, ...]]:
    paragraphs: list[str] = []
    removed: list[RemovedLine] = []
    for unit in units:
        if unit.reason is None:
            paragraphs.append(unit.text)
        else:
            removed.extend(RemovedLine(line_no, text, unit.reason) for line_no, text in unit.lines)
    return tuple(paragraphs), tuple(removed)


def clean_article(body: str, title: str | None = None, *, title_in_body: bool = False,
                  budget: Budget = UNLIMITED) -> CleanArticle:
    """Title, paragraphs, byline, dateline and removed lines of one article.

    Args:
        body: the raw text; paragraphs are separated by empty lines, or one per line; hard-wrapped
            paragraphs are re-joined.
        title: the title from metadata, when the input has one.
        title_in_body: the first non-empty line of `body` is the title (plain-text inputs).
        budget: checked between lines and passes; raises `OverBudget` once spent.

    Returns:
        The cleaned article; every non-empty line of `body` is either the title, in a paragraph, or removed.
    """
    if not unicodedata.is_normalized("NFC", body):
        body = unicodedata.normalize("NFC", body)
    title = _collapsed(title) or None if title else None
    units = _units(body)
    if title_in_body and units:
        first = units.pop(0)
        title = title or first.text
    budget.check()
    _lexicon_pass(units, budget)
    title = _title_pass(units, title, strip_site_name=not title_in_body)
    author, date = _top_pass(units, budget)
    _list_pass(units)
    _tail_pass(units)
    budget.check()
    _language_pass(units)
    paragraphs, removed = _article_paragraphs(units)
    return CleanArticle(title, paragraphs, author, date, removed)
