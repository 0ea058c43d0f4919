-- Single-use, expiring tokens (issue 3): the first-administrator setup link,
-- password reset and email verification. Stored as SHA-256 only; `used_at` makes
-- each usable once.
create table one_time_tokens (
  id bigint generated always as identity primary key,
  purpose text not null check (purpose in ('setup', 'password_reset', 'verify_email')),
  user_id bigint references users (id) on delete cascade,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);

create index one_time_tokens_user_idx on one_time_tokens (user_id, purpose);
