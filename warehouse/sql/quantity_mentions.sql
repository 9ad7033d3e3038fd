-- grain: one row per numeric range (count, amount or measure) in a paragraph
SELECT * FROM {quantity_mentions}
