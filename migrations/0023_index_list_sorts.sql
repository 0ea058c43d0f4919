-- Issue 8, item 5 (decision 0012): every order a list offers is served by an
-- index that holds it, so a page is a range read of an index whatever the sort,
-- and the next page starts from the cursor's (key, id) without counting rows.
--
-- Lists of published content order by published_at (posts_published_idx, 0021);
-- lists that may hold drafts by coalesce(published_at, created_at), which is the
-- same value for published rows. That needs a published row to have a
-- publication time, which publishing always sets; the check says so.
update posts set published_at = coalesce(publish_at, updated_at) where status = 'published' and published_at is null;
alter table posts add constraint posts_published_at_check check (status <> 'published' or published_at is not null);

create index posts_type_date_idx on posts (type, (coalesce(published_at, created_at)) desc, id desc);
create index posts_type_updated_idx on posts (type, updated_at desc, id desc);
create index posts_type_title_idx on posts (type, title, id);
create index tags_name_idx on tags (name, id);
create index categories_name_idx on categories (name, id);
