-- grain: one row per resolved place and publication day
-- description: Places by day: how often each GeoNames place is mentioned in the articles published that day, with its country and coordinates for maps.
-- column geonameid: GeoNames id of the place (places.geonameid).
-- column place: GeoNames main name of the place.
-- column feature: Kind of place: country, admin1, admin2, city, region or physical.
-- column country_code: ISO 3166-1 alpha-2 code of the place's country, null for places in no country (seas, regions).
-- column country: Name of the country with that code, taken from the places table: null unless some article also mentions the country itself.
-- column latitude: Latitude of the place, WGS84 degrees.
-- column longitude: Longitude of the place, WGS84 degrees.
-- column published_day: Publication date of the articles: null groups the articles whose date is unknown.
-- column n_mentions: Location mentions resolved to the place in articles published that day, adjectival uses ('US officials') included.
-- column n_articles: Distinct articles with such a mention.
-- column n_stories: Distinct stories (mart_articles.story_id) among those articles.
-- column n_sources: Distinct source labels (mart_articles.source) among those articles.
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
