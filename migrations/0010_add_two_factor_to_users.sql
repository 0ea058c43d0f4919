-- Optional TOTP two-factor sign-in (issue 3). `totp_secret` is set by setup and
-- only counts once `totp_enabled_at` is set (after a correct code). The last
-- accepted time step refuses a replayed code; recovery codes are stored as
-- SHA-256 hashes and each works once.
alter table users
  add column totp_secret text,
  add column totp_enabled_at timestamptz,
  add column totp_last_step bigint,
  add column totp_recovery_hashes text[] not null default '{}';
