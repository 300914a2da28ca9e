-- The district office (issue 6).
--
-- Each case's indicator facts (ocrotire_core's CaseFacts, postcard-encoded:
-- dates, categories and a pseudonym, never a name or free text) and its
-- case number, written with every push, so indicators and the caseload are
-- computed without opening documents. Cases stored before this step have
-- none until their next push and count nowhere until then.
ALTER TABLE documents ADD COLUMN facts BLOB;
ALTER TABLE documents ADD COLUMN case_number TEXT NOT NULL DEFAULT '';

-- Dashboard sign-in: a PBKDF2 hash per user who may sign in (none for
-- field workers, who only use devices), and sessions by the SHA-256 of
-- their token (a stolen database holds no usable token).
ALTER TABLE users ADD COLUMN password_hash BLOB;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
