-- grain: one row per article read (per source and content)
-- story_id: the input's, else the story found by grouping; story_id_source says which.
SELECT a.* REPLACE (coalesce(a.story_id, s.story_id) AS story_id),
       coalesce(s.story_id_source, CASE WHEN a.story_id IS NOT NULL THEN 'input' END) AS story_id_source
FROM {articles} AS a
LEFT JOIN {article_stories} AS s USING (article_id)
