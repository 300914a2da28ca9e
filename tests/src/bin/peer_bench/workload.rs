//! The workload as the Node peers read it: JSON lines in a temporary
//! directory. A case is its saved Automerge document (hex; the very bytes
//! automerge-repo imports) and its typed view (what a PouchDB app would
//! store as the document), with the number of changes it took, which
//! PouchDB gets as that many revisions. An edit line is one case's edits:
//! their Automerge changes and the view after each edit.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use ocrotire_core::document::CaseDoc;
use ocrotire_core::ids::hex;
use serde_json::{json, Value};

use crate::cases::SCRIPT_CHANGES;
use crate::Res;

pub struct DocLine(Value);

impl DocLine {
    pub fn new(id: &str, device: Option<usize>, saved: &[u8], doc: &CaseDoc) -> Res<DocLine> {
        Ok(DocLine(json!({
            "id": id,
            "device": device,
            "am": hex(saved),
            "view": serde_json::to_value(doc.view()?)?,
            "revs": SCRIPT_CHANGES,
        })))
    }
}

pub struct EditLine {
    pub id: String,
    pub device: Option<usize>,
    pub changes: Vec<u8>,
    pub views: Vec<Value>,
}

pub struct Writer(BufWriter<File>);

impl Writer {
    pub fn create(path: &Path) -> Res<Writer> {
        Ok(Writer(BufWriter::new(File::create(path)?)))
    }

    pub fn doc(&mut self, line: &DocLine) -> Res<()> {
        serde_json::to_writer(&mut self.0, &line.0)?;
        self.0.write_all(b"\n")?;
        Ok(())
    }

    pub fn edit(&mut self, line: &EditLine) -> Res<()> {
        let value = json!({
            "id": line.id,
            "device": line.device,
            "changes": hex(&line.changes),
            "views": line.views,
        });
        serde_json::to_writer(&mut self.0, &value)?;
        self.0.write_all(b"\n")?;
        Ok(())
    }

    pub fn finish(mut self) -> Res<()> {
        self.0.flush()?;
        Ok(())
    }
}
