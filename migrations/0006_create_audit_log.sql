-- Security events (issue 3): who did what to which account, from where.
-- Append-only from the application's side.
create table audit_log (
  id bigint generated always as identity primary key,
  event text not null,
  user_id bigint references users (id) on delete set null,
  actor_id bigint references users (id) on delete set null,
  ip text,
  user_agent text,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create index audit_log_created_at_idx on audit_log (created_at desc, id desc);
create index audit_log_user_id_idx on audit_log (user_id, created_at desc);
