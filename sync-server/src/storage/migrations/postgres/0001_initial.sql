-- Ocrotire server schema, version 1 (PostgreSQL). The same tables and
-- columns as the SQLite schema of the same version; what differs is how
-- several server instances writing at once are ordered (see the comments).
-- Times are Unix milliseconds; sequence numbers are the global change order.

CREATE TABLE users (
    user_id    TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    district   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_district ON users (district, role);

-- One-time enrollment codes, stored only as SHA-256 of the normalised code.
CREATE TABLE enrollment_codes (
    code_hash  BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (user_id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    device_id  TEXT
);

CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id),
    public_key  BYTEA NOT NULL,
    actor       BYTEA NOT NULL UNIQUE,
    enrolled_at BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX devices_user ON devices (user_id);

-- The server's copy of each case and its projection, written together.
-- A push locks its case with an advisory lock keyed by the case id (the row
-- may not exist yet), so two instances never decide on the same case at once.
CREATE TABLE documents (
    case_id        TEXT PRIMARY KEY,
    doc            BYTEA NOT NULL,
    district       TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    assigned_to    JSONB NOT NULL,  -- array of user ids, latest last
    status         TEXT NOT NULL,
    risk           TEXT,
    identified_at  BIGINT NOT NULL,
    registered     BOOLEAN NOT NULL,
    assessed       BOOLEAN NOT NULL,
    referred       BOOLEAN NOT NULL,
    sex            TEXT NOT NULL,
    locality       TEXT NOT NULL,
    open_conflicts BIGINT NOT NULL,
    updated_seq    BIGINT NOT NULL
);
CREATE INDEX documents_district ON documents (district);
CREATE INDEX documents_creator ON documents (created_by, updated_seq);

-- Every accepted change, numbered in commit order.
CREATE TABLE changes (
    seq           BIGINT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES documents (case_id),
    origin_device TEXT NOT NULL,
    hash          BYTEA NOT NULL,
    bytes         BYTEA NOT NULL,
    UNIQUE (case_id, hash)
);

-- The last sequence number handed out; bumped with UPDATE ... RETURNING
-- inside each write, which keeps the row locked until that write commits:
-- the next writer takes higher numbers only after it, so numbers become
-- visible in order and a cursor never skips one still to be committed.
CREATE TABLE seq_counter (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO seq_counter (id, last_seq) VALUES (1, 0);

-- Latest time a case became visible to a user (it then travels whole) and
-- latest time it stopped being visible.
CREATE TABLE visibility (
    user_id   TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    since_seq BIGINT NOT NULL,
    PRIMARY KEY (user_id, case_id)
);
CREATE INDEX visibility_since ON visibility (user_id, since_seq);

CREATE TABLE removals (
    user_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at_seq  BIGINT NOT NULL,
    PRIMARY KEY (user_id, case_id)
);
CREATE INDEX removals_at ON removals (user_id, at_seq);

-- Request nonces inside the clock window, for replay detection: the
-- primary key makes a nonce usable once across every instance.
CREATE TABLE nonces (
    device_id TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    seen_at   BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_seen ON nonces (seen_at);

-- Append-only, hash-chained audit log (see src/audit.rs).
CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);

-- The head of the chain: the last row's number and hash. An append locks
-- it (SELECT ... FOR UPDATE) for the rest of its transaction, so appends
-- from several instances form one chain.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
