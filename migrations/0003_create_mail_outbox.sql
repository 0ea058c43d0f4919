-- Every outgoing mail, one row per message (issue 3, decision 0006): `sent` went
-- out over SMTP, `kept` was not sent because no SMTP_URL is configured (so
-- development needs no mail server), `failed` was refused or could not be
-- delivered on its last attempt (the `mail.send` job retries it). The admin shows
-- this table as "outgoing mail". `to_address`, because `to` is an SQL keyword.
create table mail_outbox (
  id bigint generated always as identity primary key,
  -- The job that renders and sends the message; its retries update this row.
  job_id bigint not null unique,
  to_address text not null,
  subject text not null,
  text text not null,
  html text not null,
  status text not null check (status in ('sent', 'kept', 'failed')),
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz
);

create index mail_outbox_created_at_idx on mail_outbox (created_at desc, id desc);
