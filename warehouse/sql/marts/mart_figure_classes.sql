-- grain: one row per figure class (what a counted figure is about, read from its sentence)
-- description: Figure classes: a count whose sentence matches `pattern` (lower-case regular expression) is about `figure_class`; the lowest `priority` wins when several match.
-- column priority: Rank among classes: when several patterns match one sentence the lowest priority wins (1 = killed).
-- column figure_class: What the counted figure is about: killed, injured, missing, displaced or arrested.
-- column pattern: Regular expression (RE2, as in DuckDB's regexp_matches) searched for anywhere in the lower-cased sentence around a count.
SELECT * FROM (VALUES
    (1, 'killed', '\b(kill(ed|ing|s)?|dead|deaths?|died|dying|slain|casualt(y|ies)|fatalit(y|ies)|lost their lives)\b'),
    (2, 'injured', '\b(injur(ed|ies|y)|wounded|hurt|hospitali[sz]ed)\b'),
    (3, 'missing', '\b(missing|unaccounted)\b'),
    (4, 'displaced', '\b(displaced|evacuat(ed|ion)|homeless|fled|refugees|shelters?)\b'),
    (5, 'arrested', '\b(arrest(ed|s)?|detained|custody)\b')
) AS t(priority, figure_class, pattern)
