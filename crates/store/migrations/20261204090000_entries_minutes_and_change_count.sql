-- Each decision log entry as one JSON object shaped like its hashed wire form (the row's
-- columns by name, with its `details` lists inline), so that every reader of the log decodes
-- an entry the same one way. A `details` text that is not JSON (a damaged row) is passed on
-- as text, for the reader to report.
CREATE VIEW decision_entries AS
SELECT d.seq AS seq,
       json_object(
           'seq', d.seq, 'id', d.id, 'kind', d.kind, 'target_seq', d.target_seq,
           'reason', d.reason, 'meeting_id', d.meeting_id, 'agenda_item_id', d.agenda_item_id,
           'recorded_at', d.recorded_at, 'decided_by', d.decided_by, 'statement', d.statement,
           'impact_direction', d.impact_direction, 'impact_size', d.impact_size,
           'impact_text', d.impact_text, 'no_evidence', d.no_evidence,
           'advocate_stance', d.advocate_stance, 'advocate_note', d.advocate_note,
           'details', CASE WHEN json_valid(d.details) THEN json(d.details) ELSE d.details END,
           'prev_hash', d.prev_hash, 'hash', d.hash) AS entry
  FROM decision_log d;

-- The minutes of a closed meeting as the window shows them: blocks of plain-text spans
-- (`chair_core::minutes::Minutes` as JSON), kept beside the Markdown written for export.
-- Meetings closed before this have Markdown only.
ALTER TABLE meetings ADD COLUMN minutes_blocks TEXT CHECK (minutes_blocks IS NULL OR json_valid(minutes_blocks));


-- One number that goes up with every change to what the windows show, whoever makes it, so
-- the app's change watch can tell those from the complaints' meaning vectors, which the app
-- writes by itself in the background (see `crates/store/src/changes.rs`). Complaints arrive
-- by imports, which write `imports`.
CREATE TABLE change_count (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO change_count (id, n) VALUES (1, 0);
CREATE TRIGGER agenda_items_insert_counts AFTER INSERT ON agenda_items BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER agenda_items_update_counts AFTER UPDATE ON agenda_items BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER agenda_items_delete_counts AFTER DELETE ON agenda_items BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER complaint_marks_insert_counts AFTER INSERT ON complaint_marks BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER complaint_marks_update_counts AFTER UPDATE ON complaint_marks BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER complaint_marks_delete_counts AFTER DELETE ON complaint_marks BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER decision_log_insert_counts AFTER INSERT ON decision_log BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER decision_log_update_counts AFTER UPDATE ON decision_log BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER decision_log_delete_counts AFTER DELETE ON decision_log BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER escalations_insert_counts AFTER INSERT ON escalations BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER escalations_update_counts AFTER UPDATE ON escalations BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER escalations_delete_counts AFTER DELETE ON escalations BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER follow_ups_done_insert_counts AFTER INSERT ON follow_ups_done BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER follow_ups_done_update_counts AFTER UPDATE ON follow_ups_done BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER follow_ups_done_delete_counts AFTER DELETE ON follow_ups_done BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER imports_insert_counts AFTER INSERT ON imports BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER imports_update_counts AFTER UPDATE ON imports BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER imports_delete_counts AFTER DELETE ON imports BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meeting_events_insert_counts AFTER INSERT ON meeting_events BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meeting_events_update_counts AFTER UPDATE ON meeting_events BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meeting_events_delete_counts AFTER DELETE ON meeting_events BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meeting_personas_insert_counts AFTER INSERT ON meeting_personas BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meeting_personas_update_counts AFTER UPDATE ON meeting_personas BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meeting_personas_delete_counts AFTER DELETE ON meeting_personas BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meetings_insert_counts AFTER INSERT ON meetings BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meetings_update_counts AFTER UPDATE ON meetings BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER meetings_delete_counts AFTER DELETE ON meetings BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER personas_insert_counts AFTER INSERT ON personas BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER personas_update_counts AFTER UPDATE ON personas BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER personas_delete_counts AFTER DELETE ON personas BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER thesaurus_insert_counts AFTER INSERT ON thesaurus BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER thesaurus_update_counts AFTER UPDATE ON thesaurus BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER thesaurus_delete_counts AFTER DELETE ON thesaurus BEGIN UPDATE change_count SET n = n + 1; END;
