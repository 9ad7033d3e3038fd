-- grain: one row per paragraph, with the group of its near-duplicate copies across articles
-- description: Paragraph copies: syndicated or reworded paragraphs share dup_group (see paragraph_groups), so a paragraph printed by several outlets can be counted once.
SELECT g.paragraph_id, p.article_id, g.dup_group
FROM paragraph_groups AS g
JOIN paragraphs AS p USING (paragraph_id)
