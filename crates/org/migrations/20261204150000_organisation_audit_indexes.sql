-- The organisation audit lists the newest entries first, filtered by laptop, by impact
-- direction or by date: an index for each, in that order (arrival breaks ties).
CREATE INDEX entries_newest ON org.entries (recorded_at, arrival);
CREATE INDEX entries_device_newest ON org.entries (device_id, recorded_at, arrival);
CREATE INDEX entries_direction_newest ON org.entries ((body->>'direction'), recorded_at, arrival);
