-- A lighter complaint index, so that importing costs little more than storing the rows.
--
-- The full-text index now records which complaints hold each term, not where in them
-- (`detail=none`): the relevance search reads whole term lists and the ranking finds phrases
-- in the text itself, so positions were written on every import only for the search to
-- narrow phrases a little. Searches for several words now ask for complaints holding all.
--
-- The per-day counts are added by the store once per inserted batch (up to ten thousand
-- rows) instead of by a trigger on every row. Deleting and editing complaints still keep them
-- by trigger.

DROP TRIGGER complaints_fts_insert;
DROP TRIGGER complaints_fts_delete;
DROP TRIGGER complaints_fts_update;
DROP TABLE complaints_vocab;
DROP TABLE complaints_fts;

CREATE VIRTUAL TABLE complaints_fts USING fts5 (
    title, body, product, tags,
    content = 'complaints',
    content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2',
    detail = none
);

INSERT INTO complaints_fts (complaints_fts) VALUES ('rebuild');

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

DROP TRIGGER complaint_counts_insert;
