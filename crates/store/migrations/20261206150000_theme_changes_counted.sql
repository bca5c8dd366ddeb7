-- Changes to themes move the one change count (see 20261204090000), so that every window and
-- the themes as last read (`Store::themes`) notice a discovery, complaints sorted into themes,
-- a rename, a merge or a split, whoever made it. Members (`complaint_themes`) are written in
-- bulk with their theme or their discovery, which move it already.
CREATE TRIGGER themes_insert_counts AFTER INSERT ON themes BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER themes_update_counts AFTER UPDATE ON themes BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER themes_delete_counts AFTER DELETE ON themes BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER theme_edits_insert_counts AFTER INSERT ON theme_edits BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER theme_discovery_insert_counts AFTER INSERT ON theme_discovery BEGIN UPDATE change_count SET n = n + 1; END;
CREATE TRIGGER theme_discovery_update_counts AFTER UPDATE ON theme_discovery BEGIN UPDATE change_count SET n = n + 1; END;
