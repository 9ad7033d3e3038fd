-- grain: one row per article read (per source and content)
SELECT * FROM {articles}
