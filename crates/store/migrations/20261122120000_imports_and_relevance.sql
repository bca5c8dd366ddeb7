-- Imports with every rejected row, pins and dismissals of complaints per agenda item, and
-- the user's additions to the thesaurus that widens relevance queries.

-- Rows without an external id are de-duplicated by their normalised text, as a constraint
-- so that a batch insert can skip them with ON CONFLICT DO NOTHING. Rows with an id are
-- de-duplicated by (source, external_id), so the full text-hash index is not needed.
DROP INDEX complaints_text_hash;
CREATE UNIQUE INDEX complaints_text_hash_without_id ON complaints (text_hash) WHERE external_id IS NULL;

-- Complaints per segment, product and day, kept by triggers: persona counts and filter
-- facets read this small table instead of indexing every complaint by segment and product
-- (indexes that cost more on import than they save).
DROP INDEX complaints_segment;
DROP INDEX complaints_product;

CREATE TABLE complaint_counts (
    segment  TEXT NOT NULL,
    product  TEXT NOT NULL,
    day      TEXT NOT NULL,
    n        INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (segment, product, day)
) STRICT, WITHOUT ROWID;

INSERT INTO complaint_counts (segment, product, day, n)
SELECT segment, product, substr(received_at, 1, 10), count(*) FROM complaints GROUP BY 1, 2, 3;

CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints BEGIN
    INSERT INTO complaint_counts (segment, product, day, n)
    VALUES (new.segment, new.product, substr(new.received_at, 1, 10), 1)
    ON CONFLICT (segment, product, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints BEGIN
    UPDATE complaint_counts SET n = n - 1
     WHERE segment = old.segment AND product = old.product AND day = substr(old.received_at, 1, 10);
END;

CREATE TRIGGER complaint_counts_update AFTER UPDATE OF segment, product, received_at ON complaints BEGIN
    UPDATE complaint_counts SET n = n - 1
     WHERE segment = old.segment AND product = old.product AND day = substr(old.received_at, 1, 10);
    INSERT INTO complaint_counts (segment, product, day, n)
    VALUES (new.segment, new.product, substr(new.received_at, 1, 10), 1)
    ON CONFLICT (segment, product, day) DO UPDATE SET n = n + 1;
END;

CREATE TABLE imports (
    id           TEXT PRIMARY KEY NOT NULL,
    file         TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('csv', 'json', 'jsonl', 'eml', 'mbox')),
    source       TEXT NOT NULL,
    redacted     INTEGER NOT NULL CHECK (redacted IN (0, 1)),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'stopped', 'cancelled', 'failed')),
    rows_read    INTEGER NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
    imported     INTEGER NOT NULL DEFAULT 0 CHECK (imported >= 0),
    duplicates   INTEGER NOT NULL DEFAULT 0 CHECK (duplicates >= 0),
    rejected     INTEGER NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    -- Why the file was not read to its end, when it was not.
    note         TEXT NOT NULL DEFAULT '',
    CHECK (rows_read = imported + duplicates + rejected)
) STRICT;

CREATE INDEX imports_started_at ON imports (started_at);

CREATE TABLE import_rejections (
    import_id  TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line       INTEGER NOT NULL,
    file       TEXT,
    reason     TEXT NOT NULL,
    excerpt    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX import_rejections_import ON import_rejections (import_id, line);

-- A facilitator's pin (keep on top) or dismissal (keep away) of a complaint for one agenda item.
CREATE TABLE complaint_marks (
    agenda_item_id  TEXT NOT NULL REFERENCES agenda_items (id) ON DELETE CASCADE,
    complaint_id    TEXT NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    mark            TEXT NOT NULL CHECK (mark IN ('pinned', 'dismissed')),
    marked_at       TEXT NOT NULL,
    PRIMARY KEY (agenda_item_id, complaint_id)
) STRICT, WITHOUT ROWID;

-- Words the team uses and the words customers use for the same thing, added by the user
-- to the built-in thesaurus.
CREATE TABLE thesaurus (
    term        TEXT PRIMARY KEY NOT NULL CHECK (length(trim(term)) > 0),
    related     TEXT NOT NULL CHECK (json_valid(related)),
    created_at  TEXT NOT NULL
) STRICT;

-- The vocabulary of the complaint index: for each term, how many complaints hold it.
CREATE VIRTUAL TABLE complaints_vocab USING fts5vocab (complaints_fts, row);
