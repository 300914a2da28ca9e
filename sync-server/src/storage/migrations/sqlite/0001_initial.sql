-- Ocrotire server schema, version 1 (SQLite).
-- Times are Unix milliseconds; sequence numbers are the global change order.

CREATE TABLE users (
    user_id    TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    district   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_district ON users (district, role);

-- One-time enrollment codes, stored only as SHA-256 of the normalised code.
CREATE TABLE enrollment_codes (
    code_hash  BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    device_id  TEXT
);

CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id),
    public_key  BLOB NOT NULL,
    actor       BLOB NOT NULL UNIQUE,
    enrolled_at INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX devices_user ON devices (user_id);

-- The server's copy of each case and its projection, written together.
CREATE TABLE documents (
    case_id        TEXT PRIMARY KEY,
    doc            BLOB NOT NULL,
    district       TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    assigned_to    TEXT NOT NULL,   -- JSON array of user ids, latest last
    status         TEXT NOT NULL,
    risk           TEXT,
    identified_at  INTEGER NOT NULL,
    registered     INTEGER NOT NULL,
    assessed       INTEGER NOT NULL,
    referred       INTEGER NOT NULL,
    sex            TEXT NOT NULL,
    locality       TEXT NOT NULL,
    open_conflicts INTEGER NOT NULL,
    updated_seq    INTEGER NOT NULL
);
CREATE INDEX documents_district ON documents (district);
CREATE INDEX documents_creator ON documents (created_by, updated_seq);

-- Every accepted change, numbered in commit order.
CREATE TABLE changes (
    seq           INTEGER PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES documents (case_id),
    origin_device TEXT NOT NULL,
    hash          BLOB NOT NULL,
    bytes         BLOB NOT NULL,
    UNIQUE (case_id, hash)
);

-- The last sequence number handed out; bumped inside each write.
CREATE TABLE seq_counter (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO seq_counter (id, last_seq) VALUES (1, 0);

-- Latest time a case became visible to a user (it then travels whole) and
-- latest time it stopped being visible.
CREATE TABLE visibility (
    user_id   TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    since_seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, case_id)
);
CREATE INDEX visibility_since ON visibility (user_id, since_seq);

CREATE TABLE removals (
    user_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at_seq  INTEGER NOT NULL,
    PRIMARY KEY (user_id, case_id)
);
CREATE INDEX removals_at ON removals (user_id, at_seq);

-- Request nonces inside the clock window, for replay detection.
CREATE TABLE nonces (
    device_id TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    seen_at   INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_seen ON nonces (seen_at);

-- Append-only, hash-chained audit log (see src/audit.rs).
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
