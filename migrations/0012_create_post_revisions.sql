-- Revisions of posts and pages (issue 4, part 1): every save keeps a full copy,
-- with its rendered HTML, so that any revision can be shown or restored without
-- re-rendering. `number` counts per post from 1.
create table post_revisions (
  id bigint generated always as identity primary key,
  post_id bigint not null references posts (id) on delete cascade,
  number integer not null,
  title text not null,
  slug text not null,
  body text not null,
  body_html text not null,
  excerpt text not null,
  seo_title text not null,
  seo_description text not null,
  cover_media_id bigint,
  created_by bigint references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (post_id, number)
);
