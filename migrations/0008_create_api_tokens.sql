-- Personal API tokens (issue 3), sent as `Authorization: Bearer plinth_…`. Only the
-- SHA-256 of a token is stored; the token is shown once at creation. Scopes limit
-- what a token may do (read ⊂ write ⊂ admin); revoked or expired tokens stay for
-- the record.
create table api_tokens (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null unique,
  prefix text not null,
  scopes text[] not null check (scopes <@ array['read', 'write', 'admin'] and cardinality(scopes) > 0),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);

create index api_tokens_user_id_idx on api_tokens (user_id, id desc);
