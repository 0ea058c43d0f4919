-- The change feed (issue 8, part 4; decision 0011). Every write records the
-- records it changed as tags (`post:42`, `list:posts`, `user:5`, `site`…) in the
-- same transaction as the write, and `pg_notify('plinth_changes', id)` wakes
-- listeners. Readers (the full-page cache on every instance, webhooks, the
-- admin's live lists) keep the last id they saw and read the rows after it:
-- ids are handed out under a transaction-level advisory lock, so they commit
-- in order and a reader never skips one. Old rows are pruned by recordChanges.
create table changes (
  id bigint generated always as identity primary key,
  tags text[] not null check (cardinality(tags) > 0),
  created_at timestamptz not null default now()
);

-- "Changes after id N" reads the primary key; pruning by age reads this one.
create index changes_created_at_idx on changes (created_at);
