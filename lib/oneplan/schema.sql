-- oneplan central database (DuckDB). One file holds all 76 provinces.
-- Every data row keeps its source: source_file, source_sheet, source_row point at the line
-- a user typed (or, for the synthetic sample, at the generator and its seed).
-- Codes are DOPA codes stored as text: province 2 digits, district 4, sub-district 6,
-- village 8 (sub-district + หมู่ที่).

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
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
    synthetic          BOOLEAN NOT NULL,
    source_file        VARCHAR NOT NULL,
    source_sheet       VARCHAR,
    source_row         INTEGER
);

-- Tables designed now, filled by later features (needs, proposals, follow-up, revisions,
-- complaints). Their columns follow DESIGN.md's data model.
CREATE TABLE IF NOT EXISTS needs (
    need_id        VARCHAR PRIMARY KEY,
    village_code   VARCHAR NOT NULL,
    province_code  VARCHAR NOT NULL,
    category       VARCHAR NOT NULL,
    description    VARCHAR,
    households     INTEGER,
    estimated_cost DOUBLE,
    submitted_on   DATE,
    authority      VARCHAR,
    strategy_no    INTEGER,
    stage          VARCHAR NOT NULL,
    synthetic      BOOLEAN NOT NULL,
    source_file    VARCHAR NOT NULL,
    source_sheet   VARCHAR,
    source_row     INTEGER
);

CREATE TABLE IF NOT EXISTS progress (
    project_id     VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    quarter        INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    disbursed_baht DOUBLE,
    physical_pct   DOUBLE,
    stage          VARCHAR,
    problems       VARCHAR,
    reported_on    DATE,
    source_file    VARCHAR NOT NULL,
    source_sheet   VARCHAR,
    source_row     INTEGER,
    PRIMARY KEY (project_id, fiscal_year, quarter)
);

CREATE TABLE IF NOT EXISTS plan_versions (
    version_id     VARCHAR PRIMARY KEY,
    province_code  VARCHAR NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    reason         VARCHAR,
    params_json    VARCHAR,
    selected_ids   VARCHAR[]
);

CREATE TABLE IF NOT EXISTS complaints (
    complaint_id     VARCHAR PRIMARY KEY,  -- agency + agency case number
    agency_id        VARCHAR NOT NULL,
    received_on      DATE,
    category         VARCHAR,
    subdistrict_code VARCHAR,
    text             VARCHAR,
    person_id_hash   VARCHAR,              -- salted hash; never the ID itself
    phone_hash       VARCHAR,              -- salted hash; never the number itself
    status           VARCHAR,
    synthetic        BOOLEAN NOT NULL,
    source_file      VARCHAR NOT NULL,
    source_sheet     VARCHAR,
    source_row       INTEGER
);

CREATE TABLE IF NOT EXISTS complaint_clusters (
    cluster_id     VARCHAR NOT NULL,
    complaint_id   VARCHAR NOT NULL,
    is_parent      BOOLEAN NOT NULL,
    linked_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (cluster_id, complaint_id)
);
