//! The append-only audit log: who did what, from which device, when.
//!
//! Each row's hash is `sha256(prev_hash || canonical text of the row)`, the
//! first row chaining from 32 zero bytes. Changing, inserting or removing a
//! row anywhere but at the very end breaks every later hash; an operator who
//! records the head hash (printed by `admin verify-audit`) elsewhere also
//! detects a truncated tail. Rows carry ids and counts, never case content.

use ring::digest::{Context, SHA256};

/// What the chain of an empty log starts from.
pub const GENESIS: [u8; 32] = [0; 32];

/// The kinds of audited actions; their names are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    CreateUser,
    IssueCode,
    Enroll,
    RevokeDevice,
    /// Written before a session's pushes are applied (so no applied push
    /// lacks a row, whatever happens next): the cases the device sends.
    SyncPush,
    /// Written once a session's answer is ready: what was taken, refused,
    /// and which cases the device receives (a read of those files).
    Sync,
    /// Dashboard: a password set, a sign-in, a sign-out (failed sign-ins
    /// too, so guessing shows in the log).
    SetPassword,
    SignIn,
    SignInFailed,
    /// A sign-in refused unchecked because the account had too many
    /// recent failures (`web::pages::login`); not itself a failure, so a
    /// refused attempt does not extend the refusal.
    SignInThrottled,
    SignOut,
    /// An indicator export: format, period, districts, who.
    Export,
    /// A conflict resolved from the dashboard.
    Resolve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateUser => "create_user",
            Action::IssueCode => "issue_code",
            Action::Enroll => "enroll",
            Action::RevokeDevice => "revoke_device",
            Action::SyncPush => "sync_push",
            Action::Sync => "sync",
            Action::SetPassword => "set_password",
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignInThrottled => "sign_in_throttled",
            Action::SignOut => "sign_out",
            Action::Export => "export",
            Action::Resolve => "resolve",
        }
    }
}

/// A row to append; the storage numbers and chains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub user_id: String,
    pub device_id: String,
    pub action: Action,
    /// Ids and counts only.
    pub subject: String,
}

/// A stored row, as read back for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: u64,
    pub at: i64,
    pub user_id: String,
    pub device_id: String,
    pub action: String,
    pub subject: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    pub rows: u64,
    /// Hash of the last row (GENESIS for an empty log).
    pub head: [u8; 32],
    /// Sequence number of the first row that does not chain, if any.
    pub first_broken: Option<u64>,
}

/// The unambiguous text a row's hash covers: a JSON array, so no choice of
/// separators inside a field can make two different rows hash alike.
pub fn canonical_text(
    seq: u64,
    at: i64,
    user_id: &str,
    device_id: &str,
    action: &str,
    subject: &str,
) -> String {
    serde_json::Value::Array(vec![
        seq.into(),
        at.into(),
        user_id.into(),
        device_id.into(),
        action.into(),
        subject.into(),
    ])
    .to_string()
}

pub fn chain_hash(prev: &[u8], canonical: &str) -> [u8; 32] {
    let mut context = Context::new(&SHA256);
    context.update(prev);
    context.update(canonical.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(context.finish().as_ref());
    out
}

/// The row that follows a chain whose last row is `last_seq` with hash
/// `prev` (0 and [`GENESIS`] for an empty log): its number and hash.
pub fn next_link(last_seq: u64, prev: &[u8], entry: &AuditEntry) -> (u64, [u8; 32]) {
    let seq = last_seq + 1;
    let text = canonical_text(
        seq,
        entry.at,
        &entry.user_id,
        &entry.device_id,
        entry.action.as_str(),
        &entry.subject,
    );
    (seq, chain_hash(prev, &text))
}

/// Walks rows in sequence order and reports the first that does not chain:
/// a gap in the numbering, a `prev_hash` that is not the previous row's
/// hash, or a hash that does not match the row's content.
#[derive(Debug)]
pub struct ChainVerifier {
    rows: u64,
    expected_seq: u64,
    prev: [u8; 32],
    first_broken: Option<u64>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            rows: 0,
            expected_seq: 1,
            prev: GENESIS,
            first_broken: None,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, row: &AuditRow) {
        self.rows += 1;
        let text = canonical_text(
            row.seq,
            row.at,
            &row.user_id,
            &row.device_id,
            &row.action,
            &row.subject,
        );
        let recomputed = chain_hash(&self.prev, &text);
        let intact = row.seq == self.expected_seq
            && row.prev_hash == self.prev
            && row.hash.as_slice() == recomputed;
        if !intact && self.first_broken.is_none() {
            self.first_broken = Some(row.seq);
        }
        // Continue from what is stored, so one damaged row is reported once
        // and not as a cascade.
        self.expected_seq = row.seq + 1;
        self.prev = row.hash.as_slice().try_into().unwrap_or(recomputed);
    }

    pub fn finish(self) -> AuditCheck {
        AuditCheck {
            rows: self.rows,
            head: self.prev,
            first_broken: self.first_broken,
        }
    }
}

/// Lowercase hex, for printing hashes.
pub fn hex(bytes: &[u8]) -> String {
    ocrotire_core::ids::hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: u64, prev: [u8; 32], subject: &str) -> AuditRow {
        let text = canonical_text(seq, 10, "u", "d", "sync", subject);
        let hash = chain_hash(&prev, &text);
        AuditRow {
            seq,
            at: 10,
            user_id: "u".into(),
            device_id: "d".into(),
            action: "sync".into(),
            subject: subject.into(),
            prev_hash: prev.to_vec(),
            hash: hash.to_vec(),
        }
    }

    #[test]
    fn intact_chain_verifies_and_tampering_is_located() {
        let first = row(1, GENESIS, "a");
        let second = row(2, first.hash.clone().try_into().unwrap(), "b");
        let third = row(3, second.hash.clone().try_into().unwrap(), "c");
        let mut verifier = ChainVerifier::default();
        for r in [&first, &second, &third] {
            verifier.push(r);
        }
        let check = verifier.finish();
        assert_eq!(check.first_broken, None);
        assert_eq!(check.rows, 3);

        let mut tampered = second.clone();
        tampered.subject = "B".into();
        let mut verifier = ChainVerifier::default();
        for r in [&first, &tampered, &third] {
            verifier.push(r);
        }
        assert_eq!(verifier.finish().first_broken, Some(2));

        let mut verifier = ChainVerifier::default();
        for r in [&first, &third] {
            verifier.push(r);
        }
        assert_eq!(
            verifier.finish().first_broken,
            Some(3),
            "a removed row breaks the chain"
        );
    }

    #[test]
    fn separators_inside_fields_cannot_collide() {
        assert_ne!(
            canonical_text(1, 1, "a\",\"b", "c", "x", "y"),
            canonical_text(1, 1, "a", "b\",\"c", "x", "y")
        );
    }
}
