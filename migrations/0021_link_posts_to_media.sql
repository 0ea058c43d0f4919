-- Issue 4, part 6 (public site). The cover of a post now points at the media
-- library, which exists since 0020: deleting an image clears the covers that
-- used it. Covers that point nowhere (set before this key existed) are cleared
-- first so that the key can be added. Revisions keep their cover id without a
-- key: history may name an image deleted since, and a restore drops it then.
update posts set cover_media_id = null
where cover_media_id is not null and not exists (select 1 from media m where m.id = posts.cover_media_id);

alter table posts
  add constraint posts_cover_media_id_fkey foreign key (cover_media_id) references media (id) on delete set null;
create index posts_cover_media_id_idx on posts (cover_media_id) where cover_media_id is not null;

-- The public site lists published content newest first by publication time
-- (home, /blog, feeds); this partial index serves those pages in order.
create index posts_published_idx on posts (type, published_at desc, id desc) where status = 'published';
