-- grain: one row per line dropped by cleaning
SELECT * FROM {removed_lines}
