-- grain: one row per story, counted noun, unit and claim (a figure as stated), across the sources that print it
-- description: Per-story figures side by side: each distinct claim about a counted noun in a story, which sources print it, and the story's lowest and highest claim for that noun. Copies of one paragraph count once.
-- column story_id: The story (mart_articles.story_id).
-- column story_title: Headline of the story's earliest-published article (undated articles come last; of articles published the same day, the alphabetically first headline).
-- column n_story_articles: Articles in the story, exact copies included.
-- column n_story_sources: Distinct source labels in the story.
-- column counted_noun: What the figures count (mart_figures.counted_noun).
-- column unit: Unit of low and high (mart_figures.unit).
-- column claim: The figure as printed without its noun (mart_figures.claim), e.g. 'more than 200'.
-- column low: Lower end of the claim's interval, in unit: null when unbounded below.
-- column high: Upper end of the claim's interval, in unit: null when unbounded above.
-- column low_inclusive: Whether low itself is included, null when low is null.
-- column high_inclusive: Whether high itself is included, null when high is null.
-- column vague: True when the claim is a vague quantifier word (dozens, hundreds...).
-- column n_sources: Distinct source labels that print this claim.
-- column sources: Those source labels, sorted and joined with ', '.
-- column n_articles: Distinct articles that print this claim.
-- column n_mentions: Figures stating this claim, copies of one paragraph counted once (mart_figures rows with is_first_copy).
-- column texts: The distinct printed forms (mart_figures.text), sorted and joined with ' | '.
-- column example_sentence: One sentence stating the claim: the alphabetically first.
-- column n_claims_for_noun: Number of distinct claims (rows of this mart) in the story for the same counted_noun and unit.
-- column lowest_claim_low: Smallest low among those claims, null when every one is unbounded below.
-- column highest_claim_high: Largest upper end among those claims, a claim unbounded above counting as its low.
-- column is_lowest_claim: True when this claim's low equals lowest_claim_low.
-- column is_highest_claim: True when this claim's upper end (high, else low) equals highest_claim_high.
WITH stories AS (
    SELECT story_id, count(*) AS n_story_articles, count(DISTINCT source) AS n_story_sources,
           arg_min(title, (coalesce(published_day, DATE '9999-12-31'), title)) AS story_title
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
