-- The sampled word statistics relevance ranking needs (`chair_core::relevance::stats`), kept
-- for the collection they were drawn from (its newest complaint and its size), so a new
-- process (each `chair relevant`, the app's start) reads them instead of sampling again.
-- Derived data: dropping the row only costs one sampling.
CREATE TABLE relevance_stats (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  INTEGER NOT NULL,
    docs        INTEGER NOT NULL,
    stats       TEXT NOT NULL
) STRICT;
