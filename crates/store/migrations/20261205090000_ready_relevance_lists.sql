-- Each agenda item's relevant complaints, ranked ahead of the meeting (when the item is saved
-- or edited, and when complaints or their meaning vectors arrive), so that live mode and the
-- advocate's seat read a ready list. The list is the ranking before the room's pins and
-- dismissals, `depth` groups deep; `inputs` is a digest of everything it was ranked from (the
-- item's words, the personas in the chair, the thesaurus, the newest complaint, the meaning
-- vectors). A list whose inputs changed is ranked again instead of read. Derived data:
-- dropping a row only costs one ranking.
CREATE TABLE ready_lists (
    agenda_item_id  TEXT PRIMARY KEY NOT NULL REFERENCES agenda_items (id) ON DELETE CASCADE,
    inputs          TEXT NOT NULL,
    depth           INTEGER NOT NULL CHECK (depth > 0),
    ranked_at       TEXT NOT NULL,
    list            TEXT NOT NULL CHECK (json_valid(list))
) STRICT;
