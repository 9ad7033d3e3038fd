-- grain: one row per article, with the labels the other marts group by
-- description: Articles with a readable source label and their story (the article itself when no story is known).
-- column article_id: The article (articles.article_id).
-- column story_id: Story the article belongs to (articles.story_id: the input's story id, else the one found by grouping similar articles), or the article's own article_id when it has none, so grouping by it never loses an article.
-- column source: Readable source label: articles.source_name when set, else the host name of the URL without a leading www., else the last path part of source_uri (the input file name, with #record for a record in a container file).
-- column title: Headline (articles.title), null when the input gave none and none was found.
-- column published_day: Publication date (articles.published_date), null when unknown.
-- column language: ISO 639-1 code of the text's language, from metadata or detection (articles.language).
-- column input_format: Input format the article was read from: txt, html, jsonl, warc or multinews.
-- column is_exact_copy: True when an earlier article has the identical cleaned text (articles.duplicate_of is set), e.g. a syndicated copy under another source: filter on NOT is_exact_copy to count each text once.
-- column n_paragraphs: Number of paragraphs of the article.
-- column url: Canonical URL of the article, null when unknown.
-- column source_uri: Input file path or URI, <file>#<record id> for a record inside a container file.
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
