-- oneplan central database (DuckDB). One file holds all 76 provinces.
-- Every data row keeps its source: source_file, source_sheet, source_row point at the line
-- a user typed (or, for the synthetic sample, at the generator and its seed).
-- Codes are DOPA codes stored as text: province 2 digits, district 4, sub-district 6,
-- village 8 (sub-district + หมู่ที่).

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- The schema versions this database has (oneplan.data.migrations, data/migrations/*.sql):
-- one row per migration applied; a database made from this file is stamped with every
-- one. `oneplan db status` shows it, `oneplan db upgrade` applies what is missing.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
);

-- Provinces, districts, sub-districts (from geothai) and villages, one table.
CREATE TABLE IF NOT EXISTS areas (
    code          VARCHAR PRIMARY KEY,
    level         VARCHAR NOT NULL CHECK (level IN ('province', 'district', 'subdistrict', 'village')),
    parent_code   VARCHAR,
    province_code VARCHAR NOT NULL,
    name_th       VARCHAR NOT NULL,
    name_en       VARCHAR,
    region        VARCHAR,
    population    INTEGER,            -- synthetic in the sample
    households    INTEGER,            -- synthetic in the sample
    synthetic     BOOLEAN NOT NULL,   -- true when any figure of the row is generated
    source_file   VARCHAR NOT NULL,
    source_sheet  VARCHAR,
    source_row    INTEGER
);

-- Water need indicators per sub-district and fiscal year (Khon Kaen water plan).
CREATE TABLE IF NOT EXISTS subdistrict_water (
    subdistrict_code        VARCHAR NOT NULL,
    fiscal_year             INTEGER NOT NULL,   -- พ.ศ.
    province_code           VARCHAR NOT NULL,
    basin                   VARCHAR NOT NULL,
    zone                    VARCHAR NOT NULL,   -- upstream / midstream / downstream
    water_demand_m3         DOUBLE,
    water_storage_m3        DOUBLE,
    households_no_piped     INTEGER,
    drought_risk            DOUBLE,             -- 0..1
    flood_risk              DOUBLE,             -- 0..1
    need_index              DOUBLE,             -- 0..1, composite (see oneplan.sample)
    synthetic               BOOLEAN NOT NULL,
    source_file             VARCHAR NOT NULL,
    source_sheet            VARCHAR,
    source_row              INTEGER,
    PRIMARY KEY (subdistrict_code, fiscal_year)
);

-- Agencies: central departments, regional and provincial offices, districts, LAOs.
CREATE TABLE IF NOT EXISTS agencies (
    agency_id     VARCHAR PRIMARY KEY,
    name_th       VARCHAR NOT NULL,
    name_en       VARCHAR,
    level         VARCHAR NOT NULL,   -- central / regional / provincial / district / lao
    lao_type      VARCHAR,            -- for level lao: pao (อบจ.) / municipality (เทศบาล) / sao (อบต.)
    province_code VARCHAR,            -- NULL for central agencies
    synthetic     BOOLEAN NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sheet  VARCHAR,
    source_row    INTEGER
);

-- Strategic issues (ประเด็นยุทธศาสตร์) of each province's development plan.
CREATE TABLE IF NOT EXISTS strategic_issues (
    province_code VARCHAR NOT NULL,
    issue_no      INTEGER NOT NULL,
    name_th       VARCHAR NOT NULL,
    name_en       VARCHAR,
    synthetic     BOOLEAN NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sheet  VARCHAR,
    source_row    INTEGER,
    PRIMARY KEY (province_code, issue_no)
);

-- Water project candidates (the Khon Kaen plan's pool, selected by oneplan.portfolio).
CREATE TABLE IF NOT EXISTS water_projects (
    project_id         VARCHAR PRIMARY KEY,
    province_code      VARCHAR NOT NULL,
    district_code      VARCHAR NOT NULL,
    subdistrict_code   VARCHAR NOT NULL,
    village_code       VARCHAR,
    fiscal_year        INTEGER NOT NULL,   -- the plan year it is proposed for (พ.ศ.)
    name_th            VARCHAR NOT NULL,
    type_code          VARCHAR NOT NULL,
    type_th            VARCHAR NOT NULL,
    basin              VARCHAR NOT NULL,
    zone               VARCHAR NOT NULL,
    agency_id          VARCHAR,
    strategy_no        INTEGER,
    cost_baht          DOUBLE NOT NULL CHECK (cost_baht > 0),
    households_served  INTEGER NOT NULL,
    area_rai           DOUBLE NOT NULL,
    storage_m3         DOUBLE NOT NULL,
    has_design_boq     BOOLEAN NOT NULL,   -- drawings / bill of quantities
    has_land           BOOLEAN NOT NULL,
    has_consent        BOOLEAN NOT NULL,   -- community consent
    ready              BOOLEAN NOT NULL,   -- all three above
    status             VARCHAR NOT NULL DEFAULT 'proposed',
    -- Multi-year plan (docs/plan-model-api.md). NULLs mean "not stated": see each line.
    duration_years     INTEGER CHECK (duration_years BETWEEN 1 AND 5),
                                           -- construction years; NULL = 1
    cost_profile       DOUBLE[] CHECK (len(cost_profile) BETWEEN 1 AND 5
                                       AND abs(list_sum(cost_profile) - 1) < 1e-6
                                       AND list_min(cost_profile) >= 0),
                                           -- share of cost_baht paid in each year from the
                                           -- start (year 1, 2, …), sums to 1, one entry per
                                           -- construction year; NULL = [1.0] (one year)
    requires_project_id VARCHAR CHECK (requires_project_id <> project_id),
                                           -- precedence: a project (same province) that must
                                           -- be funded too and start no later, e.g. a canal's
                                           -- reservoir or pumping station; NULL = none
    alternative_group  VARCHAR,            -- projects sharing a group are mutually exclusive
                                           -- alternatives for one site / sub-district need
                                           -- (reservoir vs retention area vs dredging): at
                                           -- most one is funded; NULL = no alternatives
    fund_sources       VARCHAR[],          -- budgets that may fund it, any of 'province'
                                           -- (งบพัฒนาจังหวัด), 'department' (งบกรม), 'lao'
                                           -- (งบท้องถิ่น); NULL = not stated (treated as any)
    earliest_start     INTEGER,            -- first fiscal year (พ.ศ.) it may start (new
                                           -- proposals, land not yet acquired); NULL = the
                                           -- plan's first year
    synthetic          BOOLEAN NOT NULL,
    source_file        VARCHAR NOT NULL,
    source_sheet       VARCHAR,
    source_row         INTEGER
);

-- Surin One Plan / Plan101Pro (oneplan.needs, oneplan.ingest, oneplan.followup).
-- Village needs: one row per need a village leader entered; `stage` is the current stage,
-- the full history is in need_stages. Authority levels: village (self-help), lao, joint,
-- district, province, department. strategy_no NULL = does not fit a strategic issue.
CREATE TABLE IF NOT EXISTS needs (
    need_id          VARCHAR PRIMARY KEY,
    fiscal_year      INTEGER NOT NULL,   -- พ.ศ., the plan year the need is entered for
    village_code     VARCHAR NOT NULL,   -- 8 digits: sub-district code + หมู่ที่
    subdistrict_code VARCHAR NOT NULL,
    district_code    VARCHAR NOT NULL,
    province_code    VARCHAR NOT NULL,
    category         VARCHAR NOT NULL,   -- water, road, electricity, agriculture, ... (params)
    description      VARCHAR,
    households       INTEGER,            -- households affected
    estimated_cost   DOUBLE,             -- baht
    submitted_on     DATE,
    authority        VARCHAR,            -- NULL until classified
    strategy_no      INTEGER,            -- strategic issue it fits; NULL = does not fit
    stage            VARCHAR NOT NULL,   -- current stage (see need_stages)
    merged_into      VARCHAR,            -- need_id it was merged into (stage 'merged')
    project_id       VARCHAR,            -- the proposal that carries it, once there is one
    row_hash         VARCHAR,            -- content hash: re-importing a file changes nothing
    synthetic        BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sheet     VARCHAR,
    source_row       INTEGER
);

-- Committee stages of each need, with dates: submitted -> tambon_screened (กบต.) ->
-- amphoe_screened (กบอ.) -> agency_assigned -> in_plan -> budget_requested -> allocated ->
-- procurement -> contract -> in_progress -> completed; or rejected / merged (reason, link).
CREATE TABLE IF NOT EXISTS need_stages (
    need_id        VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,
    stage_on       DATE NOT NULL,
    reason         VARCHAR,            -- why rejected / merged, committee remark
    linked_need_id VARCHAR,            -- the need it was merged into
    source_file    VARCHAR NOT NULL,
    source_sheet   VARCHAR,
    source_row     INTEGER,
    PRIMARY KEY (need_id, stage)
);

-- Agencies' project proposals (Plan101Pro). Attachments are file references; NULL means
-- the document is missing (what the proposal still lacks).
CREATE TABLE IF NOT EXISTS proposals (
    project_id       VARCHAR PRIMARY KEY,
    fiscal_year      INTEGER NOT NULL,   -- พ.ศ.
    province_code    VARCHAR NOT NULL,
    district_code    VARCHAR,
    subdistrict_code VARCHAR,
    village_code     VARCHAR,
    agency_id        VARCHAR NOT NULL,
    name_th          VARCHAR NOT NULL,
    category         VARCHAR NOT NULL,
    strategy_no      INTEGER,
    cost_baht        DOUBLE NOT NULL CHECK (cost_baht > 0),
    households       INTEGER,            -- beneficiary households
    beneficiaries    INTEGER,            -- beneficiary people
    need_id          VARCHAR,            -- the village need it answers, if any
    drawing_ref      VARCHAR,            -- แบบรูป
    boq_ref          VARCHAR,            -- ประมาณราคา / BOQ
    photo_ref        VARCHAR,            -- ภาพถ่ายพื้นที่
    land_ref         VARCHAR,            -- เอกสารสิทธิ์ / หนังสืออนุญาตใช้พื้นที่
    status           VARCHAR NOT NULL DEFAULT 'proposed',
                                         -- proposed, in_plan, budget_requested, allocated,
                                         -- procurement, contract, in_progress, completed,
                                         -- cancelled
    allocated_baht   DOUBLE,
    planned_start    DATE,
    planned_end      DATE,
    row_hash         VARCHAR,
    synthetic        BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sheet     VARCHAR,
    source_row       INTEGER
);

-- Quarterly follow-up of funded projects (proposals or water_projects). Quarters are
-- fiscal quarters (Q1 = Oct-Dec). disbursed_baht and physical_pct are cumulative to the
-- end of the quarter.
CREATE TABLE IF NOT EXISTS progress (
    project_id     VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    quarter        INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    disbursed_baht DOUBLE,
    physical_pct   DOUBLE CHECK (physical_pct BETWEEN 0 AND 100),
    stage          VARCHAR,            -- procurement, contract, in_progress, completed, ...
    problems       VARCHAR,
    reported_on    DATE,
    row_hash       VARCHAR,
    synthetic      BOOLEAN NOT NULL DEFAULT false,
    source_file    VARCHAR NOT NULL,
    source_sheet   VARCHAR,
    source_row     INTEGER,
    PRIMARY KEY (project_id, fiscal_year, quarter)
);

-- Versions of a province's multi-year water plan (oneplan.revision): v1 is the approved
-- plan, later versions revise it after 6 / 12 months of follow-up. Ids are
-- "<province>-<first fiscal year>-v<n>", e.g. 40-2570-v2. Columns after selected_ids were
-- added later and are nullable: oneplan.revision.ensure_tables adds them to old files
-- (ALTER TABLE ... ADD COLUMN IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS plan_versions (
    version_id            VARCHAR PRIMARY KEY,
    province_code         VARCHAR NOT NULL,
    fiscal_year           INTEGER NOT NULL,   -- first plan year (พ.ศ.)
    created_at            TIMESTAMP NOT NULL, -- UTC
    reason                VARCHAR,
    params_json           VARCHAR,            -- spec, weights, facts summary: enough to redo it
    selected_ids          VARCHAR[],
    parent_version_id     VARCHAR,            -- the version this one revises; NULL for v1
    months_after_approval INTEGER,            -- 0 for the approved plan, 6 / 12 for revisions
    status                VARCHAR,            -- approved / revised
    objective             DOUBLE,             -- plan value − stability penalty paid
    plan_value            DOUBLE,             -- Σ value × start discount of selected projects
    solver_status         VARCHAR,            -- real HiGHS status: optimal, time_limit, ...
    gap                   DOUBLE,             -- relative MIP gap (0 when proven optimal)
    stability_penalty     DOUBLE,             -- value points a change had to gain
    synthetic_facts       BOOLEAN,            -- the follow-up facts were the synthetic sample
    spend_json            VARCHAR,            -- {"2570": {"budget": ..., "spend": ...}, ...}
    oneplan_version       VARCHAR
);

-- One row per candidate of a plan version; change/reason compare it with the parent
-- version (NULL change: in neither plan, or an item of the approved version).
CREATE TABLE IF NOT EXISTS plan_items (
    version_id       VARCHAR NOT NULL,
    project_id       VARCHAR NOT NULL,
    selected         BOOLEAN NOT NULL,
    start_year       INTEGER,                 -- NULL when not selected
    cost_baht        DOUBLE,                  -- cost known at this version (after overruns)
    value            DOUBLE,                  -- value used by the model (priority)
    earliest_start   INTEGER,                 -- after delays
    new_proposal     BOOLEAN,
    prev_start_year  INTEGER,                 -- start in the parent version
    change           VARCHAR,                 -- kept / added / dropped / moved
    reason_th        VARCHAR,
    reason_en        VARCHAR,
    proposal_json    VARCHAR,                 -- full row of a new proposal (not in water_projects)
    PRIMARY KEY (version_id, project_id)
);

-- Complaints (oneplan.complaints): one row per agency case, every source record kept as
-- it came (file, sheet, row); never overwritten, never marked "closed-duplicate". National
-- IDs, phones and house addresses only as salted hashes (oneplan.complaints.privacy).
-- first_name / last_name are normalised name keys kept for linkage only: no report or
-- export selects them.
CREATE TABLE IF NOT EXISTS complaints (
    complaint_id     VARCHAR PRIMARY KEY,  -- agency_id:case_no (agency_id:case_no#n, n >= 2:
                                           -- the case number repeated with other content)
    agency_id        VARCHAR NOT NULL,     -- a feed of complaints/feeds.yml
    case_no          VARCHAR NOT NULL,     -- the agency's own case number
    received_on      DATE NOT NULL,
    received_at      TIMESTAMP,            -- when the feed gives a time of day
    category         VARCHAR NOT NULL,     -- a category code of feeds.yml ('other': a label
                                           -- the feed did not declare)
    agency_category  VARCHAR,              -- the category label as the agency sent it
    date_flag        VARCHAR,              -- NULL: date read unambiguously; else e.g.
                                           -- ambiguous_dm, two_digit_year, era_guessed
    case_no_repeat   BOOLEAN NOT NULL DEFAULT FALSE,  -- case number already used in the feed
                                           -- by a record with other content
    province_code    VARCHAR NOT NULL,     -- the file's province when the place is unknown
    district_code    VARCHAR,              -- NULL: place unknown
    subdistrict_code VARCHAR,              -- where the matter is (real DOPA code); NULL: unknown
    moo              INTEGER,              -- หมู่ที่, when the address gives it
    text             VARCHAR NOT NULL,     -- the complaint as written
    first_name       VARCHAR,              -- linkage only (never reported)
    last_name        VARCHAR,              -- linkage only (never reported)
    person_id_hash   VARCHAR,              -- salted hash; never the ID itself
    phone_hash       VARCHAR,              -- salted hash; never the number itself
    address_hash     VARCHAR,              -- salted hash of house no. + หมู่ + sub-district
    house_no_hash    VARCHAR,              -- salted hash of the house number alone
    place_source     VARCHAR,              -- columns / free_text / NULL (unknown)
    place_confidence DOUBLE,               -- 0-1 (1.0: the feed's own columns)
    status           VARCHAR NOT NULL,     -- received / in_progress / closed
    first_action_on  DATE,
    closed_on        DATE,
    reopen_count     INTEGER NOT NULL DEFAULT 0,
    transfers        INTEGER NOT NULL DEFAULT 0,  -- times passed on to another agency
    synthetic        BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sheet     VARCHAR,
    source_row       INTEGER,
    imported_at      TIMESTAMP
);

-- Linked duplicates: every complaint is in exactly one cluster (a lone case is a cluster
-- of one); one parent per cluster (its earliest case), the others its children.
-- person_key groups the records of one person (NULL: no identity given).
CREATE TABLE IF NOT EXISTS complaint_clusters (
    cluster_id     VARCHAR NOT NULL,       -- "CL:" + the parent's complaint_id
    complaint_id   VARCHAR NOT NULL PRIMARY KEY,
    is_parent      BOOLEAN NOT NULL,
    person_key     VARCHAR,                -- "P:" + the person's first complaint_id
    linked_at      TIMESTAMP NOT NULL
);

-- Pairs of records whose match probability is in the uncertain band (params:
-- complaints.review_min_probability up to the level's threshold), for the officer's review
-- list; rewritten by every link run (an incremental run replaces the pairs of the records
-- it re-examined). evidence: JSON, comparison -> level label (no personal data).
CREATE TABLE IF NOT EXISTS complaint_review_pairs (
    left_id      VARCHAR NOT NULL,   -- complaint_id, left_id < right_id
    right_id     VARCHAR NOT NULL,
    level        VARCHAR NOT NULL,   -- 'person' or 'matter'
    probability  DOUBLE NOT NULL,
    evidence     VARCHAR NOT NULL,
    linked_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (left_id, right_id, level)
);

-- One row per link run: what it did, and where blocking was capped (bounded cost).
CREATE TABLE IF NOT EXISTS complaint_link_runs (
    run_at         TIMESTAMP NOT NULL,
    mode           VARCHAR NOT NULL,    -- 'full' / 'incremental'
    records        BIGINT NOT NULL,     -- records linked in all, after the run
    new_records    BIGINT NOT NULL,
    matters        BIGINT NOT NULL,     -- clusters in all
    persons        BIGINT NOT NULL,     -- people in all
    review_pairs   BIGINT NOT NULL,     -- pairs awaiting review after the run
    capped_blocks  BIGINT NOT NULL,     -- blocking blocks cut at the size cap
    capped_records BIGINT NOT NULL,     -- records in such blocks
    seconds        DOUBLE NOT NULL,
    summary_json   VARCHAR NOT NULL
);

-- Rows of agency feeds rejected by versions before complaint_setaside (kept for old
-- database files; no longer written).
CREATE TABLE IF NOT EXISTS complaint_rejects (
    agency_id     VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sheet  VARCHAR,
    source_row    INTEGER NOT NULL,
    "column"      VARCHAR,
    problem       VARCHAR NOT NULL,
    imported_at   TIMESTAMP
);

-- Rows of agency feeds with no usable content (no complaint text, or neither a date nor a
-- place), kept for review instead of stored as complaints; the row itself as JSON with
-- its personal data masked (complaints/privacy.mask_*). Also in <file>.rejected.csv.
CREATE TABLE IF NOT EXISTS complaint_setaside (
    agency_id     VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sheet  VARCHAR,
    source_row    INTEGER NOT NULL,
    problem       VARCHAR NOT NULL,     -- no_text / no_date_no_place / no_date / no_province
    row_json      VARCHAR NOT NULL,
    imported_at   TIMESTAMP,
    province_code VARCHAR               -- the row's province when it names one, else the
                                        -- province of the file's other rows (for counts)
);

-- What the synthetic generator knows (sample databases only): which matter and which
-- person each record really is, to measure linkage on the sample.
CREATE TABLE IF NOT EXISTS complaint_truth (
    complaint_id  VARCHAR PRIMARY KEY,
    truth_matter  BIGINT NOT NULL,
    truth_person  BIGINT NOT NULL
);

-- The officer's decisions on uncertain pairs (oneplan.complaints.review), kept forever:
-- 'same' = one matter (must-link), 'different' = two matters (cannot-link); every later
-- link, full or incremental, respects them. left_id < right_id. decided_by is a role or
-- desk label from the review file (an officer's name is never stored).
CREATE TABLE IF NOT EXISTS complaint_link_decisions (
    left_id      VARCHAR NOT NULL,
    right_id     VARCHAR NOT NULL,
    decision     VARCHAR NOT NULL,     -- 'same' / 'different'
    decided_by   VARCHAR,
    source_file  VARCHAR NOT NULL,     -- the review file the decision came from (name only)
    source_row   INTEGER NOT NULL,     -- its row there
    decided_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (left_id, right_id)
);

-- The audit trail (oneplan.data.audit), append-only: one row per import file, committee
-- stage change, classification, plan approval/revision, complaint feed file, link run and
-- review file. at: UTC. actor: the account that wrote it ($ONEPLAN_USER or the OS login
-- on DuckDB; on PostgreSQL the session user, set by the trigger of data/pg/30_audit.sql,
-- which also refuses UPDATE, DELETE and TRUNCATE). file_name: the name only, no folders.
-- detail_json: counts and ids, never personal data.
CREATE TABLE IF NOT EXISTS audit_log (
    event_id      VARCHAR PRIMARY KEY,
    "at"          TIMESTAMP NOT NULL,   -- quoted: AT is a keyword of DuckDB
    actor         VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,
    province_code VARCHAR,              -- NULL: the whole country (or several provinces)
    file_name     VARCHAR,
    file_sha256   VARCHAR,
    rows_read     BIGINT,
    rows_accepted BIGINT,
    rows_rejected BIGINT,
    rows_changed  BIGINT,
    detail_json   VARCHAR
);
