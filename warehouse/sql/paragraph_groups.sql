-- grain: one row per paragraph
SELECT * FROM {paragraph_groups}
