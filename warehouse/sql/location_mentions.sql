-- grain: one row per toponym in a paragraph
SELECT * FROM {location_mentions}
