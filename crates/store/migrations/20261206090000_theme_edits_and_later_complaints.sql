-- Merges and splits users made to themes, replayed after every discovery so that they are
-- not lost (`chair_core::themes::edits`). Each edit keeps the centres that find it again.
CREATE TABLE theme_edits (
    seq           INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
    -- merge: the theme kept; split: the theme split.
    theme_id      TEXT NOT NULL,
    -- merge: the theme merged in (gone since); split: the theme split off.
    other_id      TEXT NOT NULL,
    -- merge: the centre of the theme merged in; split: the centre of the part split off.
    other_centre  BLOB NOT NULL,
    -- split: the centre of the part that stayed.
    kept_centre   BLOB,
    made_at       TEXT NOT NULL,
    CHECK ((kind = 'split') = (kept_centre IS NOT NULL))
) STRICT;

-- Complaints looked at for a theme and fitting none. With `complaint_themes` it tells the
-- complaints read for meaning since the themes were found, which are sorted into them
-- without finding them again.
CREATE TABLE unsorted_complaints (
    seq  INTEGER PRIMARY KEY NOT NULL REFERENCES complaints (seq) ON DELETE CASCADE
) STRICT;

-- `complaints` now counts the complaints looked at (found or sorted later); `discovered_from`
-- how many the last discovery read, so that enough new ones find the themes again.
ALTER TABLE theme_discovery ADD COLUMN discovered_from INTEGER NOT NULL DEFAULT 0;
UPDATE theme_discovery SET discovered_from = complaints;
