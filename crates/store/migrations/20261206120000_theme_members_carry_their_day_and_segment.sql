-- A theme's counts (its size, the last 30 days, per week, its segments) are read from its
-- members alone, without reading each complaint's row (with its text): each member carries
-- the day its complaint was received and its segment, which never change after import.
ALTER TABLE complaint_themes ADD COLUMN received_at TEXT NOT NULL DEFAULT '';
ALTER TABLE complaint_themes ADD COLUMN segment TEXT NOT NULL DEFAULT '';
UPDATE complaint_themes SET (received_at, segment) =
    (SELECT c.received_at, c.segment FROM complaints c WHERE c.seq = complaint_themes.seq);

CREATE INDEX complaint_themes_received ON complaint_themes (theme_id, received_at);
