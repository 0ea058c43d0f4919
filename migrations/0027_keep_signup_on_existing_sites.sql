-- Sign-up is now off unless the setting `signup_enabled` is true (issue 10,
-- item 6): a new site takes no sign-ups until an admin allows them with
-- PATCH /api/v1/settings. Before, an unset `signup_enabled` meant on. A site
-- that already has users keeps the behaviour it had: it gets an explicit true
-- when it has no value stored. A fresh database (no users yet) stays off.
insert into settings (key, value)
select 'signup_enabled', 'true'::jsonb
where exists (select 1 from users)
on conflict (key) do nothing;
