-- grain: one row per story, event span (the calendar span a date mention denotes) and publication day
-- description: Event timeline: the days articles talk about (event_start..event_end) against the days they were published, per story.
-- column story_id: Story of the articles (mart_articles.story_id).
-- column story_title_example: One headline of the row's articles: the alphabetically first.
-- column event_start: First day of the calendar span the date mentions denote (date_mentions.start_date). Only TIMEX3 DATE values with a known start are counted.
-- column event_end: Last day of that span, inclusive (date_mentions.end_date): equal to event_start for a single day.
-- column granularity: Size of the span: day, week, month, quarter, year, decade or century.
-- column published_day: Publication date of the articles that mention the span, null when unknown.
-- column days_before_publication: published_day minus event_start, in days: positive for a span that starts before publication, 0 for the publication day, negative for a span that starts later, null when published_day is unknown.
-- column n_mentions: Date mentions in this row (one per expression printed).
-- column n_articles: Distinct articles with such a mention.
-- column n_sources: Distinct source labels (mart_articles.source) among those articles.
-- column n_relative_mentions: How many of the mentions were resolved against the publication date (yesterday, last week, on Monday...).
-- column texts: The distinct expressions as printed, sorted and joined with ' | '.
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
