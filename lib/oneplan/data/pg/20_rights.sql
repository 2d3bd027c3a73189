-- Rights on the shared central database, enforced by the server (docs/postgres.md, "Rights").
-- Applied after schema.sql by oneplan.data.pgschema.postgres_ddl(); idempotent: every run
-- resets the groups' privileges and policies on every table of schema public and makes
-- them again, so a table or column added since is covered by running it once more.
--
--   oneplan_office    its own province: reads reference tables whole and the rows of its
--                     province (its province_code, or the row it belongs to: need_stages ->
--                     needs, progress -> proposals / water_projects, plan_items ->
--                     plan_versions, complaint_* -> complaints); writes only its province's
--                     needs, need_stages, proposals, progress; inserts audit rows of
--                     its province (or of none: a file that could not be read)
--   oneplan_central   reads everything; writes plans (plan_versions, plan_items,
--                     water_projects) and imports needs, need_stages, proposals, progress
--                     for any province; inserts audit rows
--   oneplan_linkage   reads and writes the complaint tables, personal columns included
--                     (the only group that may read them); reads reference tables;
--                     inserts audit rows
--   oneplan_readonly  reads everything (dashboards)
--
-- The complaint personal columns (first_name, last_name, person_id_hash, phone_hash,
-- address_hash, house_no_hash) are granted to linkage only: the other groups get a column
-- list without them, so selecting one is "permission denied".
--
-- Row-level security is ENABLEd, not FORCEd: the owner oneplan_owner is the administrator
-- (schema, restore, copy, db grant) and keeps every row; it is the cluster's superuser on
-- the project's server, which bypasses row security even when forced. The audit trail's
-- append-only trigger (30_audit.sql) binds the owner as well, since triggers do not
-- depend on row security. Roles are per cluster: an account of one database is a member of
-- its group in every database of the server, but its province is recorded per database
-- (oneplan_rights.office_accounts), so an office sees no province rows where it has none.

DO $groups$
DECLARE
    g text;
BEGIN
    FOREACH g IN ARRAY ARRAY['oneplan_office', 'oneplan_central', 'oneplan_linkage',
                             'oneplan_readonly'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = g) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', g);
            EXCEPTION WHEN duplicate_object THEN
                NULL;  -- made meanwhile by another database's init on the same server
            END;
        END IF;
    END LOOP;
END
$groups$;

-- Which office account belongs to which province: the owner's own schema, not in
-- schema.sql (no DuckDB twin, never in a backup; the accounts are roles of the server).
CREATE SCHEMA IF NOT EXISTS oneplan_rights;
REVOKE ALL ON SCHEMA oneplan_rights FROM PUBLIC;
CREATE TABLE IF NOT EXISTS oneplan_rights.office_accounts (
    role_name     VARCHAR PRIMARY KEY,
    province_code VARCHAR NOT NULL CHECK (province_code ~ '^[0-9]{2}$')
);
REVOKE ALL ON oneplan_rights.office_accounts FROM PUBLIC;

-- The province of the connected office account (NULL for every other login). SECURITY
-- DEFINER: it reads office_accounts, which no group may read; session_user is the login
-- (current_user would be the definer inside the function).
CREATE OR REPLACE FUNCTION oneplan_rights.my_province() RETURNS VARCHAR
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$ SELECT province_code FROM oneplan_rights.office_accounts WHERE role_name = session_user $$;
REVOKE ALL ON FUNCTION oneplan_rights.my_province() FROM PUBLIC;
GRANT USAGE ON SCHEMA oneplan_rights
    TO oneplan_office, oneplan_central, oneplan_linkage, oneplan_readonly;
GRANT EXECUTE ON FUNCTION oneplan_rights.my_province()
    TO oneplan_office, oneplan_central, oneplan_linkage, oneplan_readonly;

DO $rights$
DECLARE
    groups    CONSTANT text := 'oneplan_office, oneplan_central, oneplan_linkage, oneplan_readonly';
    personal  CONSTANT text[] := ARRAY['first_name', 'last_name', 'person_id_hash',
                                       'phone_hash', 'address_hash', 'house_no_hash'];
    reference CONSTANT text[] := ARRAY['meta', 'areas', 'agencies', 'strategic_issues',
                                       'subdistrict_water', 'schema_migrations'];
    office_writes  CONSTANT text[] := ARRAY['needs', 'need_stages', 'proposals', 'progress'];
    central_writes CONSTANT text[] := ARRAY['plan_versions', 'plan_items', 'water_projects',
                                            'needs', 'need_stages', 'proposals', 'progress'];
    -- evaluated once per statement (an init plan), not once per row
    mine CONSTANT text := '(SELECT oneplan_rights.my_province())';
    t     text;
    pol   text;
    prov  text;   -- SQL giving the province of a row of t (NULL: a country-wide table)
    own   text;   -- the row is the office's
    place text;   -- an office's new row lies in its province (its area codes too)
    readable text;  -- what readonly / central / office may SELECT of t
BEGIN
    -- TEMPORARY: a writer publishes through temporary tables (COPY cannot fill a table
    -- with row-level security)
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %s', current_database(),
                   groups);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %s', groups);

    FOR t IN SELECT table_name FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1 LOOP
        -- start from nothing (a REVOKE on the table revokes its column grants too)
        EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC, %s', t, groups);
        FOR pol IN SELECT policyname FROM pg_policies
                   WHERE schemaname = 'public' AND tablename = t
                     AND policyname LIKE 'oneplan\_%' LOOP
            EXECUTE format('DROP POLICY %I ON public.%I', pol, t);
        END LOOP;
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);

        prov := CASE t
            WHEN 'need_stages' THEN
                '(SELECT n.province_code FROM public.needs n WHERE n.need_id = need_stages.need_id)'
            WHEN 'progress' THEN
                'coalesce((SELECT p.province_code FROM public.proposals p '
                'WHERE p.project_id = progress.project_id), '
                '(SELECT w.province_code FROM public.water_projects w '
                'WHERE w.project_id = progress.project_id))'
            WHEN 'plan_items' THEN
                '(SELECT v.province_code FROM public.plan_versions v '
                'WHERE v.version_id = plan_items.version_id)'
            WHEN 'complaint_truth' THEN
                '(SELECT c.province_code FROM public.complaints c '
                'WHERE c.complaint_id = complaint_truth.complaint_id)'
            WHEN 'complaint_clusters' THEN
                '(SELECT c.province_code FROM public.complaints c '
                'WHERE c.complaint_id = complaint_clusters.complaint_id)'
            WHEN 'complaint_review_pairs' THEN
                '(SELECT c.province_code FROM public.complaints c '
                'WHERE c.complaint_id = complaint_review_pairs.left_id)'
            WHEN 'complaint_link_decisions' THEN
                '(SELECT c.province_code FROM public.complaints c '
                'WHERE c.complaint_id = complaint_link_decisions.left_id)'
            END;
        IF prov IS NULL AND EXISTS (
                SELECT 1 FROM information_schema.columns WHERE table_schema = 'public'
                AND table_name = t AND column_name = 'province_code') THEN
            prov := 'province_code';
        END IF;
        own := format('%s = %s', prov, mine);
        -- rows that belong to a parent: one hashed look-up of the office's parent keys
        -- per statement, not a sub-query per row (1.4 s -> ms for need_stages nationally)
        own := CASE t
            WHEN 'need_stages' THEN format('need_id IN (SELECT n.need_id FROM public.needs n '
                'WHERE n.province_code = %s)', mine)
            WHEN 'progress' THEN format('(project_id IN (SELECT p.project_id FROM '
                'public.proposals p WHERE p.province_code = %1$s) OR (project_id NOT IN '
                '(SELECT p.project_id FROM public.proposals p) AND project_id IN (SELECT '
                'w.project_id FROM public.water_projects w WHERE w.province_code = %1$s)))',
                mine)
            WHEN 'plan_items' THEN format('version_id IN (SELECT v.version_id FROM '
                'public.plan_versions v WHERE v.province_code = %s)', mine)
            WHEN 'complaint_truth' THEN format('complaint_id IN (SELECT c.complaint_id FROM '
                'public.complaints c WHERE c.province_code = %s)', mine)
            WHEN 'complaint_clusters' THEN format('complaint_id IN (SELECT c.complaint_id '
                'FROM public.complaints c WHERE c.province_code = %s)', mine)
            WHEN 'complaint_review_pairs' THEN format('left_id IN (SELECT c.complaint_id '
                'FROM public.complaints c WHERE c.province_code = %s)', mine)
            WHEN 'complaint_link_decisions' THEN format('left_id IN (SELECT c.complaint_id '
                'FROM public.complaints c WHERE c.province_code = %s)', mine)
            ELSE own END;
        place := CASE t
            WHEN 'needs' THEN own || ' AND left(village_code, 2) = province_code '
                'AND left(subdistrict_code, 2) = province_code '
                'AND left(district_code, 2) = province_code'
            WHEN 'proposals' THEN own || ' AND left(coalesce(village_code, '
                'subdistrict_code, district_code, province_code), 2) = province_code'
            ELSE own END;

        -- what may be read: every column, but the personal ones of complaints
        IF t = 'complaints' THEN
            SELECT 'SELECT (' || string_agg(quote_ident(column_name), ', '
                                            ORDER BY ordinal_position) || ')'
              INTO readable FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = t
               AND column_name <> ALL (personal);
        ELSE
            readable := 'SELECT';
        END IF;

        -- readonly and central read every row
        EXECUTE format('GRANT %s ON public.%I TO oneplan_readonly, oneplan_central', readable, t);
        EXECUTE format('CREATE POLICY oneplan_read_all ON public.%I FOR SELECT '
                       'TO oneplan_readonly, oneplan_central USING (true)', t);

        -- office: reference tables whole, the rest of its province only
        IF t = ANY (reference) THEN
            EXECUTE format('GRANT %s ON public.%I TO oneplan_office', readable, t);
            EXECUTE format('CREATE POLICY oneplan_office_read ON public.%I FOR SELECT '
                           'TO oneplan_office USING (true)', t);
        ELSIF prov IS NOT NULL THEN
            EXECUTE format('GRANT %s ON public.%I TO oneplan_office', readable, t);
            EXECUTE format('CREATE POLICY oneplan_office_read ON public.%I FOR SELECT '
                           'TO oneplan_office USING (%s)', t, own);
        END IF;
        IF t = ANY (office_writes) THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON public.%I TO oneplan_office', t);
            EXECUTE format('CREATE POLICY oneplan_office_insert ON public.%I FOR INSERT '
                           'TO oneplan_office WITH CHECK (%s)', t, place);
            EXECUTE format('CREATE POLICY oneplan_office_update ON public.%I FOR UPDATE '
                           'TO oneplan_office USING (%s) WITH CHECK (%s)', t, own, place);
            EXECUTE format('CREATE POLICY oneplan_office_delete ON public.%I FOR DELETE '
                           'TO oneplan_office USING (%s)', t, own);
        END IF;

        -- central: plans, and imports for any province
        IF t = ANY (central_writes) THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON public.%I TO oneplan_central', t);
            EXECUTE format('CREATE POLICY oneplan_central_insert ON public.%I FOR INSERT '
                           'TO oneplan_central WITH CHECK (true)', t);
            EXECUTE format('CREATE POLICY oneplan_central_update ON public.%I FOR UPDATE '
                           'TO oneplan_central USING (true) WITH CHECK (true)', t);
            EXECUTE format('CREATE POLICY oneplan_central_delete ON public.%I FOR DELETE '
                           'TO oneplan_central USING (true)', t);
        END IF;

        -- linkage: the complaint tables whole, personal columns included
        IF t LIKE 'complaint%' THEN
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I '
                           'TO oneplan_linkage', t);
            EXECUTE format('CREATE POLICY oneplan_linkage_all ON public.%I FOR ALL '
                           'TO oneplan_linkage USING (true) WITH CHECK (true)', t);
        ELSIF t = ANY (reference) OR t = 'audit_log' THEN
            EXECUTE format('GRANT SELECT ON public.%I TO oneplan_linkage', t);
            EXECUTE format('CREATE POLICY oneplan_linkage_read ON public.%I FOR SELECT '
                           'TO oneplan_linkage USING (true)', t);
        END IF;

        -- the audit trail: every writer inserts (an office for its province only);
        -- nobody updates or deletes (and 30_audit.sql's trigger refuses it even to the owner)
        IF t = 'audit_log' THEN
            EXECUTE 'GRANT INSERT ON public.audit_log '
                    'TO oneplan_office, oneplan_central, oneplan_linkage';
            -- an office's row names its province, or none (a file that could not be
            -- read has no province yet); the server stamps its actor either way
            EXECUTE format('CREATE POLICY oneplan_office_insert ON public.audit_log '
                           'FOR INSERT TO oneplan_office '
                           'WITH CHECK (province_code IS NULL OR %s)', own);
            EXECUTE 'CREATE POLICY oneplan_writer_insert ON public.audit_log FOR INSERT '
                    'TO oneplan_central, oneplan_linkage WITH CHECK (true)';
        END IF;

        -- meta: an import stamps 'last_import_at'; a complaint import records the
        -- fingerprint of its hashing salt; nothing else of meta is theirs
        IF t = 'meta' THEN
            EXECUTE 'GRANT INSERT, UPDATE ON public.meta TO oneplan_office, oneplan_central, '
                    'oneplan_linkage';
            EXECUTE 'CREATE POLICY oneplan_import_stamp_insert ON public.meta FOR INSERT '
                    'TO oneplan_office, oneplan_central WITH CHECK (key = ''last_import_at'')';
            EXECUTE 'CREATE POLICY oneplan_import_stamp_update ON public.meta FOR UPDATE '
                    'TO oneplan_office, oneplan_central USING (key = ''last_import_at'') '
                    'WITH CHECK (key = ''last_import_at'')';
            EXECUTE 'CREATE POLICY oneplan_linkage_salt_insert ON public.meta FOR INSERT '
                    'TO oneplan_linkage WITH CHECK (key = ''pii_salt_fingerprint'')';
            EXECUTE 'CREATE POLICY oneplan_linkage_salt_update ON public.meta FOR UPDATE '
                    'TO oneplan_linkage USING (key = ''pii_salt_fingerprint'') '
                    'WITH CHECK (key = ''pii_salt_fingerprint'')';
        END IF;
    END LOOP;
END
$rights$;
