-- Forms (issue 12, items 1-5; decision 0021). A form's definition (its fields and
-- settings) lives in `forms`; every change writes the whole definition again as a
-- new row of `form_versions`, and each submission records the version it was
-- validated against, so an old submission still reads right after a field is
-- renamed or removed.
create table forms (
  id bigint generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 100),
  name text not null check (length(name) between 1 and 200),
  version integer not null default 1 check (version > 0),
  fields jsonb not null,
  success_message text not null default '' check (length(success_message) <= 2000),
  redirect_path text check (length(redirect_path) <= 500),
  notify_emails jsonb not null default '[]',
  status text not null default 'open' check (status in ('open', 'closed')),
  -- null: keep submissions until deleted
  retention_days integer check (retention_days between 1 and 36500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table form_versions (
  form_id bigint not null references forms (id) on delete cascade,
  version integer not null,
  definition jsonb not null,
  created_at timestamptz not null default now(),
  primary key (form_id, version)
);

-- One row per submission, spam included (status `spam` with its reason), so an
-- owner can see what the defences caught and rescue a real message.
-- `search_text` is the submitted values as one text (written by the app), for
-- the admin's full-text search; `data` is the values by field name.
create table form_submissions (
  id bigint generated always as identity primary key,
  form_id bigint not null references forms (id) on delete cascade,
  form_version integer not null,
  data jsonb not null,
  status text not null default 'new' check (status in ('new', 'read', 'spam', 'archived')),
  spam_reason text,
  ip text,
  user_agent text check (length(user_agent) <= 500),
  search_text text not null default '',
  search tsvector generated always as (to_tsvector('simple', search_text)) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The admin's list (newest first, per form and per status) and the CSV export.
create index form_submissions_form_created_idx on form_submissions (form_id, created_at desc, id desc);
create index form_submissions_search_idx on form_submissions using gin (search);
-- The retention job deletes by age.
create index form_submissions_created_idx on form_submissions (created_at);

-- Uploaded files of a submission. The bytes live in the PRIVATE store
-- (DATA_DIR/private, never served under a public URL), content-addressed like
-- media; type and extension come from the bytes.
create table form_submission_files (
  id bigint generated always as identity primary key,
  submission_id bigint not null references form_submissions (id) on delete cascade,
  field text not null,
  original_name text not null default '' check (length(original_name) <= 255),
  sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
  extension text not null check (extension ~ '^[a-z0-9]{1,5}$'),
  mime_type text not null,
  size_bytes bigint not null check (size_bytes > 0),
  created_at timestamptz not null default now()
);

create index form_submission_files_submission_idx on form_submission_files (submission_id);
create index form_submission_files_sha256_idx on form_submission_files (sha256);

-- The render tokens already used (a replayed token is spam). Kept until the token
-- would have expired anyway; the retention job deletes older rows.
create table form_token_uses (
  nonce text primary key check (length(nonce) <= 64),
  expires_at timestamptz not null
);

create index form_token_uses_expires_idx on form_token_uses (expires_at);
