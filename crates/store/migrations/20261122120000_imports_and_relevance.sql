-- Imports with every rejected row, pins and dismissals of complaints per agenda item, and
-- the user's additions to the thesaurus that widens relevance queries.

-- Rows without an external id are de-duplicated by their normalised text, as a constraint
-- so that a batch insert can skip them with ON CONFLICT DO NOTHING.
DROP INDEX complaints_text_hash;
CREATE UNIQUE INDEX complaints_text_hash_without_id ON complaints (text_hash) WHERE external_id IS NULL;
CREATE INDEX complaints_text_hash ON complaints (text_hash);

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
