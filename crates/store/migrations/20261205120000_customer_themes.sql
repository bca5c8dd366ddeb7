-- Customer themes found in the complaints' meaning vectors (`chair_core::themes`). A theme
-- keeps its id across discoveries (a new theme takes the id of the earlier one whose centre
-- is closest) and the name a user gave it. Complaints not in `complaint_themes` are unsorted:
-- they fit no theme, or the language model has not read them yet.
CREATE TABLE themes (
    id          TEXT PRIMARY KEY NOT NULL,
    -- Found from the theme's distinctive words; `user_name` (given by a user) is shown instead.
    name        TEXT NOT NULL,
    user_name   TEXT CHECK (user_name IS NULL OR length(trim(user_name)) > 0),
    -- The theme's centre in the discovery's centred space (`chair_core::relevance::dense::quantize`).
    centre      BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE complaint_themes (
    seq        INTEGER PRIMARY KEY NOT NULL REFERENCES complaints (seq) ON DELETE CASCADE,
    theme_id   TEXT NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
    -- Cosine with the theme's centre: the most typical complaints stand for the theme.
    closeness  REAL NOT NULL
) STRICT;

CREATE INDEX complaint_themes_theme ON complaint_themes (theme_id, closeness DESC);

-- The last discovery: the model whose vectors it read and the collection's mean, so that
-- complaints read later join the themes without a new discovery.
CREATE TABLE theme_discovery (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    model          TEXT NOT NULL,
    mean           BLOB NOT NULL,
    complaints     INTEGER NOT NULL,
    discovered_at  TEXT NOT NULL
) STRICT;
