"""Toponyms in article paragraphs, resolved to GeoNames places (EXTRACTION.md, "Locations").

Recognition has no statistical model: capitalized word runs are looked up n-gram by n-gram in
the gazetteer's normalized-name index (longest match first), then filtered by general rules for
people, organizations, common words and demonyms. Resolution scores every candidate place by
feature type, population and article context (countries and first-level divisions mentioned
elsewhere, "Town, State" pairs, feature words such as "province").
"""

from __future__ import annotations

from transforms.gazetteer import Place, place
from transforms.locations.api import location_mentions
from transforms.locations.api import location_tables as location_tables
from transforms.locations.candidates import _candidates as _candidates
from transforms.locations.evidence import _share_hints as _share_hints
from transforms.locations.filters import _HEADLINE_SMALL as _HEADLINE_SMALL
from transforms.locations.filters import _HEADLINE_WORD as _HEADLINE_WORD
from transforms.locations.filters import _SENTENCE_BREAK as _SENTENCE_BREAK
from transforms.locations.filters import _SHORT_PARAGRAPH as _SHORT_PARAGRAPH
from transforms.locations.filters import _has_whole_word as _has_whole_word
from transforms.locations.filters import _in_headline as _in_headline
from transforms.locations.filters import _LowercaseWords as _LowercaseWords
from transforms.locations.lexicon import _lexicon as _lexicon
from transforms.locations.lexicon import rules_problems
from transforms.locations.scoring import _FEW_POINTS as _FEW_POINTS
from transforms.locations.scoring import _WITHIN_80_KM as _WITHIN_80_KM
from transforms.locations.scoring import _WITHIN_250_KM as _WITHIN_250_KM
from transforms.locations.scoring import _Context as _Context
from transforms.locations.values import LocationMention

__all__ = ["LocationMention", "Place", "location_mentions", "place", "rules_problems"]
