-- Live meetings: where a meeting is (its current item), the time spent on each item, what the
-- advocate said and did (the meeting's timeline), minutes, carrying unfinished items forward;
-- and "?" escalations on complaints.

ALTER TABLE meetings ADD COLUMN current_item_id TEXT REFERENCES agenda_items (id) ON DELETE SET NULL;
ALTER TABLE meetings ADD COLUMN started_at TEXT;
ALTER TABLE meetings ADD COLUMN closed_at TEXT;
-- Markdown, written when the meeting closes.
ALTER TABLE meetings ADD COLUMN minutes TEXT NOT NULL DEFAULT '';

-- Time spent on the item so far, and since when its timer runs (NULL: paused).
ALTER TABLE agenda_items ADD COLUMN spent_seconds INTEGER NOT NULL DEFAULT 0 CHECK (spent_seconds >= 0);
ALTER TABLE agenda_items ADD COLUMN running_since TEXT;
-- Taken up in the live meeting.
ALTER TABLE agenda_items ADD COLUMN discussed INTEGER NOT NULL DEFAULT 0 CHECK (discussed IN (0, 1));
-- Left unfinished at close and to be offered to the next meeting of the same title.
ALTER TABLE agenda_items ADD COLUMN carry_forward INTEGER NOT NULL DEFAULT 0 CHECK (carry_forward IN (0, 1));
-- The unfinished item of an earlier meeting this one continues.
ALTER TABLE agenda_items ADD COLUMN carried_from TEXT REFERENCES agenda_items (id) ON DELETE SET NULL;

-- The meeting's timeline: the advocate's stances, remarks and questions, and the moves
-- between items, as they happened.
CREATE TABLE meeting_events (
    id              TEXT PRIMARY KEY NOT NULL,
    meeting_id      TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id  TEXT REFERENCES agenda_items (id) ON DELETE SET NULL,
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('started', 'item', 'agree', 'object', 'remark', 'question', 'closed')),
    text            TEXT NOT NULL DEFAULT '',
    complaint_id    TEXT REFERENCES complaints (id) ON DELETE SET NULL,
    by_whom         TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX meeting_events_meeting ON meeting_events (meeting_id, at);

-- A "?" on a complaint: somebody must find out and answer.
CREATE TABLE escalations (
    id              TEXT PRIMARY KEY NOT NULL,
    complaint_id    TEXT NOT NULL REFERENCES complaints (id),
    meeting_id      TEXT REFERENCES meetings (id) ON DELETE SET NULL,
    agenda_item_id  TEXT REFERENCES agenda_items (id) ON DELETE SET NULL,
    question        TEXT NOT NULL CHECK (length(trim(question)) > 0),
    owner           TEXT NOT NULL CHECK (length(trim(owner)) > 0),
    due             TEXT NOT NULL,
    raised_by       TEXT NOT NULL DEFAULT '',
    raised_at       TEXT NOT NULL,
    answered_at     TEXT,
    resolution      TEXT NOT NULL DEFAULT '',
    CHECK ((answered_at IS NULL) = (length(trim(resolution)) = 0))
) STRICT;

CREATE INDEX escalations_state ON escalations (answered_at, due);
CREATE INDEX escalations_meeting ON escalations (meeting_id);
