-- Site settings edited in the admin (STYLE §5: boot configuration stays in the
-- environment; what the site owner changes lives here). Issue 2 serves the public
-- part at GET /api/v1/site; issue 3 adds signup_enabled and the admin editor.
create table settings (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{0,63}$'),
  value jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

insert into settings (key, value) values
  ('site_title', '"My Plinth site"'),
  ('site_description', '"A new website built on Plinth."'),
  ('site_language', '"en"');
