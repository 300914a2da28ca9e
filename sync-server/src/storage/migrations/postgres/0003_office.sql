-- The district office (issue 6); see the SQLite step of the same number.
ALTER TABLE documents
    ADD COLUMN facts BYTEA,
    ADD COLUMN case_number TEXT NOT NULL DEFAULT '';

ALTER TABLE users ADD COLUMN password_hash BYTEA;

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
