-- The audit's team filter reads the team from the entry itself: each entry keeps its device's
-- team (a device never changes team: devices are append-only), filled in by the insert trigger,
-- with an index for the newest entries of a team first.
ALTER TABLE org.entries ADD COLUMN team text;
ALTER TABLE org.entries DISABLE TRIGGER entries_append_only;
UPDATE org.entries e SET team = d.team FROM org.devices d WHERE d.id = e.device_id;
ALTER TABLE org.entries ENABLE TRIGGER entries_append_only;
CREATE INDEX entries_team_newest ON org.entries (team, recorded_at, arrival);

-- As before, and now also the team.
CREATE OR REPLACE FUNCTION org.check_entry() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, org AS $$
DECLARE
    b jsonb;
    expected bytea;
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
        expected := decode(repeat('00', 32), 'hex');
    ELSE
        SELECT e.hash INTO expected FROM org.entries e WHERE e.device_id = NEW.device_id AND e.seq = NEW.seq - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'entry % of device % would leave a gap: entry % is not there', NEW.seq, NEW.device_id, NEW.seq - 1
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF NEW.prev_hash <> expected THEN
        RAISE EXCEPTION 'entry % of device % does not link to the entry before it', NEW.seq, NEW.device_id
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.body := b;
    NEW.team := (SELECT d.team FROM org.devices d WHERE d.id = NEW.device_id);
    NEW.recorded_at := (b->>'recorded_at')::timestamptz;
    RETURN NEW;
END $$;
