//! Strict decoding of change bytes received from elsewhere. Automerge's own
//! incremental loader silently drops what it cannot parse; a sync peer must
//! instead learn that its input was refused, and the document must not move.

use automerge::{ActorId, Change};

use super::{without_panic, DocError, MAX_CHANGE_BYTES};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
/// Bound on the changes one call may bring, whatever their size.
pub const MAX_CHANGES: usize = 50_000;

/// Changes received from elsewhere: decoded and checksummed, not yet applied.
pub struct ReceivedChanges {
    pub(super) changes: Vec<Change>,
}

impl ReceivedChanges {
    /// Splits concatenated change chunks (the output of `save_after`) and
    /// verifies each one's checksum. Anything else is refused whole.
    pub fn decode(bytes: &[u8]) -> Result<ReceivedChanges, DocError> {
        if bytes.len() > MAX_CHANGE_BYTES {
            return Err(DocError::ChangesTooLarge {
                size: bytes.len(),
                max: MAX_CHANGE_BYTES,
            });
        }
        Ok(ReceivedChanges {
            changes: decode(bytes)?,
        })
    }

    /// True when every change was made by `actor` (a server checks that a
    /// device sends only its own changes, never another person's).
    pub fn all_by(&self, actor: &ActorId) -> bool {
        self.changes.iter().all(|c| c.actor_id() == actor)
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn decode(mut bytes: &[u8]) -> Result<Vec<Change>, DocError> {
    let mut changes = Vec::new();
    while !bytes.is_empty() {
        if changes.len() == MAX_CHANGES {
            return Err(DocError::TooMany {
                kind: "changes",
                max: MAX_CHANGES,
            });
        }
        let len = chunk_len(bytes).ok_or(DocError::Corrupt("undecodable changes"))?;
        let (chunk, rest) = bytes.split_at(len);
        let change = without_panic(|| Change::try_from(chunk))?
            .map_err(|_| DocError::Corrupt("undecodable changes"))?;
        changes.push(change);
        bytes = rest;
    }
    Ok(changes)
}

/// True when `bytes` start with a whole saved document rather than changes.
pub(crate) fn is_document(bytes: &[u8]) -> bool {
    bytes.get(..4) == Some(&MAGIC[..]) && bytes.get(8) == Some(&DOCUMENT)
}

/// Length of the change chunk at the start of `bytes`: magic, checksum,
/// type, LEB128 body length, body.
fn chunk_len(bytes: &[u8]) -> Option<usize> {
    if bytes.get(..4)? != MAGIC || !matches!(bytes.get(8)?, &CHANGE | &COMPRESSED_CHANGE) {
        return None;
    }
    let mut body: usize = 0;
    let mut at = 9;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        body |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let total = at.checked_add(body)?;
            return (total <= bytes.len()).then_some(total);
        }
    }
    None
}
