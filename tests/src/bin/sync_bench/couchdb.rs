//! What a CouchDB-protocol stack would send a new device for the same
//! cases, the point of comparison: the replicator's `_changes` feed
//! and `_bulk_get?revs=true` answers in batches of 100 (CouchDB's default
//! worker batch size), each answer gzipped. Each document is the case's
//! typed view as JSON (its latest revision) plus the `_id`, `_rev` and
//! `_revisions` a replication carries, with one revision per recorded
//! action (each Automerge change would be one save in a CouchDB app).
//! Revision ids and sequence tokens are random, as CouchDB's MD5-based
//! revision ids and opaque sequences look to a compressor.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};

use super::Res;

/// CouchDB's replicator fetches and writes this many documents at a time.
const BATCH: usize = 100;
/// Length of the opaque part of a CouchDB 3 sequence token.
const SEQ_TOKEN_CHARS: usize = 60;

/// One case as a CouchDB document: its view as JSON and how many
/// revisions it went through.
pub struct CouchDoc {
    pub id: String,
    pub view: Value,
    pub revisions: usize,
}

/// Bytes on the wire (gzipped answers) and number of answers.
pub fn replication_bytes(docs: &[CouchDoc]) -> Res<(usize, usize)> {
    let (mut bytes, mut answers) = (0, 0);
    let mut seq = 0;
    for batch in docs.chunks(BATCH) {
        let mut changes = Vec::new();
        let mut results = Vec::new();
        for doc in batch {
            seq += 1;
            let ids: Vec<String> = (0..doc.revisions.max(1))
                .map(|_| random_hex(32))
                .collect::<Res<_>>()?;
            let rev = format!("{}-{}", ids.len(), ids[0]);
            changes.push(json!({
                "seq": format!("{seq}-{}", random_hex(SEQ_TOKEN_CHARS)?),
                "id": doc.id,
                "changes": [{"rev": rev}],
            }));
            let mut body = Map::new();
            body.insert("_id".into(), json!(doc.id));
            body.insert("_rev".into(), json!(rev));
            body.insert("_revisions".into(), json!({"start": ids.len(), "ids": ids}));
            if let Value::Object(fields) = &doc.view {
                body.extend(fields.clone());
            }
            results.push(json!({"id": doc.id, "docs": [{"ok": Value::Object(body)}]}));
        }
        let feed = json!({"results": changes, "last_seq": format!("{seq}-{}", random_hex(SEQ_TOKEN_CHARS)?)});
        let bulk = json!({ "results": results });
        for answer in [feed, bulk] {
            bytes += gzip(&serde_json::to_vec(&answer)?)?.len();
            answers += 1;
        }
    }
    Ok((bytes, answers))
}

pub fn gzip(bytes: &[u8]) -> Res<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn random_hex(chars: usize) -> Res<String> {
    let mut bytes = vec![0u8; chars.div_ceil(2)];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system random number generator failed")?;
    let mut hex = ocrotire_core::ids::hex(&bytes);
    hex.truncate(chars);
    Ok(hex)
}
