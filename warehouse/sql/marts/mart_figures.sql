-- grain: one row per quantity mention (every figure, with its article, source, story and copy group)
-- description: Figures: every quantity with its noun, unit and interval, the article, source, published day and story it is in; counted_noun is the figure class for counts about casualties and the like, else the noun's head word; is_first_copy is true for one row per figure printed in copies of the same paragraph.
-- column mention_id: The quantity mention (quantity_mentions.mention_id).
-- column article_id: Article the figure is in.
-- column paragraph_id: Paragraph the figure is in.
-- column story_id: Story of the article (mart_articles.story_id).
-- column source: Source label of the article (mart_articles.source).
-- column title: Headline of the article, null when unknown.
-- column published_day: Publication date of the article, null when unknown.
-- column text: The figure as printed, with its qualifier and noun, e.g. 'more than 200 people'.
-- column claim: The figure as printed, lower-cased, without its noun (a unit word stays: 'about 80%', '2,500 tons') and without a trailing 'of', 'of the', 'of its' or 'of their' or trailing spaces, commas and double quotes, e.g. 'more than 200', 'dozens': the form sources are compared on.
-- column low: Lower end of the interval, in unit, as stated: null when unbounded below (e.g. 'up to 50').
-- column high: Upper end of the interval, in unit, as stated: null when unbounded above (e.g. 'more than 200'), equal to low for an exact number.
-- column low_inclusive: Whether low itself is included ('at least' yes, 'more than' no), null when low is null.
-- column high_inclusive: Whether high itself is included ('up to' yes, 'fewer than' no), null when high is null.
-- column approximate: True for a hedged figure (about, nearly, some, an estimated, vague words).
-- column vague: True when the figure came from a vague quantifier word (dozens, hundreds, several...), whose interval is a convention.
-- column unit: count, percent, percentage point, fraction, currency:<ISO 4217 code>, a measurement unit (km, kg...) or year, month, week or day for ages.
-- column noun: The counted thing after the number, e.g. 'contract soldiers', null when none was found (counts only).
-- column qualifier: Normalized qualifier phrase (more than, at least, up to, between, about...), null for a bare number.
-- column figure_class: For counts only: the class (mart_figure_classes) whose pattern matches the sentence, lowest priority first, null when the unit is not count or no pattern matches.
-- column counted_noun: What the figure counts, for grouping: figure_class when set, else the last word of noun lower-cased (its head: 'contract soldiers' gives soldiers), else '(no noun)'.
-- column sentence: The sentence around the figure: its paragraph's text from after the previous . ! or ? up to and including the next one (a decimal point or an abbreviation also ends a sentence here).
-- column dup_group: Copy group of the figure's paragraph (mart_copies.dup_group).
-- column is_first_copy: True for exactly one row among figures with the same dup_group, lower-cased text, low, high and unit (the one in the smallest paragraph_id, earliest in it): filter on it to count a figure printed in copies of one paragraph once.
WITH located AS (
    SELECT
        q.*,
        -- The sentence around the figure: the text back to the previous and up to the next sentence end.
        regexp_extract(substr(p.text, 1, q.char_start), '[^.!?]*$')
            || q.text
            || regexp_extract(substr(p.text, q.char_end + 1), '^[^.!?]*[.!?]?') AS sentence
    FROM quantity_mentions AS q
    JOIN paragraphs AS p USING (paragraph_id)
),
classed AS (
    SELECT
        l.mention_id,
        (SELECT c.figure_class FROM mart_figure_classes AS c
         WHERE l.unit = 'count' AND regexp_matches(lower(l.sentence), c.pattern)
         ORDER BY c.priority LIMIT 1) AS figure_class
    FROM located AS l
),
labelled AS (
    SELECT
        l.*,
        c.figure_class,
        -- The claim as printed without its noun: 'more than 200', 'dozens', 'between 100 and over 600'.
        trim(regexp_replace(lower(CASE WHEN l.noun IS NOT NULL AND ends_with(l.text, l.noun)
                                       THEN left(l.text, length(l.text) - length(l.noun)) ELSE l.text END),
                            '(\s+of(\s+the|\s+its|\s+their)?)?[\s,"]*$', '')) AS claim
    FROM located AS l
    JOIN classed AS c USING (mention_id)
)
SELECT
    l.mention_id,
    l.article_id,
    l.paragraph_id,
    ma.story_id,
    ma.source,
    ma.title,
    ma.published_day,
    l.text,
    l.claim,
    l.low,
    l.high,
    l.low_inclusive,
    l.high_inclusive,
    l.approximate,
    l.vague,
    l.unit,
    l.noun,
    l.qualifier,
    l.figure_class,
    coalesce(l.figure_class, lower(regexp_extract(l.noun, '([^\s]+)$', 1)), '(no noun)') AS counted_noun,
    l.sentence,
    cp.dup_group,
    row_number() OVER (
        PARTITION BY cp.dup_group, lower(l.text), l.low, l.high, l.unit
        ORDER BY l.paragraph_id, l.char_start
    ) = 1 AS is_first_copy
FROM labelled AS l
JOIN mart_articles AS ma USING (article_id)
JOIN mart_copies AS cp USING (paragraph_id)
