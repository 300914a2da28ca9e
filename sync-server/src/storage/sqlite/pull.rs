//! One page of a pull, read in one transaction (one consistent snapshot).
//!
//! Items are taken in sequence order: each change at its own number, each
//! case that became visible to the reader as its whole document at the
//! number of that event (its changes are then not sent one by one). Paging
//! stops before the item that would exceed the budget, and the cursor
//! becomes the number just below it: everything up to there that the reader
//! may see is in the page.

use rusqlite::{named_params, Connection, Transaction};

use ocrotire_core::model::Role;
use ocrotire_core::sync::protocol::{CaseStatusNote, Pull};

use crate::storage::columns::{parse_risk, parse_status, seq_i64, seq_u64};
use crate::storage::{PullBatch, PullQuery, StorageError};

pub fn pull(conn: &mut Connection, query: &PullQuery) -> Result<PullBatch, StorageError> {
    // A deferred transaction that only reads: a snapshot, no write lock.
    let tx = conn.transaction()?;
    let high: i64 = tx.query_row("SELECT last_seq FROM seq_counter WHERE id = 1", [], |row| {
        row.get(0)
    })?;
    let batch = match visible_predicate(query.reader.role) {
        Some(visible) => documents_page(&tx, query, visible, high)?,
        None if query.reader.role == Role::CommunityMediator => statuses_page(&tx, query, high)?,
        None => PullBatch {
            cursor: seq_u64(high)?,
            ..PullBatch::default()
        },
    };
    tx.commit()?;
    Ok(batch)
}

/// SQL over the projection columns (`d.`) that mirrors
/// `ocrotire_core::sync::authority::may_see` for roles that receive
/// documents. Mediators receive status notes instead; others nothing.
fn visible_predicate(role: Role) -> Option<&'static str> {
    match role {
        Role::DistrictOfficer => Some("d.district = :district"),
        Role::SocialAssistant => Some(
            "d.district = :district AND (d.created_by = :user
             OR EXISTS (SELECT 1 FROM json_each(d.assigned_to) AS a WHERE a.value = :user))",
        ),
        Role::CommunityMediator | Role::NationalAnalyst | Role::Administrator => None,
    }
}

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

fn documents_page(
    tx: &Transaction<'_>,
    query: &PullQuery,
    visible: &str,
    high: i64,
) -> Result<PullBatch, StorageError> {
    let cursor = seq_i64(query.cursor);
    let reader = &query.reader;
    // Cases that became visible after the cursor: few, so listed up front;
    // their documents are read only when their turn comes.
    let mut whole: Vec<(i64, String)> = {
        let sql = format!(
            "SELECT v.since_seq, v.case_id FROM visibility v JOIN documents d ON d.case_id = v.case_id
             WHERE v.user_id = :user AND v.since_seq > :cursor AND v.since_seq <= :high AND ({visible})
             ORDER BY v.since_seq DESC"
        );
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(
            named_params! {":user": reader.user_id, ":cursor": cursor, ":high": high, ":district": reader.district},
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        rows.collect::<Result<_, _>>()?
    };
    let changes_sql = format!(
        "SELECT c.seq, c.case_id, c.bytes FROM changes c JOIN documents d ON d.case_id = c.case_id
         WHERE c.seq > :cursor AND c.seq <= :high AND c.origin_device <> :device AND ({visible})
           AND NOT EXISTS (SELECT 1 FROM visibility v
                           WHERE v.user_id = :user AND v.case_id = c.case_id AND v.since_seq > :cursor)
         ORDER BY c.seq"
    );
    let mut stmt = tx.prepare(&changes_sql)?;
    let mut rows = stmt.query(named_params! {
        ":cursor": cursor, ":high": high, ":device": reader.device_id,
        ":user": reader.user_id, ":district": reader.district,
    })?;
    let mut pager = Pager {
        budget: query.budget_bytes,
        used: 0,
        stop_at: None,
    };
    let mut pulls = Pulls::default();
    while pager.stop_at.is_none() {
        let Some(row) = rows.next()? else { break };
        let seq: i64 = row.get(0)?;
        send_whole_before(tx, &mut whole, seq, &mut pager, &mut pulls)?;
        let bytes: Vec<u8> = row.get(2)?;
        if pager.admit(seq, bytes.len()) {
            pulls.add_change(row.get(1)?, bytes);
        }
    }
    send_whole_before(tx, &mut whole, i64::MAX, &mut pager, &mut pulls)?;
    let new_cursor = pager.stop_at.map_or(high, |seq| seq - 1);
    let removed = removed(tx, query, visible, new_cursor)?;
    Ok(PullBatch {
        pulls: pulls.done,
        statuses: Vec::new(),
        removed,
        cursor: seq_u64(new_cursor)?,
        more: pager.stop_at.is_some(),
    })
}

/// Sends the whole documents due before `seq` (`whole` is sorted with the
/// earliest last).
fn send_whole_before(
    tx: &Transaction<'_>,
    whole: &mut Vec<(i64, String)>,
    seq: i64,
    pager: &mut Pager,
    pulls: &mut Pulls,
) -> Result<(), StorageError> {
    while let Some((since, _)) = whole.last() {
        if *since >= seq || pager.stop_at.is_some() {
            break;
        }
        let since = *since;
        let Some((_, case_id)) = whole.pop() else {
            break;
        };
        let doc: Vec<u8> = tx.query_row(
            "SELECT doc FROM documents WHERE case_id = ?1",
            [&case_id],
            |row| row.get(0),
        )?;
        if pager.admit(since, doc.len()) {
            pulls.add_whole(case_id, doc);
        }
    }
    Ok(())
}

/// Builds one `Pull` per case, its changes concatenated in sequence order.
#[derive(Default)]
struct Pulls {
    done: Vec<Pull>,
    index: std::collections::HashMap<String, usize>,
}

impl Pulls {
    fn add_change(&mut self, case_id: String, bytes: Vec<u8>) {
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

    /// A case sent whole never also has changes in the same page (they are
    /// excluded by the query), so it gets its own entry.
    fn add_whole(&mut self, case_id: String, doc: Vec<u8>) {
        self.done.push(Pull {
            case_id,
            changes: doc,
        });
    }
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
    let max = query.max_statuses.max(1);
    let limit = i64::try_from(max.saturating_add(1)).unwrap_or(i64::MAX);
    let mut rows = stmt.query((&query.reader.user_id, seq_i64(query.cursor), high, limit))?;
    let mut statuses = Vec::new();
    let mut last_seq = seq_i64(query.cursor);
    let mut more = false;
    while let Some(row) = rows.next()? {
        if statuses.len() == max {
            more = true;
            break;
        }
        let status: String = row.get(1)?;
        let risk: Option<String> = row.get(5)?;
        statuses.push(CaseStatusNote {
            case_id: row.get(0)?,
            status: parse_status(&status)?,
            registered: row.get(2)?,
            assessed: row.get(3)?,
            referred: row.get(4)?,
            risk: parse_risk(risk.as_deref())?,
        });
        last_seq = row.get(6)?;
    }
    let cursor = if more { last_seq } else { high };
    Ok(PullBatch {
        statuses,
        cursor: seq_u64(cursor)?,
        more,
        ..PullBatch::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Reader;
    use ocrotire_core::sync::authority::may_see;
    use ocrotire_core::sync::projection::CaseProjection;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate::migrate(&mut conn).unwrap();
        conn
    }

    fn insert_case(
        conn: &Connection,
        id: &str,
        district: &str,
        creator: &str,
        assigned: &[&str],
        seq: i64,
    ) {
        let assigned: Vec<String> = assigned.iter().map(|s| s.to_string()).collect();
        conn.execute(
            "INSERT INTO documents VALUES (?1, ?2, ?3, ?4, ?5, 'open', NULL, 0, 0, 0, 0, 'female', 'x', 0, ?6)",
            (id, format!("doc-{id}").into_bytes(), district, creator, crate::storage::columns::assigned_json(&assigned), seq),
        )
        .unwrap();
    }

    fn insert_change(conn: &Connection, seq: i64, case: &str, device: &str) {
        conn.execute(
            "INSERT INTO changes VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                seq,
                case,
                device,
                seq.to_be_bytes().to_vec(),
                format!("[{seq}]").into_bytes(),
            ),
        )
        .unwrap();
        conn.execute("UPDATE seq_counter SET last_seq = MAX(last_seq, ?1)", [seq])
            .unwrap();
    }

    fn query(role: Role, user: &str, cursor: u64, budget: usize) -> PullQuery {
        PullQuery {
            reader: Reader {
                user_id: user.into(),
                role,
                district: "9200".into(),
                device_id: "dev".into(),
            },
            cursor,
            budget_bytes: budget,
            max_statuses: 100,
        }
    }

    #[test]
    fn the_sql_predicate_agrees_with_may_see() {
        let conn = db();
        let cases = [
            ("c1", "9200", "u", &[][..]),
            ("c2", "9200", "o", &["u"][..]),
            ("c3", "9200", "o", &["v", "u2"][..]),
            ("c4", "1000", "u", &["u"][..]),
            ("c5", "9200", "o", &[][..]),
        ];
        for (id, district, creator, assigned) in cases {
            insert_case(&conn, id, district, creator, assigned, 1);
        }
        for role in Role::ALL.iter().copied() {
            for user in ["u", "o", "v", "u2", "nobody"] {
                let expected: Vec<&str> = cases
                    .iter()
                    .filter(|(id, district, creator, assigned)| {
                        let projection = CaseProjection {
                            case_id: id.to_string(),
                            district: district.to_string(),
                            created_by: creator.to_string(),
                            assigned_to: assigned.iter().map(|s| s.to_string()).collect(),
                            status: ocrotire_core::model::CaseStatus::Open,
                            risk: None,
                            identified_at: chrono::DateTime::from_timestamp_millis(0).unwrap(),
                            registered: false,
                            assessed: false,
                            referred: false,
                            sex: ocrotire_core::model::Sex::Female,
                            locality: "x".into(),
                            open_conflicts: 0,
                        };
                        may_see(role, user, "9200", &projection)
                    })
                    .map(|(id, ..)| *id)
                    .collect();
                let found: Vec<String> = match visible_predicate(role) {
                    None => Vec::new(),
                    Some(visible) => {
                        // `:user` is bound for every role, as in the real queries.
                        let sql = format!(
                            "SELECT case_id FROM documents d
                             WHERE ({visible}) AND :user IS NOT NULL ORDER BY case_id"
                        );
                        let mut stmt = conn.prepare(&sql).unwrap();
                        let rows = stmt
                            .query_map(named_params! {":user": user, ":district": "9200"}, |r| {
                                r.get(0)
                            })
                            .unwrap();
                        rows.collect::<Result<_, _>>().unwrap()
                    }
                };
                if role == Role::CommunityMediator {
                    // Mediators see their own cases as status notes only.
                    assert!(found.is_empty());
                    continue;
                }
                assert_eq!(found, expected, "{role:?} {user}");
            }
        }
    }

    #[test]
    fn pages_interleave_changes_and_whole_documents_by_sequence() {
        let mut conn = db();
        insert_case(&conn, "c1", "9200", "u", &[], 3);
        insert_case(&conn, "c2", "9200", "o", &["u"], 4);
        insert_change(&conn, 1, "c1", "other");
        insert_change(&conn, 2, "c2", "other");
        insert_change(&conn, 3, "c1", "other");
        insert_change(&conn, 4, "c2", "other");
        insert_change(&conn, 5, "c1", "dev");
        conn.execute("INSERT INTO visibility VALUES ('u', 'c2', 4)", [])
            .unwrap();

        let all = pull(&mut conn, &query(Role::SocialAssistant, "u", 0, 1 << 20)).unwrap();
        assert_eq!(
            all.pulls,
            vec![
                Pull {
                    case_id: "c1".into(),
                    changes: b"[1][3]".to_vec()
                },
                Pull {
                    case_id: "c2".into(),
                    changes: b"doc-c2".to_vec()
                },
            ],
            "own changes (5) are not sent back; c2 arrives whole"
        );
        assert_eq!((all.cursor, all.more), (5, false));

        let mut pages = Vec::new();
        let mut cursor = 0;
        loop {
            let page = pull(&mut conn, &query(Role::SocialAssistant, "u", cursor, 1)).unwrap();
            pages.push((
                page.pulls
                    .iter()
                    .map(|p| p.changes.clone())
                    .collect::<Vec<_>>(),
                page.cursor,
            ));
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!(
            pages,
            vec![
                (vec![b"[1]".to_vec()], 2),
                (vec![b"[3]".to_vec()], 3),
                (vec![b"doc-c2".to_vec()], 5),
            ]
        );

        // After the cursor passed the event, c2 travels as changes again.
        let later = pull(&mut conn, &query(Role::DistrictOfficer, "off", 3, 1 << 20)).unwrap();
        assert_eq!(
            later.pulls,
            vec![Pull {
                case_id: "c2".into(),
                changes: b"[4]".to_vec()
            }]
        );
        assert_eq!(later.cursor, 5);
    }

    #[test]
    fn removals_are_sent_only_for_cases_no_longer_visible() {
        let mut conn = db();
        insert_case(&conn, "c1", "1000", "o", &[], 2);
        insert_case(&conn, "c2", "9200", "o", &[], 3);
        insert_change(&conn, 3, "c2", "other");
        conn.execute(
            "INSERT INTO removals VALUES ('off', 'c1', 2), ('off', 'c2', 1)",
            [],
        )
        .unwrap();
        let page = pull(&mut conn, &query(Role::DistrictOfficer, "off", 0, 1 << 20)).unwrap();
        assert_eq!(page.removed, vec!["c1".to_string()]);
        let page = pull(&mut conn, &query(Role::DistrictOfficer, "off", 2, 1 << 20)).unwrap();
        assert!(page.removed.is_empty(), "already told");
    }

    #[test]
    fn mediators_get_statuses_of_their_own_cases_only() {
        let mut conn = db();
        insert_case(&conn, "c1", "9200", "med", &[], 2);
        insert_case(&conn, "c2", "9200", "other", &[], 3);
        insert_change(&conn, 3, "c2", "x");
        let page = pull(
            &mut conn,
            &query(Role::CommunityMediator, "med", 0, 1 << 20),
        )
        .unwrap();
        assert!(page.pulls.is_empty());
        assert_eq!(
            page.statuses
                .iter()
                .map(|s| s.case_id.as_str())
                .collect::<Vec<_>>(),
            ["c1"]
        );
        assert_eq!(page.cursor, 3);
        let page = pull(
            &mut conn,
            &query(Role::CommunityMediator, "med", 2, 1 << 20),
        )
        .unwrap();
        assert!(page.statuses.is_empty());
    }
}
