//! No plaintext on disk: write records full of unique markers, then scan
//! every file the store leaves in its directory (main file, -wal, -shm)
//! for each marker in UTF-8 and UTF-16LE.

mod store_support;

use std::path::Path;

use ocrotire_core::store::Store;
use store_support::*;

const MARKERS: [&str; 6] = [
    "MARKER-CHILD-NAME-Zamfira-Rotaru-7f3a",
    "MARKER-ADDRESS-str-Ștefan-cel-Mare-91b2",
    "MARKER-SUMMARY-risk-high-e44c",
    "MARKER-SETTING-VALUE-0d1e",
    "marker.setting.name.5a6b",
    "MARKER-PIN-391827",
];

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every marker hit in every store file, as "file: marker (encoding)".
fn scan(dir: &Path) -> Vec<String> {
    let files = store_files(dir);
    assert!(!files.is_empty(), "nothing to scan");
    let mut hits = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for marker in MARKERS {
            for (encoding, needle) in [
                ("utf-8", marker.as_bytes().to_vec()),
                ("utf-16le", utf16le(marker)),
            ] {
                if contains(&bytes, &needle) {
                    hits.push(format!("{}: {marker} ({encoding})", file.display()));
                }
            }
        }
    }
    hits
}

#[test]
fn no_marker_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let pin = MARKERS[5];
    let mut store = Store::create(dir.path(), pin, None, config(relaxed_policy())).unwrap();
    let (name, address, summary, setting, setting_name) =
        (MARKERS[0], MARKERS[1], MARKERS[2], MARKERS[3], MARKERS[4]);

    for n in 0..20 {
        let doc = format!("{{\"name\":\"{name}\",\"address\":\"{address}\",\"n\":{n}}}");
        let doc16 = utf16le(&doc);
        store
            .put_case(&case_id(n), &doc16, summary.as_bytes())
            .unwrap();
        store
            .put_case(&case_id(n + 100), doc.as_bytes(), &utf16le(summary))
            .unwrap();
    }
    store.put_setting(setting_name, setting.as_bytes()).unwrap();
    store.put_setting("plain.name", &utf16le(setting)).unwrap();
    // Overwrite and delete too: old versions must not linger in freed pages.
    store
        .put_case(&case_id(0), b"replaced", b"replaced")
        .unwrap();
    store.delete_case(&case_id(1)).unwrap();
    store.change_pin(pin, "246810", None).unwrap();

    store.lock();
    let hits = scan(dir.path());
    assert!(hits.is_empty(), "plaintext on disk while open: {hits:#?}");

    drop(store);
    let hits = scan(dir.path());
    assert!(hits.is_empty(), "plaintext on disk after close: {hits:#?}");

    // The markers really were written (and are readable with the key).
    let mut store = Store::open(dir.path()).unwrap();
    store.unlock("246810", None).unwrap();
    assert_eq!(
        store.get_doc(&case_id(100)).unwrap(),
        format!("{{\"name\":\"{name}\",\"address\":\"{address}\",\"n\":0}}").as_bytes()
    );
    assert_eq!(
        store.get_setting(setting_name).unwrap().as_deref(),
        Some(setting.as_bytes())
    );
}
