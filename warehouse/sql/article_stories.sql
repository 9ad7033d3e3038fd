-- grain: one row per article
SELECT * FROM {article_stories}
