-- grain: one row per resolved place and publication day
-- description: Places by day: how often each GeoNames place is mentioned in the articles published that day, with its country and coordinates for maps.
SELECT
    pl.geonameid,
    pl.name AS place,
    pl.feature,
    pl.country_code,
    (SELECT c.name FROM places AS c WHERE c.feature = 'country' AND c.country_code = pl.country_code
     ORDER BY c.geonameid LIMIT 1) AS country,
    pl.latitude,
    pl.longitude,
    ma.published_day,
    count(*) AS n_mentions,
    count(DISTINCT m.article_id) AS n_articles,
    count(DISTINCT ma.story_id) AS n_stories,
    count(DISTINCT ma.source) AS n_sources
FROM location_mentions AS m
JOIN places AS pl USING (geonameid)
JOIN mart_articles AS ma USING (article_id)
WHERE m.geonameid IS NOT NULL
GROUP BY ALL
