//! One page of a pull, read in one transaction (one consistent snapshot).
//! The page is assembled by [`crate::storage::paging`]; this module runs
//! the queries.

use rusqlite::{named_params, Connection, Transaction};

use ocrotire_core::model::Role;

use crate::storage::columns::seq_i64;
use crate::storage::paging::{self, Page, StatusRow};
use crate::storage::{PullBatch, PullQuery, StorageError};

/// Up to this many changes behind, a pull walks the changes after the
/// cursor (SQLite's `CROSS JOIN` keeps that order), so its cost follows
/// what changed rather than the size of the district. Further behind, it
/// lets the planner start from the reader's visible documents and their
/// changes by `(case_id, seq)`: a device that slept through a whole
/// region's work should not read every change of every district.
const CHANGES_FIRST_MAX: i64 = 20_000;

pub fn pull(conn: &mut Connection, query: &PullQuery) -> Result<PullBatch, StorageError> {
    // A deferred transaction that only reads: a snapshot, no write lock.
    let tx = conn.transaction()?;
    let high: i64 = tx.query_row("SELECT last_seq FROM seq_counter WHERE id = 1", [], |row| {
        row.get(0)
    })?;
    let batch = match visible_predicate(query.reader.role) {
        Some(visible) => documents_page(&tx, query, visible, high)?,
        None if query.reader.role == Role::CommunityMediator => statuses_page(&tx, query, high)?,
        None => paging::nothing(high)?,
    };
    tx.commit()?;
    Ok(batch)
}

/// SQL over the projection columns (`d.`) that mirrors
/// `ocrotire_core::sync::authority::may_see` for roles that receive
/// documents. Mediators receive status notes instead; others nothing.
pub(crate) fn visible_predicate(role: Role) -> Option<&'static str> {
    match role {
        Role::DistrictOfficer => Some("d.district = :district"),
        Role::SocialAssistant => Some(
            "d.district = :district AND (d.created_by = :user
             OR EXISTS (SELECT 1 FROM json_each(d.assigned_to) AS a WHERE a.value = :user))",
        ),
        Role::CommunityMediator | Role::NationalAnalyst | Role::Administrator => None,
    }
}

fn documents_page(
    tx: &Transaction<'_>,
    query: &PullQuery,
    visible: &str,
    high: i64,
) -> Result<PullBatch, StorageError> {
    let cursor = seq_i64(query.cursor);
    let reader = &query.reader;
    // Cases sent whole (see `paging`): listed up front, their documents
    // read only when their turn comes.
    let whole: Vec<(i64, String)> = {
        let sql = format!(
            "SELECT v.since_seq, v.case_id FROM visibility v JOIN documents d ON d.case_id = v.case_id
             WHERE v.user_id = :user AND v.since_seq > :cursor AND v.since_seq <= :high AND ({visible})
             UNION ALL
             SELECT d.created_seq, d.case_id FROM documents d
             WHERE d.created_seq > :cursor AND d.created_seq <= :high AND d.created_device <> :device
               AND ({visible})"
        );
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(
            named_params! {
                ":user": reader.user_id, ":cursor": cursor, ":high": high,
                ":district": reader.district, ":device": reader.device_id,
            },
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        rows.collect::<Result<_, _>>()?
    };
    let mut page = Page::new(query.budget_bytes, whole);
    let join = if high - cursor <= CHANGES_FIRST_MAX {
        "CROSS JOIN"
    } else {
        "JOIN"
    };
    let changes_sql = format!(
        "SELECT c.seq, c.case_id, c.bytes FROM changes c {join} documents d ON d.case_id = c.case_id
         WHERE c.seq > :cursor AND c.seq <= :high AND c.origin_device <> :device AND ({visible})
           AND NOT (d.created_seq > :cursor AND d.created_device <> :device)
           AND NOT EXISTS (SELECT 1 FROM visibility v
                           WHERE v.user_id = :user AND v.case_id = c.case_id AND v.since_seq > :cursor)
         ORDER BY c.seq"
    );
    let mut stmt = tx.prepare(&changes_sql)?;
    let mut rows = stmt.query(named_params! {
        ":cursor": cursor, ":high": high, ":device": reader.device_id,
        ":user": reader.user_id, ":district": reader.district,
    })?;
    while !page.is_full() {
        let Some(row) = rows.next()? else { break };
        let seq: i64 = row.get(0)?;
        send_whole_before(tx, &mut page, seq)?;
        page.add_change(seq, row.get(1)?, row.get(2)?);
    }
    send_whole_before(tx, &mut page, i64::MAX)?;
    let removed = removed(tx, query, visible, page.cursor(high))?;
    page.finish(high, removed)
}

/// Adds the whole documents due before `seq`.
fn send_whole_before(tx: &Transaction<'_>, page: &mut Page, seq: i64) -> Result<(), StorageError> {
    while let Some((since, case_id)) = page.whole_due_before(seq) {
        let doc: Vec<u8> = tx.query_row(
            "SELECT doc FROM documents WHERE case_id = ?1",
            [&case_id],
            |row| row.get(0),
        )?;
        page.add_whole(since, case_id, doc);
    }
    Ok(())
}

/// Cases the reader stopped seeing after the cursor and does not see now.
fn removed(
    tx: &Transaction<'_>,
    query: &PullQuery,
    visible: &str,
    up_to: i64,
) -> Result<Vec<String>, StorageError> {
    let sql = format!(
        "SELECT r.case_id FROM removals r
         WHERE r.user_id = :user AND r.at_seq > :cursor AND r.at_seq <= :up_to
           AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.case_id = r.case_id AND ({visible}))
         ORDER BY r.at_seq"
    );
    let mut stmt = tx.prepare(&sql)?;
    let rows = stmt.query_map(
        named_params! {
            ":user": query.reader.user_id, ":cursor": seq_i64(query.cursor),
            ":up_to": up_to, ":district": query.reader.district,
        },
        |row| row.get(0),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A mediator's page: the progress of the cases it filed, never documents.
fn statuses_page(
    tx: &Transaction<'_>,
    query: &PullQuery,
    high: i64,
) -> Result<PullBatch, StorageError> {
    let mut stmt = tx.prepare(
        "SELECT case_id, status, registered, assessed, referred, risk, updated_seq FROM documents
         WHERE created_by = ?1 AND updated_seq > ?2 AND updated_seq <= ?3
         ORDER BY updated_seq LIMIT ?4",
    )?;
    let (_, limit) = paging::status_limits(query);
    let rows = stmt.query_map(
        (&query.reader.user_id, seq_i64(query.cursor), high, limit),
        |row| {
            Ok(StatusRow {
                case_id: row.get(0)?,
                status: row.get(1)?,
                registered: row.get(2)?,
                assessed: row.get(3)?,
                referred: row.get(4)?,
                risk: row.get(5)?,
                updated_seq: row.get(6)?,
            })
        },
    )?;
    paging::statuses_page(rows.collect::<Result<_, _>>()?, query, high)
}
