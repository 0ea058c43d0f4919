-- Sessions get a public id (issue 13: "active sessions with revoke"). The
-- primary key is the SHA-256 of the cookie's token, which must never leave the
-- server; GET /api/v1/auth/sessions names each session by this id instead, and
-- DELETE /api/v1/auth/sessions/{id} revokes one. Existing rows are numbered.
alter table sessions add column id bigint generated always as identity;
alter table sessions add constraint sessions_id_key unique (id);
