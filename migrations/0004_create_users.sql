-- User accounts (issue 3). Email is unique without regard to case; the password is
-- an argon2id hash (PHC string). Roles are a fixed set checked here and in
-- src/features/users/roles.ts; deny by default.
create table users (
  id bigint generated always as identity primary key,
  email text not null check (length(email) between 3 and 254),
  name text not null check (length(name) between 1 and 100),
  password_hash text not null,
  role text not null default 'member' check (role in ('admin', 'editor', 'author', 'member')),
  email_verified_at timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index users_email_key on users (lower(email));
