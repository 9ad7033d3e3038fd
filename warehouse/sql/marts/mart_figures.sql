-- grain: one row per quantity mention (every figure, with its article, source, story and copy group)
-- description: Figures: every quantity with its noun, unit and interval, the article, source, published day and story it is in; counted_noun is the figure class for counts about casualties and the like, else the noun's head word; is_first_copy is true for one row per figure printed in copies of the same paragraph.
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
