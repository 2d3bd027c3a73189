-- The audit trail is append-only on the server (oneplan.data.audit; docs/postgres.md,
-- "Audit trail"). Idempotent: CREATE OR REPLACE, GRANT/REVOKE.
--
-- * INSERT: the server, not the client, says who and when: actor := session_user (the
--   login account; SET ROLE cannot change it), "at" := now() in UTC. Only the owner of
--   the table (oneplan_owner) keeps the values it gives, so that `oneplan db restore`
--   keeps the history.
-- * UPDATE, DELETE, TRUNCATE: refused for every role, the owner and superusers included
--   (statement triggers: they fire even when no row matches).

CREATE OR REPLACE FUNCTION oneplan_audit_stamp() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF session_user = 'oneplan_owner' OR session_user = (
            SELECT tableowner FROM pg_catalog.pg_tables
            WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME) THEN
        NEW.actor := coalesce(NEW.actor, session_user);
        NEW."at" := coalesce(NEW."at", now() AT TIME ZONE 'UTC');
    ELSE
        NEW.actor := session_user;
        NEW."at" := now() AT TIME ZONE 'UTC';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION oneplan_audit_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused / บันทึกการตรวจสอบ (audit_log) แก้ไขหรือลบไม่ได้', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit rows are only ever added (oneplan.data.audit.record)';
END
$$;

CREATE OR REPLACE TRIGGER audit_log_stamp
    BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION oneplan_audit_stamp();
CREATE OR REPLACE TRIGGER audit_log_no_update
    BEFORE UPDATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION oneplan_audit_refuse();
CREATE OR REPLACE TRIGGER audit_log_no_delete
    BEFORE DELETE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION oneplan_audit_refuse();
CREATE OR REPLACE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION oneplan_audit_refuse();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

-- Every group role adds and reads audit rows (which rows it sees is row-level security's
-- business, data/pg/20_rights.sql); none may change them. Roles not made yet are skipped.
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['oneplan_office', 'oneplan_central', 'oneplan_linkage']
    LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT SELECT, INSERT ON audit_log TO %I', r);
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %I', r);
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'oneplan_readonly') THEN
        GRANT SELECT ON audit_log TO oneplan_readonly;
    END IF;
END
$$;
