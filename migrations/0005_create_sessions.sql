-- Server-side sessions (issue 3, STYLE §7). The cookie holds a random 256-bit
-- token; only its SHA-256 is stored, so a leaked table cannot be replayed.
-- Each session has its own CSRF token (synchronizer pattern), an idle expiry
-- (last_seen_at, written at most hourly) and an absolute expiry.
create table sessions (
  token_hash text primary key,
  user_id bigint not null references users (id) on delete cascade,
  csrf_token text not null,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create index sessions_user_id_idx on sessions (user_id);
