-- grain: one row per pipeline run
SELECT * FROM {runs}
