-- grain: one row per story, event span (the calendar span a date mention denotes) and publication day
-- description: Event timeline: the days articles talk about (event_start..event_end) against the days they were published, per story.
SELECT
    ma.story_id,
    min(ma.title) AS story_title_example,
    d.start_date AS event_start,
    d.end_date AS event_end,
    d.granularity,
    ma.published_day,
    ma.published_day - d.start_date AS days_before_publication,
    count(*) AS n_mentions,
    count(DISTINCT d.article_id) AS n_articles,
    count(DISTINCT ma.source) AS n_sources,
    sum(CASE WHEN d.is_relative THEN 1 ELSE 0 END) AS n_relative_mentions,
    string_agg(DISTINCT d.text, ' | ' ORDER BY d.text) AS texts
FROM date_mentions AS d
JOIN mart_articles AS ma USING (article_id)
WHERE d.start_date IS NOT NULL AND d.timex_type = 'DATE'
GROUP BY ma.story_id, d.start_date, d.end_date, d.granularity, ma.published_day
