-- grain: one row per input or record that could not be processed, per run
SELECT * FROM {rejects}
