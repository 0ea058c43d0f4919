-- Failed-login counters per account and per IP (issue 3), kept in the database so
-- that every instance sees the same counts. A row is reset by a successful login
-- or when its window has passed.
create table login_throttle (
  key text primary key,
  failures integer not null default 0,
  window_started_at timestamptz not null default now(),
  locked_until timestamptz
);
