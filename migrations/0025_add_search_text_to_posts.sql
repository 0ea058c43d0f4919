-- The body's search text is made by the application at save time and stored in
-- `search_text`; the search vector is generated from it (issue 9, item 5,
-- decision 0008). Migration 0015 generated the vector from
-- strip_html_tags(body_html): regular expressions over the HTML, then
-- to_tsvector over text with runs of any length between spaces. PostgreSQL's
-- text search parser backtracks over a long run that looks almost like a host
-- name, URL or file path (`a_a_a_…`): a 50 KB body took 24 seconds of database
-- time to save, and ts_headline re-parsed the same text at every search.
-- content/markdown.ts searchText now strips the tags in one pass and breaks
-- every run longer than 100 characters at its punctuation; ts_headline reads
-- `search_text` too (search.queries.ts). What is indexed is otherwise the same
-- text as before: title (A), excerpt (B), body text (C), 'english'.
--
-- The old vector is dropped first, so the backfill does not recompute it for
-- every row. The backfill follows searchText's rules in SQL, once, for the rows
-- saved before this migration; every later save writes the column from the
-- application. The index is dropped with the column and made again.
alter table posts drop column search_vector;
drop function strip_html_tags(text);

alter table posts add column search_text text not null default '';

create function search_text_backfill(html text) returns text
language sql immutable strict
return (
  select coalesce(string_agg(w.word, ' ' order by r.run_no, w.word_no), '')
  from regexp_split_to_table(
      regexp_replace(regexp_replace(regexp_replace(html,
        '</?(a|em|strong|s|del|code|sup|sub)(\s[^>]*)?>', '', 'g'),
        '<[^>]*>', ' ', 'g'),
        '[\x01-\x1f\x7f]', ' ', 'g'),
      '[\t\n\v\f\r ]+') with ordinality as r(run, run_no),
    lateral regexp_split_to_table(
      case when length(r.run) > 100 then regexp_replace(r.run, '&(lt|gt|quot|#39|amp);|[!-/:-@[-`{-~]', ' ', 'g') else r.run end,
      '[\t\n\v\f\r ]+') with ordinality as w(word, word_no)
  where w.word <> ''
);

update posts set search_text = search_text_backfill(body_html) where body_html <> '';
drop function search_text_backfill(text);

alter table posts add column search_vector tsvector generated always as (
  setweight(to_tsvector('english'::regconfig, title), 'A')
  || setweight(to_tsvector('english'::regconfig, excerpt), 'B')
  || setweight(to_tsvector('english'::regconfig, search_text), 'C')
) stored;

create index posts_search_vector_idx on posts using gin (search_vector) where status = 'published';
