-- 301 redirects left behind when the slug of published content changes (issue 4,
-- part 1). Paths are the public site's (`/blog/{slug}` for posts, `/{slug}` for
-- pages); the public site asks for a path it did not find.
create table redirects (
  id bigint generated always as identity primary key,
  from_path text not null unique,
  to_path text not null,
  post_id bigint references posts (id) on delete cascade,
  created_at timestamptz not null default now()
);

create index redirects_post_id_idx on redirects (post_id);
