"""Numeric ranges: every number that counts or measures something, as an interval with its qualifier.

The contract is `spec/EXTRACTION.md` ("Numeric ranges"); conventions it leaves open are in
`docs/quantities.md`. Rules and lexicons are data (`data/rules/quantities*.yaml`).

The recognizer works on a flat token list (digits, words, single symbols with character offsets):
1. tokens that cannot be quantities are masked (date parts, clock times, phone numbers, model
   numbers and other labels, list markers, and anything inside the caller's `blocked` spans);
2. number cores are read (digits with separators, number words, scale words, fractions, vague words);
3. each core takes its currency, unit, age or duration words, then ranges are joined and the
   qualifiers before and after are read;
4. the counted noun after a count is attached and the surface text is cut from the paragraph.
"""

from __future__ import annotations

from transforms.quantities.api import quantity_mentions
from transforms.quantities.rule_data import rule_errors
from transforms.quantities.values import QuantityMention

__all__ = ["QuantityMention", "quantity_mentions", "rule_errors"]
