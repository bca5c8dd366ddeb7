-- What each complaint means, as the language model reads it: one vector per complaint, so
-- that an agenda item finds complaints similar in meaning even when they share no word.
-- Filled in the background after imports (newest complaints first); a complaint without a
-- row is ranked by its words alone. `vector` holds a little-endian f32 scale followed by
-- one signed byte per dimension (value = byte × scale).
CREATE TABLE complaint_embeddings (
    seq     INTEGER PRIMARY KEY REFERENCES complaints (seq) ON DELETE CASCADE,
    model   TEXT NOT NULL,
    vector  BLOB NOT NULL
) STRICT;
