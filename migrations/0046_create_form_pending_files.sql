-- Uploaded bytes not yet owned by a submission (issue 12; decision 0021). A form
-- file's bytes are written to the private store before the submission's
-- transaction; a row here, committed first, says they are in flight. The
-- transaction deletes it with the submission's file rows; when the transaction
-- fails, the submission removes the bytes and the row; when the process dies in
-- between, the retention job finds the row later and removes the bytes no
-- submission keeps. A row also keeps the bytes from another submission's clean-up
-- while it is in flight (the store is content-addressed: two uploads may share them).
create table form_pending_files (
  id bigint generated always as identity primary key,
  sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
  extension text not null check (extension ~ '^[a-z0-9]{1,5}$'),
  created_at timestamptz not null
);

create index form_pending_files_sha256_idx on form_pending_files (sha256);
create index form_pending_files_created_idx on form_pending_files (created_at);

-- A form may ask the browser for a proof of work (ALTCHA; decision 0021): off by
-- default, and a definition's version keeps it with the rest of the settings.
alter table forms add column proof_of_work boolean not null default false;
