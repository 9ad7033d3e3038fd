-- grain: one row per paragraph, with the group of its near-duplicate copies across articles
-- description: Paragraph copies: syndicated or reworded paragraphs share dup_group (see paragraph_groups), so a paragraph printed by several outlets can be counted once.
-- column paragraph_id: The paragraph (paragraphs.paragraph_id).
-- column article_id: Article the paragraph belongs to.
-- column dup_group: Copy group of the paragraph (paragraph_groups.dup_group): the smallest paragraph_id among the paragraph and its exact or near-duplicate copies in other articles, the paragraph's own id when it has no copy.
SELECT g.paragraph_id, p.article_id, g.dup_group
FROM paragraph_groups AS g
JOIN paragraphs AS p USING (paragraph_id)
