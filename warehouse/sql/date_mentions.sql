-- grain: one row per date or time expression in a paragraph
SELECT * FROM {date_mentions}
