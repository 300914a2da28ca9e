//! The device API: one person's caseload in an encrypted store on disk.
//! Every operation loads one case document, applies one typed operation,
//! and stores the document and its summary in one store transaction.

mod summary;

pub use summary::{CaseSummary, Due};

use std::path::Path;

use automerge::ActorId;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::deadlines::ResponseRules;
use crate::document::{CaseDoc, CaseOp, Conflict, DocError, Heads, NewCase, OpContext};
use crate::ids::random_id;
use crate::indicators::{compute, CaseFacts, Context, Dimension, Query, Table};
use crate::model::{Author, CaseFile, CaseStatus, Child, Notification, RiskLevel, Role};
use crate::reference::{AdminUnits, Population, ReferenceError, Template};
use crate::store::{Store, StoreConfig, StoreError};

const IDENTITY: &str = "identity";

#[derive(Debug, thiserror::Error)]
pub enum CaseloadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Document(#[from] DocError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error("the device identity stored with this caseload is damaged")]
    Identity,
}

/// Who uses this device, fixed at enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: String,
    pub role: Role,
    /// CUATM code of the user's district.
    pub district: String,
    /// This device's Automerge actor (hex), unique per device and user.
    actor: String,
    /// Per-device counter behind human-readable case numbers.
    next_case_number: u32,
}

impl Identity {
    pub fn new(user_id: impl Into<String>, role: Role, district: impl Into<String>) -> Identity {
        Identity {
            user_id: user_id.into(),
            role,
            district: district.into(),
            actor: random_id(),
            next_case_number: 1,
        }
    }
}

/// Filters for the caseload list; all given criteria must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub text: Option<String>,
    pub risk: Option<RiskLevel>,
    pub status: Option<CaseStatus>,
    pub overdue_only: bool,
}

/// A listing: readable summaries, and the ids of cases whose stored rows
/// failed their integrity check (shown to the user, never hidden).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub cases: Vec<CaseSummary>,
    pub unreadable: Vec<String>,
}

pub struct Caseload {
    pub(crate) store: Store,
    pub(crate) identity: Identity,
    pub(crate) actor: ActorId,
    author: Author,
    templates: Vec<Template>,
    rules: ResponseRules,
    units: AdminUnits,
    /// The case last written, kept loaded: a worker answers an assessment
    /// item after item on the same case, and loading a document costs more
    /// than changing it. Only ever holds what was stored successfully.
    open: Option<(String, CaseDoc)>,
}

impl Caseload {
    /// Creates an encrypted caseload in `dir` for one enrolled user.
    pub fn create(
        dir: &Path,
        pin: &str,
        platform_secret: Option<&[u8]>,
        config: StoreConfig,
        identity: Identity,
    ) -> Result<Caseload, CaseloadError> {
        let mut store = Store::create(dir, pin, platform_secret, config)?;
        store.put_setting(IDENTITY, &encode(&identity)?)?;
        Caseload::with_store(store, identity)
    }

    /// A caseload over [`Store::create_with_null_cipher_for_benchmarks_only`]
    /// (records copied, not encrypted), to measure what encryption costs.
    /// It has no PIN and cannot be reopened. Exists only with the
    /// `bench-null-cipher` feature.
    #[cfg(feature = "bench-null-cipher")]
    #[doc(hidden)]
    pub fn create_with_null_cipher_for_benchmarks_only(
        dir: &Path,
        config: StoreConfig,
        identity: Identity,
    ) -> Result<Caseload, CaseloadError> {
        let mut store = Store::create_with_null_cipher_for_benchmarks_only(dir, config)?;
        store.put_setting(IDENTITY, &encode(&identity)?)?;
        Caseload::with_store(store, identity)
    }

    /// Opens and unlocks the caseload in `dir`.
    pub fn open(
        dir: &Path,
        pin: &str,
        platform_secret: Option<&[u8]>,
    ) -> Result<Caseload, CaseloadError> {
        let mut store = Store::open(dir)?;
        store.unlock(pin, platform_secret)?;
        let bytes = store
            .get_setting(IDENTITY)?
            .ok_or(CaseloadError::Identity)?;
        let identity = serde_json::from_slice(&bytes).map_err(|_| CaseloadError::Identity)?;
        Caseload::with_store(store, identity)
    }

    fn with_store(store: Store, identity: Identity) -> Result<Caseload, CaseloadError> {
        let actor_bytes = hex_decode(&identity.actor).ok_or(CaseloadError::Identity)?;
        Ok(Caseload {
            store,
            actor: ActorId::from(actor_bytes),
            author: Author {
                user_id: identity.user_id.clone(),
                role: identity.role,
            },
            identity,
            templates: vec![Template::v1()?],
            rules: ResponseRules::default_rules()?,
            units: AdminUnits::bundled()?,
            open: None,
        })
    }

    /// Destroys the store: the wrapped key is shredded, then the files go.
    pub fn wipe(self) -> Result<(), CaseloadError> {
        Ok(self.store.wipe()?)
    }

    /// Drops the keys from memory; the caseload must be opened again.
    pub fn lock(mut self) {
        self.store.lock();
    }

    pub fn change_pin(
        &mut self,
        old: &str,
        new: &str,
        platform_secret: Option<&[u8]>,
    ) -> Result<(), CaseloadError> {
        Ok(self.store.change_pin(old, new, platform_secret)?)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// Opens a case from a notification.
    pub fn create_case(
        &mut self,
        child: Child,
        notification: Notification,
    ) -> Result<CaseFile, CaseloadError> {
        self.create_case_at(child, notification, Utc::now())
    }

    pub fn create_case_at(
        &mut self,
        child: Child,
        notification: Notification,
        now: DateTime<Utc>,
    ) -> Result<CaseFile, CaseloadError> {
        let mut identity = self.identity.clone();
        let new = NewCase {
            id: random_id(),
            case_number: format!(
                "{}-{}-{}.{}",
                self.identity.district,
                now.year(),
                &self.identity.actor[..4],
                identity.next_case_number
            ),
            district: self.identity.district.clone(),
            child,
            notification,
        };
        identity.next_case_number += 1;
        let doc = CaseDoc::create(&new, &self.context(now))?;
        self.store.put_setting(IDENTITY, &encode(&identity)?)?;
        self.identity = identity;
        self.save(&new.id, doc, now)
    }

    /// Applies one typed operation to a case and stores it.
    pub fn apply(&mut self, case_id: &str, op: &CaseOp) -> Result<CaseFile, CaseloadError> {
        self.apply_at(case_id, op, Utc::now())
    }

    pub fn apply_at(
        &mut self,
        case_id: &str,
        op: &CaseOp,
        now: DateTime<Utc>,
    ) -> Result<CaseFile, CaseloadError> {
        let mut doc = self.take(case_id)?;
        doc.apply(op, &self.context(now))?;
        self.save(case_id, doc, now)
    }

    pub fn case(&self, case_id: &str) -> Result<CaseFile, CaseloadError> {
        self.read(case_id, |doc| Ok(doc.view()?))
    }

    /// What is due on `case` (first visit, referral acknowledgements) by
    /// this device's response rules; the same list its summary carries.
    pub fn due(&self, case: &CaseFile) -> Vec<Due> {
        summary::pending(case, &self.rules)
    }

    pub fn conflicts(&self, case_id: &str) -> Result<Vec<Conflict>, CaseloadError> {
        self.read(case_id, |doc| Ok(doc.conflicts()?))
    }

    /// The indicators over this device's own cases (a worker's caseload),
    /// by the same engine the server runs over its stored facts. Exact:
    /// nothing here leaves the device. Opens every case, which suits a
    /// worker's caseload (hundreds), not a district's.
    pub fn indicators(
        &self,
        query: &Query,
        dimensions: &[Dimension],
    ) -> Result<Vec<Table>, CaseloadError> {
        let population = Population::bundled()?;
        let facts = self
            .store
            .case_ids()?
            .iter()
            .map(|id| Ok(CaseFacts::of(&self.case(id)?, &self.units)))
            .collect::<Result<Vec<_>, CaseloadError>>()?;
        let context = Context {
            rules: &self.rules,
            population: &population,
        };
        Ok(compute(&facts, query, &context, dimensions))
    }

    /// Lists the caseload from the encrypted summaries alone.
    pub fn list(&self, filter: &CaseFilter, now: DateTime<Utc>) -> Result<Listing, CaseloadError> {
        let mut listing = Listing::default();
        for (id, row) in self.store.summaries()? {
            let summary: Option<CaseSummary> = row
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            match summary {
                None => listing.unreadable.push(id),
                Some(s) if keep(&s, filter, now) => listing.cases.push(s),
                Some(_) => {}
            }
        }
        listing.cases.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(listing)
    }

    // --- for sync ---

    /// The store-wide sequence number of the latest local write.
    pub fn current_seq(&self) -> Result<u64, CaseloadError> {
        Ok(self.store.current_seq()?)
    }

    /// Cases written (locally or by sync) after sequence number `seq`.
    pub fn changed_since(&self, seq: u64) -> Result<Vec<(String, u64)>, CaseloadError> {
        Ok(self.store.changed_since(seq)?)
    }

    pub fn heads(&self, case_id: &str) -> Result<Heads, CaseloadError> {
        self.read(case_id, |doc| Ok(doc.heads()))
    }

    /// Compressed changes of a case that a replica at `since` lacks.
    pub fn changes_since(&self, case_id: &str, since: &Heads) -> Result<Vec<u8>, CaseloadError> {
        self.read(case_id, |doc| Ok(doc.changes_since(since)))
    }

    /// Merges changes received from elsewhere; a case this device has not
    /// seen yet is created from them. Idempotent.
    pub fn apply_changes(
        &mut self,
        case_id: &str,
        changes: &[u8],
    ) -> Result<CaseFile, CaseloadError> {
        let doc = match self.take(case_id) {
            Ok(mut doc) => {
                doc.apply_changes(changes)?;
                doc
            }
            Err(CaseloadError::Store(StoreError::NotFound)) => CaseDoc::load(changes, &self.actor)?,
            Err(e) => return Err(e),
        };
        self.save(case_id, doc, Utc::now())
    }

    fn context(&self, now: DateTime<Utc>) -> OpContext<'_> {
        OpContext {
            actor: &self.actor,
            author: &self.author,
            now,
            templates: &self.templates,
        }
    }

    /// Reads a case from the open document or, failing that, the store.
    fn read<T>(
        &self,
        case_id: &str,
        f: impl FnOnce(&CaseDoc) -> Result<T, CaseloadError>,
    ) -> Result<T, CaseloadError> {
        match &self.open {
            Some((id, doc)) if id == case_id => f(doc),
            _ => f(&self.load(case_id)?),
        }
    }

    /// The document to change: the open one, or loaded from the store.
    fn take(&mut self, case_id: &str) -> Result<CaseDoc, CaseloadError> {
        match self.open.take() {
            Some((id, doc)) if id == case_id => Ok(doc),
            _ => self.load(case_id),
        }
    }

    fn load(&self, case_id: &str) -> Result<CaseDoc, CaseloadError> {
        let bytes = self.store.get_doc(case_id)?;
        Ok(CaseDoc::load(&bytes, &self.actor)?)
    }

    /// Stores a changed document with its summary; it stays open only once stored.
    fn save(
        &mut self,
        case_id: &str,
        doc: CaseDoc,
        now: DateTime<Utc>,
    ) -> Result<CaseFile, CaseloadError> {
        let view = doc.view()?;
        let conflicts = doc.conflicts()?.len();
        let summary = CaseSummary::build(&view, conflicts, &self.rules, &self.units, now);
        self.store
            .put_case(case_id, &doc.save(), &encode(&summary)?)?;
        self.open = Some((case_id.to_string(), doc));
        Ok(view)
    }

    /// Drops the open document (after the store changed underneath it).
    pub(crate) fn close_open_case(&mut self) {
        self.open = None;
    }
}

fn keep(summary: &CaseSummary, filter: &CaseFilter, now: DateTime<Utc>) -> bool {
    filter.risk.is_none_or(|r| summary.risk == Some(r))
        && filter.status.as_ref().is_none_or(|s| &summary.status == s)
        && (!filter.overdue_only || summary.is_overdue(now))
        && filter
            .text
            .as_deref()
            .is_none_or(|q| summary.matches_text(q))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CaseloadError> {
    serde_json::to_vec(value).map_err(|_| DocError::Encoding("summary").into())
}

fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}
