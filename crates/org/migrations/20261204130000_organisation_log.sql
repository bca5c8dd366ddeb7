-- The organisation log: one signed, hash-chained feed per laptop ("device"), a Merkle tree
-- over every entry in the order the sequencer numbered them, and signed checkpoints of it.
--
-- Every table is owned by chair_owner, a role nobody logs in as. Laptops log in as roles that
-- are members of chair_device (insert and read), leaders as members of chair_reader (read the
-- teams named for them in org.team_readers) or chair_auditor (read everything). Nobody but
-- the owner may UPDATE, DELETE or TRUNCATE, and triggers refuse those even to the owner.

-- Roles belong to the whole cluster: create each only when missing, so that a second
-- database on the same server can be set up too.
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chair_owner') THEN CREATE ROLE chair_owner NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chair_device') THEN CREATE ROLE chair_device NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chair_reader') THEN CREATE ROLE chair_reader NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chair_auditor') THEN CREATE ROLE chair_auditor NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE SCHEMA org AUTHORIZATION chair_owner;
REVOKE ALL ON SCHEMA org FROM PUBLIC;
GRANT USAGE ON SCHEMA org TO chair_device, chair_reader, chair_auditor;

-- Everything below is created by, and so owned by, the owner role.
SET LOCAL ROLE chair_owner;

-- Laptops. `db_role` is the database role the laptop logs in as: it alone may add entries
-- for the device.
CREATE TABLE org.devices (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    team        text NOT NULL CHECK (length(team) BETWEEN 1 AND 120),
    public_key  bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
    db_role     name NOT NULL DEFAULT current_user,
    enrolled_at timestamptz NOT NULL DEFAULT now()
);

-- A revoked device adds nothing more; its earlier entries stand.
CREATE TABLE org.device_revocations (
    device_id  uuid PRIMARY KEY REFERENCES org.devices (id),
    reason     text NOT NULL,
    revoked_by name NOT NULL DEFAULT current_user,
    revoked_at timestamptz NOT NULL DEFAULT now()
);

-- Which database roles may read which teams (besides the teams of their own devices).
CREATE TABLE org.team_readers (
    db_role    name NOT NULL,
    team       text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (db_role, team)
);

-- The entries: the exact canonical bytes (form version 2) of each, as the device signed them.
-- `body` and `recorded_at` are read out of those bytes by the insert trigger, for queries;
-- verification reads the bytes alone.
CREATE TABLE org.entries (
    arrival     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id   uuid NOT NULL REFERENCES org.devices (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    entry_id    uuid NOT NULL,
    canonical   bytea NOT NULL,
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
    signature   bytea NOT NULL CHECK (length(signature) = 64),
    body        jsonb,
    recorded_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, seq),
    UNIQUE (device_id, entry_id)
);
CREATE INDEX entries_recorded_at ON org.entries (recorded_at);

-- What the entries refer to (meetings, agenda items, personas, evidence complaints), as the
-- device saw them: a new row when it changes, never an edited one.
CREATE TABLE org.snapshots (
    device_id    uuid NOT NULL REFERENCES org.devices (id),
    kind         text NOT NULL CHECK (kind IN ('meeting', 'agenda_item', 'persona', 'complaint')),
    object_id    uuid NOT NULL,
    content      jsonb NOT NULL,
    content_hash bytea NOT NULL,
    taken_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, kind, object_id, content_hash)
);

-- The Merkle tree's leaves: every entry gets the next number, densely, in arrival order, from
-- org.sequence() alone. Readable by all: a leaf shows an entry's hash, not its content.
CREATE TABLE org.leaves (
    leaf_index   bigint PRIMARY KEY CHECK (leaf_index >= 0),
    device_id    uuid NOT NULL,
    seq          bigint NOT NULL,
    entry_hash   bytea NOT NULL,
    sequenced_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES org.entries (device_id, seq)
);

-- Signed checkpoints: (tree size, root), signed by the device that sealed them.
CREATE TABLE org.checkpoints (
    tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
    root      bytea NOT NULL CHECK (length(root) = 32),
    signer    uuid NOT NULL REFERENCES org.devices (id),
    sealed_at text NOT NULL,
    signature bytea NOT NULL CHECK (length(signature) = 64)
);

-- Append-only, whoever asks.
CREATE FUNCTION org.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the organisation log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['devices', 'device_revocations', 'team_readers', 'entries',
                             'snapshots', 'leaves', 'checkpoints'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON org.%I
                        FOR EACH ROW EXECUTE FUNCTION org.refuse_change()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON org.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION org.refuse_change()', t || '_no_truncate', t);
    END LOOP;
END $$;

-- Each entry: its hash is the SHA-256 of its bytes, its bytes say what its columns say, and it
-- links to the device's entry before it (entry 1 to 64 zeros): no gaps, no forks (the unique
-- (device_id, seq) refuses a second entry at a place).
CREATE FUNCTION org.check_entry() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
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
    NEW.recorded_at := (b->>'recorded_at')::timestamptz;
    RETURN NEW;
END $$;
CREATE TRIGGER entries_chain BEFORE INSERT ON org.entries
    FOR EACH ROW EXECUTE FUNCTION org.check_entry();

-- Leaves are numbered densely and carry the hash of the entry they stand for.
CREATE FUNCTION org.check_leaf() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, org AS $$
BEGIN
    IF NEW.leaf_index <> coalesce((SELECT max(leaf_index) + 1 FROM org.leaves), 0) THEN
        RAISE EXCEPTION 'leaf % would leave a gap in the tree', NEW.leaf_index USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.entry_hash IS DISTINCT FROM (SELECT hash FROM org.entries WHERE device_id = NEW.device_id AND seq = NEW.seq) THEN
        RAISE EXCEPTION 'leaf % does not carry its entry''s hash', NEW.leaf_index USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER leaves_dense BEFORE INSERT ON org.leaves
    FOR EACH ROW EXECUTE FUNCTION org.check_leaf();

-- A checkpoint covers leaves that exist and never fewer than the one before it.
CREATE FUNCTION org.check_checkpoint() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, org AS $$
BEGIN
    IF NEW.tree_size > (SELECT count(*) FROM org.leaves) THEN
        RAISE EXCEPTION 'a checkpoint of % leaves covers leaves that do not exist', NEW.tree_size
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.tree_size <= coalesce((SELECT max(tree_size) FROM org.checkpoints), -1) THEN
        RAISE EXCEPTION 'a checkpoint of % leaves is not newer than the latest one', NEW.tree_size
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER checkpoints_grow BEFORE INSERT ON org.checkpoints
    FOR EACH ROW EXECUTE FUNCTION org.check_checkpoint();

-- The sequencer step: numbers every entry not yet in the tree, in arrival order, after the
-- last leaf; returns the tree's size. The transaction-level advisory lock makes concurrent
-- seals take turns (the caller signs its checkpoint in the same transaction).
CREATE FUNCTION org.sequence() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, org AS $$
DECLARE n bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7268131419425712489);
    SELECT coalesce(max(leaf_index) + 1, 0) INTO n FROM org.leaves;
    INSERT INTO org.leaves (leaf_index, device_id, seq, entry_hash)
    SELECT n + row_number() OVER (ORDER BY e.arrival) - 1, e.device_id, e.seq, e.hash
      FROM org.entries e
     WHERE NOT EXISTS (SELECT 1 FROM org.leaves l WHERE l.device_id = e.device_id AND l.seq = e.seq)
     ORDER BY e.arrival;
    RETURN (SELECT coalesce(max(leaf_index) + 1, 0) FROM org.leaves);
END $$;

-- Row-level security: a laptop writes only as its own device(s); a reader sees the teams of
-- its own devices and those named for it; an auditor sees every team.
CREATE FUNCTION org.readable_devices() RETURNS TABLE (id uuid) LANGUAGE sql STABLE
SET search_path = pg_catalog, org AS $$
    SELECT d.id FROM org.devices d
     WHERE pg_has_role(current_user, 'chair_auditor', 'MEMBER')
        OR d.team IN (SELECT r.team FROM org.team_readers r WHERE r.db_role = current_user
                      UNION SELECT o.team FROM org.devices o WHERE o.db_role = current_user)
$$;

ALTER TABLE org.devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.device_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.team_readers ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.leaves ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.checkpoints ENABLE ROW LEVEL SECURITY;

CREATE POLICY devices_read ON org.devices FOR SELECT USING (true);
CREATE POLICY devices_enrol ON org.devices FOR INSERT WITH CHECK (db_role = current_user);
CREATE POLICY revocations_read ON org.device_revocations FOR SELECT USING (true);
CREATE POLICY revocations_add ON org.device_revocations FOR INSERT WITH CHECK (
    pg_has_role(current_user, 'chair_auditor', 'MEMBER')
    OR device_id IN (SELECT d.id FROM org.devices d WHERE d.db_role = current_user));
CREATE POLICY team_readers_read ON org.team_readers FOR SELECT USING (true);
CREATE POLICY entries_read ON org.entries FOR SELECT USING (device_id IN (SELECT id FROM org.readable_devices()));
CREATE POLICY entries_add ON org.entries FOR INSERT WITH CHECK (
    device_id IN (SELECT d.id FROM org.devices d WHERE d.db_role = current_user));
CREATE POLICY snapshots_read ON org.snapshots FOR SELECT USING (device_id IN (SELECT id FROM org.readable_devices()));
CREATE POLICY snapshots_add ON org.snapshots FOR INSERT WITH CHECK (
    device_id IN (SELECT d.id FROM org.devices d WHERE d.db_role = current_user));
CREATE POLICY leaves_read ON org.leaves FOR SELECT USING (true);
CREATE POLICY checkpoints_read ON org.checkpoints FOR SELECT USING (true);
CREATE POLICY checkpoints_add ON org.checkpoints FOR INSERT WITH CHECK (
    signer IN (SELECT d.id FROM org.devices d WHERE d.db_role = current_user));

-- Privileges: insert and read, nothing else.
REVOKE ALL ON ALL TABLES IN SCHEMA org FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA org FROM PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA org TO chair_device, chair_reader, chair_auditor;
GRANT INSERT ON org.devices, org.entries, org.snapshots, org.checkpoints, org.device_revocations TO chair_device;
GRANT INSERT ON org.device_revocations TO chair_auditor;
GRANT EXECUTE ON FUNCTION org.sequence() TO chair_device;
GRANT EXECUTE ON FUNCTION org.readable_devices() TO chair_device, chair_reader, chair_auditor;

RESET ROLE;
