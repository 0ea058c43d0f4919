-- Posts and pages (issue 4, part 1), one table with a `type`, so that lists,
-- revisions, redirects and scheduled publishing work alike for both. The slug is
-- unique per type. `body_html` is the sanitised rendering of `body`, written at
-- save time so that reads never re-render (the same pair is kept with every
-- revision). `cover_media_id` has no foreign key yet: the media table comes with
-- the media part of issue 4.
create table posts (
  id bigint generated always as identity primary key,
  type text not null check (type in ('post', 'page')),
  title text not null check (length(title) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 200),
  body text not null default '' check (length(body) <= 200000),
  body_html text not null default '',
  excerpt text not null default '' check (length(excerpt) <= 1000),
  cover_media_id bigint,
  seo_title text not null default '' check (length(seo_title) <= 200),
  seo_description text not null default '' check (length(seo_description) <= 500),
  author_id bigint not null references users (id),
  status text not null default 'draft' check (status in ('draft', 'scheduled', 'published', 'archived')),
  publish_at timestamptz,
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status <> 'scheduled' or publish_at is not null)
);

create unique index posts_type_slug_key on posts (type, slug);
create index posts_type_status_id_idx on posts (type, status, id desc);
create index posts_author_id_idx on posts (author_id, id desc);
