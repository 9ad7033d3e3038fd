-- grain: one row per story, counted noun, unit and claim (a figure as stated), across the sources that print it
-- description: Per-story figures side by side: each distinct claim about a counted noun in a story, which sources print it, and the story's lowest and highest claim for that noun. Copies of one paragraph count once.
WITH stories AS (
    SELECT story_id, count(*) AS n_story_articles, count(DISTINCT source) AS n_story_sources,
           arg_min(title, coalesce(published_day, DATE '9999-12-31')) AS story_title
    FROM mart_articles
    GROUP BY story_id
),
claims AS (
    SELECT
        story_id, counted_noun, unit, claim, low, high, low_inclusive, high_inclusive, vague,
        count(*) AS n_mentions,
        count(DISTINCT article_id) AS n_articles,
        count(DISTINCT source) AS n_sources,
        string_agg(DISTINCT source, ', ' ORDER BY source) AS sources,
        string_agg(DISTINCT text, ' | ' ORDER BY text) AS texts,
        min(sentence) AS example_sentence
    FROM mart_figures
    WHERE is_first_copy
    GROUP BY story_id, counted_noun, unit, claim, low, high, low_inclusive, high_inclusive, vague
)
SELECT
    c.story_id,
    s.story_title,
    s.n_story_articles,
    s.n_story_sources,
    c.counted_noun,
    c.unit,
    c.claim,
    c.low,
    c.high,
    c.low_inclusive,
    c.high_inclusive,
    c.vague,
    c.n_sources,
    c.sources,
    c.n_articles,
    c.n_mentions,
    c.texts,
    c.example_sentence,
    count(*) OVER w AS n_claims_for_noun,
    min(c.low) OVER w AS lowest_claim_low,
    max(coalesce(c.high, c.low)) OVER w AS highest_claim_high,
    c.low IS NOT DISTINCT FROM min(c.low) OVER w AS is_lowest_claim,
    coalesce(c.high, c.low) IS NOT DISTINCT FROM max(coalesce(c.high, c.low)) OVER w AS is_highest_claim
FROM claims AS c
JOIN stories AS s USING (story_id)
WINDOW w AS (PARTITION BY c.story_id, c.counted_noun, c.unit)
