-- The unread ("new") submissions, per form (issue 13: the admin's forms list shows
-- each form's count; the dashboard counts and lists them too). A partial index keeps
-- only the rows still new, so counting them reads that small index, not every
-- submission a form ever had (read, spam and archived ones are most of them).
create index form_submissions_new_idx on form_submissions (form_id, created_at desc, id desc) where status = 'new';
