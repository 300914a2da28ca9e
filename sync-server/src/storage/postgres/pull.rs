//! One page of a pull, read in one `REPEATABLE READ` transaction (one
//! consistent snapshot). The page is assembled by
//! [`crate::storage::paging`]; this module runs the queries, which mirror
//! the SQLite backend's.
//!
//! Parameters are numbered the same way in every query: `$1` the reader's
//! user id, `$2` their district, then the query's own.

use deadpool_postgres::{Object, Transaction};
use tokio_postgres::IsolationLevel;

use ocrotire_core::model::Role;

use super::Chunks;
use crate::storage::columns::seq_i64;
use crate::storage::paging::{self, Page, StatusRow};
use crate::storage::{PullBatch, PullQuery, StorageError};

pub async fn pull(client: &mut Object, query: &PullQuery) -> Result<PullBatch, StorageError> {
    // Numbers are committed in order (the counter's row lock), so every
    // change up to the counter read here is in this snapshot.
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let high = tx
        .prepare_cached("SELECT last_seq FROM seq_counter WHERE id = 1")
        .await?;
    let high: i64 = tx.query_one(&high, &[]).await?.try_get(0)?;
    let batch = match visible_predicate(query.reader.role) {
        Some(visible) => documents_page(&tx, query, visible, high).await?,
        None if query.reader.role == Role::CommunityMediator => {
            statuses_page(&tx, query, high).await?
        }
        None => paging::nothing(high)?,
    };
    tx.commit().await?;
    Ok(batch)
}

/// SQL over the projection columns (`d.`) that mirrors
/// `ocrotire_core::sync::authority::may_see` for roles that receive
/// documents. Mediators receive status notes instead; others nothing.
pub(crate) fn visible_predicate(role: Role) -> Option<&'static str> {
    match role {
        Role::DistrictOfficer => Some("d.district = $2"),
        Role::SocialAssistant => {
            Some("d.district = $2 AND (d.created_by = $1 OR d.assigned_to ? $1)")
        }
        Role::CommunityMediator | Role::NationalAnalyst | Role::Administrator => None,
    }
}

async fn documents_page(
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
             WHERE v.user_id = $1 AND v.since_seq > $3 AND v.since_seq <= $4 AND ({visible})
             UNION ALL
             SELECT d.created_seq, d.case_id FROM documents d
             WHERE d.created_seq > $3 AND d.created_seq <= $4 AND d.created_device <> $5
               AND ({visible})"
        );
        let statement = tx.prepare_cached(&sql).await?;
        let rows = tx
            .query(
                &statement,
                &[
                    &reader.user_id,
                    &reader.district,
                    &cursor,
                    &high,
                    &reader.device_id,
                ],
            )
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, tokio_postgres::Error>>()?
    };
    let mut page = Page::new(query.budget_bytes, whole);
    let changes_sql = format!(
        "SELECT c.seq, c.case_id, c.bytes FROM changes c JOIN documents d ON d.case_id = c.case_id
         WHERE c.seq > $3 AND c.seq <= $4 AND c.origin_device <> $5 AND ({visible})
           AND NOT (d.created_seq > $3 AND d.created_device <> $5)
           AND NOT EXISTS (SELECT 1 FROM visibility v
                           WHERE v.user_id = $1 AND v.case_id = c.case_id AND v.since_seq > $3)
         ORDER BY c.seq"
    );
    let mut rows = Chunks::open(
        tx,
        &changes_sql,
        &[
            &reader.user_id,
            &reader.district,
            &cursor,
            &high,
            &reader.device_id,
        ],
    )
    .await?;
    while !page.is_full() {
        let Some(row) = rows.next(tx).await? else {
            break;
        };
        let seq: i64 = row.try_get(0)?;
        send_whole_before(tx, &mut page, seq).await?;
        page.add_change(seq, row.try_get(1)?, row.try_get(2)?);
    }
    send_whole_before(tx, &mut page, i64::MAX).await?;
    let removed = removed(tx, query, visible, page.cursor(high)).await?;
    page.finish(high, removed)
}

/// Adds the whole documents due before `seq`.
async fn send_whole_before(
    tx: &Transaction<'_>,
    page: &mut Page,
    seq: i64,
) -> Result<(), StorageError> {
    while let Some((since, case_id)) = page.whole_due_before(seq) {
        let statement = tx
            .prepare_cached("SELECT doc FROM documents WHERE case_id = $1")
            .await?;
        let doc: Vec<u8> = tx.query_one(&statement, &[&case_id]).await?.try_get(0)?;
        page.add_whole(since, case_id, doc);
    }
    Ok(())
}

/// Cases the reader stopped seeing after the cursor and does not see now.
async fn removed(
    tx: &Transaction<'_>,
    query: &PullQuery,
    visible: &str,
    up_to: i64,
) -> Result<Vec<String>, StorageError> {
    let sql = format!(
        "SELECT r.case_id FROM removals r
         WHERE r.user_id = $1 AND r.at_seq > $3 AND r.at_seq <= $4
           AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.case_id = r.case_id AND ({visible}))
         ORDER BY r.at_seq"
    );
    let statement = tx.prepare_cached(&sql).await?;
    let rows = tx
        .query(
            &statement,
            &[
                &query.reader.user_id,
                &query.reader.district,
                &seq_i64(query.cursor),
                &up_to,
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?)
}

/// A mediator's page: the progress of the cases it filed, never documents.
async fn statuses_page(
    tx: &Transaction<'_>,
    query: &PullQuery,
    high: i64,
) -> Result<PullBatch, StorageError> {
    let statement = tx
        .prepare_cached(
            "SELECT case_id, status, registered, assessed, referred, risk, updated_seq FROM documents
             WHERE created_by = $1 AND updated_seq > $2 AND updated_seq <= $3
             ORDER BY updated_seq LIMIT $4",
        )
        .await?;
    let (_, limit) = paging::status_limits(query);
    let rows = tx
        .query(
            &statement,
            &[&query.reader.user_id, &seq_i64(query.cursor), &high, &limit],
        )
        .await?;
    let rows = rows
        .iter()
        .map(|row| {
            Ok(StatusRow {
                case_id: row.try_get(0)?,
                status: row.try_get(1)?,
                registered: row.try_get(2)?,
                assessed: row.try_get(3)?,
                referred: row.try_get(4)?,
                risk: row.try_get(5)?,
                updated_seq: row.try_get(6)?,
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()?;
    paging::statuses_page(rows, query, high)
}
