//! How one pull page is assembled, the same for every backend; a backend
//! only runs the queries and feeds their rows in.
//!
//! Items are taken in sequence order: each change at its own number, and
//! some cases as their whole document instead of change by change: a case
//! that became visible to the reader after the cursor (at the number of
//! that event), and a case created after the cursor by another device (at
//! the number of its first change), because one document, compressed with
//! the rest of the answer, is smaller than its history of changes. A case
//! sent whole may also carry changes above the page's cursor; the next
//! page sends those again, which a device applies as a no-op. Paging
//! stops before the item that would exceed the budget, and the cursor
//! becomes the number just below it: everything up to there that the reader
//! may see is in the page.

use std::collections::{HashMap, HashSet};

use ocrotire_core::sync::protocol::{CaseStatusNote, Pull};

use super::columns::{parse_risk, parse_status, seq_i64, seq_u64};
use super::{PullBatch, PullQuery, StorageError};

/// Where a page ends and how many bytes it holds.
struct Pager {
    budget: usize,
    used: usize,
    stop_at: Option<i64>,
}

impl Pager {
    /// Whether an item of `len` bytes at `seq` still fits; the first item
    /// always does.
    fn admit(&mut self, seq: i64, len: usize) -> bool {
        if self.stop_at.is_some() {
            return false;
        }
        if self.used > 0 && self.used.saturating_add(len) > self.budget {
            self.stop_at = Some(seq);
            return false;
        }
        self.used = self.used.saturating_add(len);
        true
    }
}

/// One page of documents and changes for a reader who receives documents.
///
/// The backend lists the cases that became visible after the cursor, then
/// walks the changes in sequence order; before each change it asks
/// [`Page::whole_due_before`] which whole documents come first and adds
/// them, and it stops reading once [`Page::is_full`].
pub struct Page {
    /// Cases to send whole, by the number of the event that made them
    /// visible, the earliest last.
    whole: Vec<(i64, String)>,
    pager: Pager,
    done: Vec<Pull>,
    index: HashMap<String, usize>,
}

impl Page {
    /// `whole` may name a case twice (created and made visible after the
    /// cursor); it is sent once, at its earlier number.
    pub fn new(budget_bytes: usize, mut whole: Vec<(i64, String)>) -> Page {
        whole.sort_unstable();
        let mut seen = HashSet::new();
        whole.retain(|(_, case_id)| seen.insert(case_id.clone()));
        whole.reverse();
        Page {
            whole,
            pager: Pager {
                budget: budget_bytes,
                used: 0,
                stop_at: None,
            },
            done: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Whether the page is complete: nothing more is added.
    pub fn is_full(&self) -> bool {
        self.pager.stop_at.is_some()
    }

    /// The next case to send whole before an item numbered `seq`, if one is
    /// due and the page still has room (`i64::MAX` after the last change).
    /// The backend reads its document and hands it to [`Page::add_whole`].
    pub fn whole_due_before(&mut self, seq: i64) -> Option<(i64, String)> {
        match self.whole.last() {
            Some((since, _)) if *since < seq && !self.is_full() => self.whole.pop(),
            _ => None,
        }
    }

    /// A case sent whole never also has changes in the same page (the
    /// backends' queries exclude them), so it gets its own entry.
    pub fn add_whole(&mut self, since: i64, case_id: String, doc: Vec<u8>) {
        if self.pager.admit(since, doc.len()) {
            self.done.push(Pull {
                case_id,
                changes: doc,
            });
        }
    }

    /// One change; a case's changes are concatenated in sequence order.
    pub fn add_change(&mut self, seq: i64, case_id: String, bytes: Vec<u8>) {
        if !self.pager.admit(seq, bytes.len()) {
            return;
        }
        match self.index.get(&case_id) {
            Some(&at) => self.done[at].changes.extend_from_slice(&bytes),
            None => {
                self.index.insert(case_id.clone(), self.done.len());
                self.done.push(Pull {
                    case_id,
                    changes: bytes,
                });
            }
        }
    }

    /// The number up to which this page is complete: `high`, or just below
    /// the first item that did not fit.
    pub fn cursor(&self, high: i64) -> i64 {
        self.pager.stop_at.map_or(high, |seq| seq - 1)
    }

    /// The page, with the removals the backend found up to [`Page::cursor`].
    pub fn finish(self, high: i64, removed: Vec<String>) -> Result<PullBatch, StorageError> {
        Ok(PullBatch {
            cursor: seq_u64(self.cursor(high))?,
            more: self.is_full(),
            pulls: self.done,
            statuses: Vec::new(),
            removed,
        })
    }
}

/// An empty page for readers who receive nothing: they are up to date.
pub fn nothing(high: i64) -> Result<PullBatch, StorageError> {
    Ok(PullBatch {
        cursor: seq_u64(high)?,
        ..PullBatch::default()
    })
}

/// A mediator's case as the status query reads it (in this column order:
/// case id, status, registered, assessed, referred, risk, updated seq).
pub struct StatusRow {
    pub case_id: String,
    pub status: String,
    pub registered: bool,
    pub assessed: bool,
    pub referred: bool,
    pub risk: Option<String>,
    pub updated_seq: i64,
}

/// How many status notes a page holds, and the query's `LIMIT` (one more,
/// to learn whether more follow).
pub fn status_limits(query: &PullQuery) -> (usize, i64) {
    let max = query.max_statuses.max(1);
    (
        max,
        i64::try_from(max.saturating_add(1)).unwrap_or(i64::MAX),
    )
}

/// A mediator's page from the status query's rows (ordered by updated
/// seq, at most one more than `max`).
pub fn statuses_page(
    rows: Vec<StatusRow>,
    query: &PullQuery,
    high: i64,
) -> Result<PullBatch, StorageError> {
    let (max, _) = status_limits(query);
    let more = rows.len() > max;
    let mut statuses = Vec::new();
    let mut last_seq = seq_i64(query.cursor);
    for row in rows.into_iter().take(max) {
        statuses.push(CaseStatusNote {
            case_id: row.case_id,
            status: parse_status(&row.status)?,
            registered: row.registered,
            assessed: row.assessed,
            referred: row.referred,
            risk: parse_risk(row.risk.as_deref())?,
        });
        last_seq = row.updated_seq;
    }
    let cursor = if more { last_seq } else { high };
    Ok(PullBatch {
        statuses,
        cursor: seq_u64(cursor)?,
        more,
        ..PullBatch::default()
    })
}
