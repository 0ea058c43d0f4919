-- Tags and categories of posts (issue 4, part 1). Two flat vocabularies with the
-- same shape, each joined to posts by its own table; the join tables are indexed
-- both ways so that "posts with tag X" and "tags of these posts" are index scans.
create table tags (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table categories (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table post_tags (
  post_id bigint not null references posts (id) on delete cascade,
  tag_id bigint not null references tags (id) on delete cascade,
  primary key (post_id, tag_id)
);
create index post_tags_tag_id_idx on post_tags (tag_id, post_id);

create table post_categories (
  post_id bigint not null references posts (id) on delete cascade,
  category_id bigint not null references categories (id) on delete cascade,
  primary key (post_id, category_id)
);
create index post_categories_category_id_idx on post_categories (category_id, post_id);
