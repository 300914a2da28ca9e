//! One Automerge document per case: the only module that knows Automerge
//! paths. Everything outside sees [`CaseFile`] views, applies [`CaseOp`]s
//! and moves opaque change bytes for sync.
//!
//! Layout of a case document (root map):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `schema` | int | [`SCHEMA_VERSION`]; changes are additive |
//! | `meta` | map of scalars | id, case number, district, creation |
//! | `child`, `notification` | map of scalars | one key per serde field |
//! | `assessments`, `referrals`, `follow_ups` | map id → map | one record each |
//! | `assessments/<id>/answers` | map item → bool | answers merge item by item |
//! | `referrals/<id>/events` | list of JSON | append-only status events |
//! | `consents`, `notes`, `events`, `resolutions` | list of JSON | append-only |
//! | `actors` | map actor → JSON author | who wrote each change |

mod changes;
mod conflicts;
mod fields;
mod ops;
mod validate;
mod view;
mod written;

pub use changes::{ReceivedChanges, MAX_CHANGES};
pub use conflicts::{Conflict, ConflictKind, ConflictValue};
pub use ops::{CaseOp, NewCase, OpContext};

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc, ROOT};

use crate::model::CaseFile;

/// Bumped only for additive changes; older readers ignore unknown keys.
pub const SCHEMA_VERSION: i64 = 1;

/// Bounds on what one document may hold, so a hostile or broken peer cannot
/// make a device load something it cannot handle.
pub const MAX_TEXT_CHARS: usize = 4_000;
pub const MAX_RECORDS: usize = 2_000;
pub const MAX_CHANGE_BYTES: usize = 8 * 1024 * 1024;

pub(crate) mod keys {
    pub const SCHEMA: &str = "schema";
    pub const META: &str = "meta";
    pub const CHILD: &str = "child";
    pub const NOTIFICATION: &str = "notification";
    pub const ASSESSMENTS: &str = "assessments";
    pub const ANSWERS: &str = "answers";
    pub const REFERRALS: &str = "referrals";
    pub const REFERRAL_EVENTS: &str = "events";
    pub const PACKET: &str = "packet";
    pub const FOLLOW_UPS: &str = "follow_ups";
    pub const CONSENTS: &str = "consents";
    pub const NOTES: &str = "notes";
    pub const EVENTS: &str = "events";
    pub const RESOLUTIONS: &str = "resolutions";
    pub const ACTORS: &str = "actors";
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("the case document is damaged: {0}")]
    Corrupt(&'static str),
    #[error("a value could not be encoded: {0}")]
    Encoding(&'static str),
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("no {kind} with that id in this case")]
    NotFound { kind: &'static str },
    #[error("a record with that id already exists")]
    Duplicate,
    #[error("the assessment is completed and can no longer change")]
    AssessmentCompleted,
    #[error("field {field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("the case already holds the maximum of {max} {kind}")]
    TooMany { kind: &'static str, max: usize },
    #[error("changes of {size} bytes exceed the limit of {max}")]
    ChangesTooLarge { size: usize, max: usize },
    #[error("a {role} may not {action}")]
    NotPermitted {
        role: &'static str,
        action: &'static str,
    },
    #[error("the template {template_id} v{version} is not available on this device")]
    TemplateMissing { template_id: String, version: u32 },
    #[error("scoring: {0}")]
    Scoring(#[from] crate::scoring::ScoringError),
    #[error("the field {0} is not a field of this case")]
    UnknownField(String),
    #[error("there is no conflict on {0} to resolve")]
    NoConflict(String),
}

/// Runs an Automerge call on bytes from outside. Automerge 0.12 can panic
/// on a change chunk with a valid checksum whose contents do not fit
/// together (fuzzing found `unwrap`s on an invalid actor index while
/// applying one, and on an operation counter past `u32` while decoding
/// one): such bytes are refused as damaged instead of unwinding through a
/// sync session or across the FFI. Callers decode, load or apply into
/// values of their own (a fork), so nothing they keep is left half applied.
fn without_panic<T>(apply: impl FnOnce() -> T) -> Result<T, DocError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(apply))
        .map_err(|_| DocError::Corrupt("changes that cannot be applied"))
}

/// Opaque document heads: the set of latest changes a replica has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Heads(Vec<ChangeHash>);

impl Heads {
    /// Lowercase hex of each head, for storing and sending.
    pub fn to_hex(&self) -> Vec<String> {
        self.0.iter().map(|h| h.to_string()).collect()
    }

    pub fn to_bytes(&self) -> Vec<[u8; 32]> {
        self.0.iter().map(|h| h.0).collect()
    }

    pub fn from_bytes(bytes: &[[u8; 32]]) -> Heads {
        Heads(bytes.iter().map(|b| ChangeHash(*b)).collect())
    }

    pub fn from_hex<S: AsRef<str>>(hex: &[S]) -> Result<Heads, DocError> {
        hex.iter()
            .map(|h| h.as_ref().parse().map_err(|_| DocError::Corrupt("heads")))
            .collect::<Result<Vec<_>, _>>()
            .map(Heads)
    }
}

/// A case document held in memory by one device.
#[derive(Debug, Clone)]
pub struct CaseDoc {
    doc: Automerge,
}

impl CaseDoc {
    /// Creates the document of a new case, authored by `ctx`'s device.
    pub fn create(new: &NewCase, ctx: &OpContext<'_>) -> Result<CaseDoc, DocError> {
        let mut doc = Automerge::new().with_actor(ctx.actor.clone());
        ops::create(&mut doc, new, ctx)?;
        Ok(CaseDoc { doc })
    }

    /// Loads a saved document; later changes are authored by `actor`.
    pub fn load(bytes: &[u8], actor: &ActorId) -> Result<CaseDoc, DocError> {
        let doc = without_panic(|| Automerge::load(bytes))?
            .map_err(|_| DocError::Corrupt("undecodable document"))?;
        let doc = doc.with_actor(actor.clone());
        let schema = doc.get(ROOT, keys::SCHEMA)?;
        if schema.is_none() {
            return Err(DocError::Corrupt("not a case document"));
        }
        Ok(CaseDoc { doc })
    }

    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The whole document without Automerge's own column compression: what
    /// a server keeps and sends, because sync deflates whole answers across
    /// documents, which shares far more between them (docs/PERFORMANCE.md:
    /// less than half the bytes of compressed documents).
    pub fn save_uncompressed(&self) -> Vec<u8> {
        self.doc.save_nocompress()
    }

    pub fn heads(&self) -> Heads {
        Heads(self.doc.get_heads())
    }

    /// Compressed changes a replica that has seen `since` lacks.
    pub fn changes_since(&self, since: &Heads) -> Vec<u8> {
        self.doc.save_after(&since.0)
    }

    /// Merges changes made elsewhere. Applying the same changes twice is a
    /// no-op; changes whose dependencies are missing wait inside Automerge.
    /// Also takes a whole saved document (what a server sends for a case
    /// that just became visible to this device).
    pub fn apply_changes(&mut self, changes: &[u8]) -> Result<(), DocError> {
        if !changes::is_document(changes) {
            return self
                .apply_received(ReceivedChanges::decode(changes)?)
                .map(|_| ());
        }
        if changes.len() > MAX_CHANGE_BYTES {
            return Err(DocError::ChangesTooLarge {
                size: changes.len(),
                max: MAX_CHANGE_BYTES,
            });
        }
        let mut other = without_panic(|| Automerge::load(changes))?
            .map_err(|_| DocError::Corrupt("undecodable document"))?;
        let mut fork = self.doc.fork().with_actor(self.doc.get_actor().clone());
        without_panic(|| fork.merge(&mut other))??;
        self.doc = fork;
        Ok(())
    }

    /// Applies checked changes and returns the raw bytes of those that were
    /// new to this document (what a server numbers and passes on).
    pub fn apply_received(&mut self, received: ReceivedChanges) -> Result<Vec<Vec<u8>>, DocError> {
        let fresh: Vec<Vec<u8>> = received
            .changes
            .iter()
            .filter(|c| self.doc.get_change_by_hash(&c.hash()).is_none())
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        // Apply to a fork so a change Automerge rejects leaves the document
        // as it was.
        let mut fork = self.doc.fork().with_actor(self.doc.get_actor().clone());
        without_panic(|| fork.apply_changes(received.changes))??;
        // Automerge would queue a change whose dependencies are missing; a
        // peer that numbered or passed it on would then spread a hole.
        if !fork.get_missing_deps(&[]).is_empty() {
            return Err(DocError::Corrupt(
                "changes depend on changes this replica lacks",
            ));
        }
        self.doc = fork;
        Ok(fresh)
    }

    /// A document made only of received changes: a case new to this replica.
    pub fn from_received(
        received: ReceivedChanges,
        actor: &ActorId,
    ) -> Result<(CaseDoc, Vec<Vec<u8>>), DocError> {
        let mut doc = CaseDoc {
            doc: Automerge::new().with_actor(actor.clone()),
        };
        let fresh = doc.apply_received(received)?;
        if doc.doc.get(ROOT, keys::SCHEMA)?.is_none() {
            return Err(DocError::Corrupt("not a whole case document"));
        }
        Ok((doc, fresh))
    }

    /// Merges another replica of the same case.
    pub fn merge(&mut self, other: &CaseDoc) -> Result<(), DocError> {
        let mut other = other.doc.clone();
        self.doc.merge(&mut other)?;
        Ok(())
    }

    /// Applies one typed operation as one Automerge transaction.
    pub fn apply(&mut self, op: &CaseOp, ctx: &OpContext<'_>) -> Result<(), DocError> {
        if self.doc.get_actor() != ctx.actor {
            self.doc.set_actor(ctx.actor.clone());
        }
        ops::apply(&mut self.doc, op, ctx)
    }

    /// The typed view every other part of the code reads.
    pub fn view(&self) -> Result<CaseFile, DocError> {
        view::read(&self.doc)
    }

    /// Everything that needs a person's decision, in a stable order.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, DocError> {
        conflicts::list(&self.doc)
    }

    /// When each value of `conflict` was written, in the order of its
    /// values (`None` where the document cannot tell): what someone
    /// deciding away from the devices needs beside the authors.
    pub fn written_at(
        &self,
        conflict: &Conflict,
    ) -> Result<Vec<Option<chrono::DateTime<chrono::Utc>>>, DocError> {
        written::written_at(&self.doc, conflict)
    }
}
