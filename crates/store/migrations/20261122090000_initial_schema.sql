-- Empty Chair's first schema: personas, complaints with their full-text index, meetings with
-- agenda items, and the append-only decision log.
--
-- Times are UTC text in one fixed format (YYYY-MM-DDTHH:MM:SS.sssZ) so they sort as text.
-- Lists of short labels are JSON arrays of strings.

PRAGMA application_id = 1162037842; -- 'ECHR': marks the file as an Empty Chair database

CREATE TABLE personas (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    segment       TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT '',
    bio           TEXT NOT NULL DEFAULT '',
    goals         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(goals)),
    frustrations  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(frustrations)),
    quote         TEXT NOT NULL DEFAULT '',
    color         TEXT NOT NULL CHECK (color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
    keywords      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
    segments      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(segments)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX personas_name ON personas (name COLLATE NOCASE);

CREATE TABLE complaints (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    source       TEXT NOT NULL,
    external_id  TEXT,
    received_at  TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL CHECK (length(trim(body)) > 0),
    customer     TEXT NOT NULL DEFAULT '',
    segment      TEXT NOT NULL DEFAULT '',
    product      TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT '',
    severity     TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    -- SHA-256 of the normalised title and body: finds re-imports of rows without an id.
    text_hash    TEXT NOT NULL,
    imported_at  TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX complaints_source_external_id ON complaints (source, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX complaints_text_hash ON complaints (text_hash);
CREATE INDEX complaints_received_at ON complaints (received_at);
CREATE INDEX complaints_segment ON complaints (segment, received_at);
CREATE INDEX complaints_product ON complaints (product);

-- External-content index over the complaint text, kept in step by the triggers below.
CREATE VIRTUAL TABLE complaints_fts USING fts5 (
    title, body, product, tags,
    content = 'complaints',
    content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER complaints_fts_insert AFTER INSERT ON complaints BEGIN
    INSERT INTO complaints_fts (rowid, title, body, product, tags)
    VALUES (new.seq, new.title, new.body, new.product, new.tags);
END;

CREATE TRIGGER complaints_fts_delete AFTER DELETE ON complaints BEGIN
    INSERT INTO complaints_fts (complaints_fts, rowid, title, body, product, tags)
    VALUES ('delete', old.seq, old.title, old.body, old.product, old.tags);
END;

CREATE TRIGGER complaints_fts_update AFTER UPDATE OF title, body, product, tags ON complaints BEGIN
    INSERT INTO complaints_fts (complaints_fts, rowid, title, body, product, tags)
    VALUES ('delete', old.seq, old.title, old.body, old.product, old.tags);
    INSERT INTO complaints_fts (rowid, title, body, product, tags)
    VALUES (new.seq, new.title, new.body, new.product, new.tags);
END;

CREATE TABLE meetings (
    id            TEXT PRIMARY KEY NOT NULL,
    title         TEXT NOT NULL CHECK (length(trim(title)) > 0),
    scheduled_at  TEXT,
    facilitator   TEXT NOT NULL DEFAULT '',
    advocate      TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'live', 'closed')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE INDEX meetings_scheduled_at ON meetings (scheduled_at);

-- Personas in the chair for a meeting, the first one (position 0) leading.
CREATE TABLE meeting_personas (
    meeting_id  TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    persona_id  TEXT NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, persona_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX meeting_personas_persona ON meeting_personas (persona_id);

CREATE TABLE agenda_items (
    id                TEXT PRIMARY KEY NOT NULL,
    meeting_id        TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL CHECK (position >= 0),
    title             TEXT NOT NULL CHECK (length(trim(title)) > 0),
    description       TEXT NOT NULL DEFAULT '',
    customer_problem  TEXT NOT NULL DEFAULT '',
    owner             TEXT NOT NULL DEFAULT '',
    timebox_minutes   INTEGER NOT NULL CHECK (timebox_minutes BETWEEN 1 AND 240),
    keywords          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

-- The decision log. Every row is one entry of a hash chain: `seq` counts entries from 1
-- without gaps, `prev_hash` is the previous entry's `hash` (64 zeros for the first), and
-- `hash` covers the entry's canonical serialisation (see chair-core's `chain` module).
-- Corrections are new entries (`supersede`, `revoke`) that point at an earlier one.
CREATE TABLE decision_log (
    seq               INTEGER PRIMARY KEY CHECK (seq >= 1),
    id                TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('decision', 'supersede', 'revoke')),
    target_seq        INTEGER REFERENCES decision_log (seq),
    reason            TEXT NOT NULL DEFAULT '',
    meeting_id        TEXT NOT NULL REFERENCES meetings (id),
    agenda_item_id    TEXT REFERENCES agenda_items (id),
    recorded_at       TEXT NOT NULL,
    decided_by        TEXT NOT NULL DEFAULT '',
    statement         TEXT NOT NULL DEFAULT '',
    impact_direction  TEXT CHECK (impact_direction IN ('helps', 'hurts', 'mixed', 'neutral', 'unknown')),
    impact_size       TEXT CHECK (impact_size IN ('small', 'medium', 'large')),
    impact_text       TEXT NOT NULL DEFAULT '',
    no_evidence       INTEGER NOT NULL DEFAULT 0 CHECK (no_evidence IN (0, 1)),
    advocate_stance   TEXT CHECK (advocate_stance IN ('agrees', 'objects', 'abstains', 'absent')),
    advocate_note     TEXT NOT NULL DEFAULT '',
    -- Lists that belong to the entry (personas, evidence, follow-ups, the complaints on
    -- screen), as canonical JSON; they are part of what the hash covers.
    details           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    prev_hash         TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash              TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    CHECK ((kind = 'decision') = (target_seq IS NULL)),
    CHECK (kind = 'decision' OR length(trim(reason)) > 0),
    CHECK (kind = 'revoke' OR (
        length(trim(statement)) > 0
        AND impact_direction IS NOT NULL
        AND impact_size IS NOT NULL
        AND length(trim(impact_text)) > 0
        AND advocate_stance IS NOT NULL
    ))
) STRICT;

CREATE INDEX decision_log_meeting ON decision_log (meeting_id, seq);
CREATE INDEX decision_log_item ON decision_log (agenda_item_id);
CREATE INDEX decision_log_recorded_at ON decision_log (recorded_at);
CREATE INDEX decision_log_target ON decision_log (target_seq);

CREATE TRIGGER decision_log_no_update BEFORE UPDATE ON decision_log BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be changed; record a superseding entry instead');
END;

CREATE TRIGGER decision_log_no_delete BEFORE DELETE ON decision_log BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be deleted; record a revoking entry instead');
END;

-- Look-up tables derived from `details` when an entry is appended, so the audit can filter
-- by persona and evidence on an index. Append-only like the log itself.
CREATE TABLE decision_personas (
    seq         INTEGER NOT NULL REFERENCES decision_log (seq),
    persona_id  TEXT NOT NULL REFERENCES personas (id),
    PRIMARY KEY (seq, persona_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX decision_personas_persona ON decision_personas (persona_id, seq);

CREATE TABLE decision_evidence (
    seq           INTEGER NOT NULL REFERENCES decision_log (seq),
    complaint_id  TEXT NOT NULL REFERENCES complaints (id),
    PRIMARY KEY (seq, complaint_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX decision_evidence_complaint ON decision_evidence (complaint_id);

CREATE TRIGGER decision_personas_no_update BEFORE UPDATE ON decision_personas BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be changed');
END;
CREATE TRIGGER decision_personas_no_delete BEFORE DELETE ON decision_personas BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be deleted');
END;
CREATE TRIGGER decision_evidence_no_update BEFORE UPDATE ON decision_evidence BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be changed');
END;
CREATE TRIGGER decision_evidence_no_delete BEFORE DELETE ON decision_evidence BEGIN
    SELECT RAISE(ABORT, 'the decision log is append-only: entries cannot be deleted');
END;
