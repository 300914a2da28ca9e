-- Where each case began: the number of its first change and the device
-- that sent it. A device whose cursor is below `created_seq` receives the
-- case as one whole document instead of change by change (smaller on the
-- wire), unless that device created it.
ALTER TABLE documents ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN created_device TEXT NOT NULL DEFAULT '';
UPDATE documents SET
    created_seq = COALESCE((SELECT MIN(c.seq) FROM changes c WHERE c.case_id = documents.case_id), 0),
    created_device = COALESCE((SELECT c.origin_device FROM changes c WHERE c.case_id = documents.case_id
                               ORDER BY c.seq LIMIT 1), '');
CREATE INDEX documents_created ON documents (district, created_seq);

-- A pull that starts from the reader's documents finds each one's changes
-- after the cursor by range.
CREATE INDEX changes_case_seq ON changes (case_id, seq);
