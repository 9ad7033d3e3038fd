-- grain: one row per figure class (what a counted figure is about, read from its sentence)
-- description: Figure classes: a count whose sentence matches `pattern` (lower-case regular expression) is about `figure_class`; the lowest `priority` wins when several match.
SELECT * FROM (VALUES
    (1, 'killed', '\b(kill(ed|ing|s)?|dead|deaths?|died|dying|slain|casualt(y|ies)|fatalit(y|ies)|lost their lives)\b'),
    (2, 'injured', '\b(injur(ed|ies|y)|wounded|hurt|hospitali[sz]ed)\b'),
    (3, 'missing', '\b(missing|unaccounted)\b'),
    (4, 'displaced', '\b(displaced|evacuat(ed|ion)|homeless|fled|refugees|shelters?)\b'),
    (5, 'arrested', '\b(arrest(ed|s)?|detained|custody)\b')
) AS t(priority, figure_class, pattern)
