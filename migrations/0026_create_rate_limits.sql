-- The general API rate limit's counters (issue 9, item 3; decision 0015), one
-- row per client and window, shared by every instance when Redis is not
-- configured. A row's window restarts when a request comes after it ended;
-- rows of ended windows are pruned by the store now and then.
create table rate_limits (
  key text primary key,
  hits integer not null,
  window_ends_at timestamptz not null
);

create index rate_limits_window_ends_at_idx on rate_limits (window_ends_at);
