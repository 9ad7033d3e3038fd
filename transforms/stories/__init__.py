"""Stories: which articles report the same event.

Articles are compared by TF-IDF cosine over the content words of their title and text, only within a date
window (idf counts only the article itself and the articles of the days just before it), and grouped by
single-link clustering over mutual near neighbours at or above a threshold (`data/rules/stories.yaml`), or
updated incrementally with the same result. Ties are broken by id, so the same input gives the same ids in any
order, in any process. Near-duplicate paragraphs are `transforms.paragraph_groups`.
"""

from __future__ import annotations

from transforms.stories.grouping import story_assignments as story_assignments
from transforms.stories.incremental import StoriesDelta as StoriesDelta
from transforms.stories.incremental import StoryWindow as StoryWindow
from transforms.stories.incremental import stories_from_scratch as stories_from_scratch
from transforms.stories.incremental import story_assignments_update as story_assignments_update
from transforms.stories.memory_index import MemoryStoryIndex as MemoryStoryIndex
from transforms.stories.records import StoryArticle as StoryArticle
from transforms.stories.records import StoryAssignment as StoryAssignment
from transforms.stories.rule_data import _RULES as _RULES
from transforms.stories.rule_data import SOURCES as SOURCES
from transforms.stories.rule_data import rule_errors as rule_errors
from transforms.stories.terms import STORY_STATE_FORMAT as STORY_STATE_FORMAT
from transforms.stories.terms import ArticleState as ArticleState
from transforms.stories.terms import StoryLinks as StoryLinks
from transforms.stories.terms import StoryPair as StoryPair
from transforms.stories.terms import StoryTerm as StoryTerm
from transforms.stories.terms import article_terms as article_terms
from transforms.stories.terms import term_key as term_key
