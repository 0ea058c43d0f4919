-- Full-text search of published posts and pages (GET /api/v1/search).
--
-- What is indexed: the title (weight A), the excerpt (B) and the body (C). The
-- body is taken from `body_html` (the sanitised rendering stored at save time),
-- not from the Markdown source, so that neither the index nor the search
-- snippets carry Markdown syntax (`**`, `#`, `[text](url)`, link targets).
-- strip_html_tags drops inline tags (so `<strong>word</strong>.` stays `word.`),
-- turns every other tag into a space, turns control characters into spaces (the
-- snippets use two of them as highlight markers, so the text must not contain
-- them), and collapses white space. Entities stay encoded: text an author wrote
-- as `<script>` stays `&lt;script&gt;`, which the parser reads as the word
-- "script" between two entities; decoded, it would read it as a tag and skip it
-- (in the index and in ts_headline). The result is therefore still escaped HTML
-- text; the service decodes and re-escapes it. The same function feeds
-- ts_headline at query time, so a snippet shows the text that was indexed.
--
-- Configuration: 'english', spelled as an explicit regconfig. A generated column
-- must be immutable, and the one-argument to_tsvector(text) is not (it reads the
-- default_text_search_config setting, which can differ per server, database or
-- session). English because the site language setting defaults to 'en', and
-- English stemming ("publishing" finds "published") and stop words make a much
-- better search than 'simple' for English content. A site whose site_language is
-- another language still gets English rules (stemming and stop words meant for
-- English), which serve it less well but never fail. Following the setting would
-- need a regconfig stored per row (a later change, not a generated constant).
-- Queries must use the same configuration (search.queries.ts). Changing
-- it, or strip_html_tags, takes a new migration that redefines both and
-- recomputes the column: stored values are not updated when a function changes.
--
-- The column is stored (computed on insert and update, never at query time) and
-- the GIN index is partial: search is public and reads only published content.
-- Products will be searched too (later issue): they get their own column and
-- index in the same way, and the search query a union branch of the same shape.
-- Adding the column rewrites the posts table once, under its lock.
create function strip_html_tags(html text) returns text
language sql immutable strict parallel safe
return btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(html,
  '</?(a|em|strong|s|del|code|sup|sub)(\s[^>]*)?>', '', 'g'),
  '<[^>]*>', ' ', 'g'),
  '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', ' ', 'g'),
  '\s+', ' ', 'g'));

alter table posts add column search_vector tsvector generated always as (
  setweight(to_tsvector('english'::regconfig, title), 'A')
  || setweight(to_tsvector('english'::regconfig, excerpt), 'B')
  || setweight(to_tsvector('english'::regconfig, strip_html_tags(body_html)), 'C')
) stored;

create index posts_search_vector_idx on posts using gin (search_vector) where status = 'published';
