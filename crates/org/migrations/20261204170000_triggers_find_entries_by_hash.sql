-- The insert triggers look up an entry for every row inserted. PL/pgSQL keeps one plan for such
-- a lookup for the whole session; made while the table is nearly empty, the costs of every index
-- that starts with the device tie, and the plan may read every entry of the device for each new
-- one, so a laptop's first long push into a new organisation log would slow down as it goes.
-- The triggers now find an entry by its hash, which one index alone starts with (no two entries
-- have the same bytes, so none has the same hash), and check its device and place.
ALTER TABLE org.entries ADD CONSTRAINT entries_hash_key UNIQUE (hash);

CREATE OR REPLACE FUNCTION org.check_entry() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, org AS $$
DECLARE
    b jsonb;
    prev_device uuid;
    prev_seq bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM org.device_revocations WHERE device_id = NEW.device_id) THEN
        RAISE EXCEPTION 'device % was revoked: it can add no more entries', NEW.device_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.hash <> sha256(NEW.canonical) THEN
        RAISE EXCEPTION 'entry % of device %: its hash is not the SHA-256 of its bytes', NEW.seq, NEW.device_id
            USING ERRCODE = 'check_violation';
    END IF;
    BEGIN
        b := convert_from(NEW.canonical, 'UTF8')::jsonb;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'entry % of device %: its bytes are not a JSON entry', NEW.seq, NEW.device_id
            USING ERRCODE = 'check_violation';
    END;
    IF b->>'v' IS DISTINCT FROM '2'
       OR (b->>'seq')::bigint IS DISTINCT FROM NEW.seq
       OR (b->>'device')::uuid IS DISTINCT FROM NEW.device_id
       OR (b->>'id')::uuid IS DISTINCT FROM NEW.entry_id
       OR b->>'prev_hash' IS DISTINCT FROM encode(NEW.prev_hash, 'hex') THEN
        RAISE EXCEPTION 'entry % of device %: its columns do not say what its bytes say', NEW.seq, NEW.device_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.seq = 1 THEN
        IF NEW.prev_hash <> decode(repeat('00', 32), 'hex') THEN
            RAISE EXCEPTION 'entry % of device % does not link to the entry before it', NEW.seq, NEW.device_id
                USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        -- By hash alone: the one index that starts with it.
        SELECT e.device_id, e.seq INTO prev_device, prev_seq FROM org.entries e WHERE e.hash = NEW.prev_hash;
        IF NOT FOUND OR prev_device <> NEW.device_id OR prev_seq <> NEW.seq - 1 THEN
            IF NOT EXISTS (SELECT 1 FROM org.entries e WHERE e.device_id = NEW.device_id AND e.seq = NEW.seq - 1) THEN
                RAISE EXCEPTION 'entry % of device % would leave a gap: entry % is not there', NEW.seq, NEW.device_id, NEW.seq - 1
                    USING ERRCODE = 'check_violation';
            END IF;
            RAISE EXCEPTION 'entry % of device % does not link to the entry before it', NEW.seq, NEW.device_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    NEW.body := b;
    NEW.team := (SELECT d.team FROM org.devices d WHERE d.id = NEW.device_id);
    NEW.recorded_at := (b->>'recorded_at')::timestamptz;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION org.check_leaf() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, org AS $$
DECLARE
    entry_device uuid;
    entry_seq bigint;
BEGIN
    IF NEW.leaf_index <> coalesce((SELECT max(leaf_index) + 1 FROM org.leaves), 0) THEN
        RAISE EXCEPTION 'leaf % would leave a gap in the tree', NEW.leaf_index USING ERRCODE = 'check_violation';
    END IF;
    SELECT e.device_id, e.seq INTO entry_device, entry_seq FROM org.entries e WHERE e.hash = NEW.entry_hash;
    IF NOT FOUND OR entry_device <> NEW.device_id OR entry_seq <> NEW.seq THEN
        RAISE EXCEPTION 'leaf % does not carry its entry''s hash', NEW.leaf_index USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
