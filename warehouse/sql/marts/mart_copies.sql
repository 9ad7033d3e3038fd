-- grain: one row per paragraph, with the group of its copies across articles
-- description: Paragraph copies: paragraphs whose normalized words are identical share dup_group (the smallest paragraph_id among them), so a paragraph printed by several outlets can be counted once.
SELECT
    p.paragraph_id,
    p.article_id,
    min(p.paragraph_id) OVER (
        PARTITION BY md5(trim(regexp_replace(lower(p.text), '[^[:alnum:]]+', ' ', 'g')))
    ) AS dup_group
FROM paragraphs AS p
