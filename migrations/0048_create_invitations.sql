-- Invitations (issue 13: "invite by e-mail, a one-time link"). An administrator
-- invites an address with a role; the link's token is stored as SHA-256 only,
-- like every one-time token (0009), and works once, until expires_at. It has a
-- table of its own rather than a row of one_time_tokens: there is no user yet
-- (one_time_tokens.user_id names an existing account), and the pending list shows
-- the address, the role and who invited. A revoked invitation is deleted (the
-- audit log keeps the event); an accepted one keeps accepted_at and the account.
create table invitations (
  id bigint generated always as identity primary key,
  email text not null check (length(email) between 3 and 254),
  role text not null check (role in ('admin', 'editor', 'author', 'member')),
  token_hash text not null unique,
  invited_by bigint references users (id) on delete set null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id bigint references users (id) on delete set null,
  created_at timestamptz not null default now()
);

-- The pending list (newest first) and "is this address already invited" read only pending rows.
create index invitations_pending_idx on invitations (id desc) where accepted_at is null;
create index invitations_pending_email_idx on invitations (lower(email)) where accepted_at is null;
