-- What the audit needs around the append-only decision log: full-text search over
-- statements, impact texts and reasons; follow-ups marked done (append-only too); and indexes
-- that keep filtered lists fast with a hundred thousand decisions.

CREATE VIRTUAL TABLE decisions_fts USING fts5 (
    statement, impact_text, reason,
    content = 'decision_log',
    content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The log refuses UPDATE and DELETE, so inserts are all there is to follow.
CREATE TRIGGER decisions_fts_insert AFTER INSERT ON decision_log BEGIN
    INSERT INTO decisions_fts (rowid, statement, impact_text, reason)
    VALUES (new.seq, new.statement, new.impact_text, new.reason);
END;

-- A follow-up of a logged decision, done. Follow-ups themselves are part of the hashed entry.
CREATE TABLE follow_ups_done (
    seq        INTEGER NOT NULL REFERENCES decision_log (seq),
    position   INTEGER NOT NULL CHECK (position >= 0),
    done_at    TEXT NOT NULL,
    done_by    TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (seq, position)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER follow_ups_done_no_update BEFORE UPDATE ON follow_ups_done BEGIN
    SELECT RAISE(ABORT, 'a follow-up marked done stays done; the record is append-only');
END;
CREATE TRIGGER follow_ups_done_no_delete BEFORE DELETE ON follow_ups_done BEGIN
    SELECT RAISE(ABORT, 'a follow-up marked done stays done; the record is append-only');
END;

-- Covering index for the audit's filters and counts: direction, stance, evidence and date
-- are read from it without touching the (wide) log rows.
CREATE INDEX decision_log_audit ON decision_log (kind, impact_direction, advocate_stance, no_evidence, recorded_at, meeting_id);
