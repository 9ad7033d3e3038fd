-- grain: one row per article, with the labels the other marts group by
-- description: Articles with a readable source label and their story (the article itself when no story is known).
SELECT
    a.article_id,
    coalesce(a.story_id, a.article_id) AS story_id,
    coalesce(
        a.source_name,
        nullif(regexp_extract(a.url, '^[a-zA-Z]+://(?:www\.)?([^/:]+)', 1), ''),
        regexp_extract(a.source_uri, '([^/]+)$', 1)
    ) AS source,
    a.title,
    a.published_date AS published_day,
    a.language,
    a.input_format,
    a.duplicate_of IS NOT NULL AS is_exact_copy,
    a.n_paragraphs,
    a.url,
    a.source_uri
FROM articles AS a
