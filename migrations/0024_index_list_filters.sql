-- Issue 8, item 5 (decision 0013): the lists' filters by author and by status,
-- in the order the lists now read (publication or creation time, then id).
-- Measured on 50,000 posts: an author's list read 743 index rows to find 21
-- (0.2-0.75 ms), and a list of scheduled posts 2,862 (0.9 ms), walking the date
-- index and filtering; with these, 21 rows each (0.1 ms). The author index
-- replaces posts_author_id_idx (author_id, id desc), whose order no list uses
-- any more; it keeps author_id first for the users foreign key's checks.
-- posts_type_status_id_idx stays: the site's page navigation reads it in id order.
create index posts_author_date_idx on posts (author_id, type, (coalesce(published_at, created_at)) desc, id desc);
create index posts_type_status_date_idx on posts (type, status, (coalesce(published_at, created_at)) desc, id desc);
drop index posts_author_id_idx;
