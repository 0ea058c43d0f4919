-- Durable background jobs (issue 3, decision 0006). A job is enqueued inside the
-- caller's transaction, so it exists exactly when the caller's write committed.
-- Workers on any number of instances claim the next runnable job with
-- FOR UPDATE SKIP LOCKED; a job stays here after it is done or dead, for the
-- admin's job page and for inspection.
--
-- status: queued  → waiting for its first run (at run_at)
--         running → claimed by locked_by at locked_at (a lease; renewed while it runs)
--         done    → finished
--         failed  → failed, will be retried at run_at
--         dead    → failed max_attempts times (or cannot run at all); kept, never retried
create table jobs (
  id bigint generated always as identity primary key,
  queue text not null default 'default',
  name text not null,
  payload jsonb not null default '{}',
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'dead')),
  attempts integer not null default 0 check (attempts >= 0),
  max_attempts integer not null default 5 check (max_attempts between 1 and 100),
  run_at timestamptz not null default now(),
  locked_at timestamptz,
  locked_by text,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);

-- "The next runnable job of a queue" is an index scan: only waiting jobs are in
-- this index, in the order the worker takes them.
create index jobs_runnable_idx on jobs (queue, run_at, id) where status in ('queued', 'failed');

-- Finding jobs whose worker died (lease expired) without scanning finished ones.
create index jobs_running_idx on jobs (locked_at) where status = 'running';
