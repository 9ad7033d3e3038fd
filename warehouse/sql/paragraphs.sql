-- grain: one row per paragraph of an article
SELECT * FROM {paragraphs}
