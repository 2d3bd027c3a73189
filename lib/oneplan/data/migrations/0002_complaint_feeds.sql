-- Migration 0002 (complaint feeds, issue 14): from 0001 to the schema of the release that
-- read agencies' feeds tolerantly and kept an officer's review queue. That release's code
-- made these changes ad hoc when it opened an older file (complaints/store.ensure_tables,
-- complaints/linkage_tables.ensure_tables, complaints/review.ensure_tables); they are
-- written down here once. Every statement is idempotent (a file those functions already
-- touched upgrades cleanly).

-- complaints: the label as the agency sent it, how the date was read, repeated case
-- numbers, the house-number hash, where the place came from; a place may be unknown.
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS agency_category VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS date_flag VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS case_no_repeat BOOLEAN DEFAULT FALSE;
UPDATE complaints SET case_no_repeat = FALSE WHERE case_no_repeat IS NULL;
ALTER TABLE complaints ALTER COLUMN case_no_repeat SET NOT NULL;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS house_no_hash VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS place_source VARCHAR;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS place_confidence DOUBLE;
ALTER TABLE complaints ALTER COLUMN district_code DROP NOT NULL;
ALTER TABLE complaints ALTER COLUMN subdistrict_code DROP NOT NULL;

-- Pairs of records in the uncertain band, for the officer's review list.
CREATE TABLE IF NOT EXISTS complaint_review_pairs (
    left_id      VARCHAR NOT NULL,
    right_id     VARCHAR NOT NULL,
    level        VARCHAR NOT NULL,
    probability  DOUBLE NOT NULL,
    evidence     VARCHAR NOT NULL,
    linked_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (left_id, right_id, level)
);

-- One row per link run.
CREATE TABLE IF NOT EXISTS complaint_link_runs (
    run_at         TIMESTAMP NOT NULL,
    mode           VARCHAR NOT NULL,
    records        BIGINT NOT NULL,
    new_records    BIGINT NOT NULL,
    matters        BIGINT NOT NULL,
    persons        BIGINT NOT NULL,
    review_pairs   BIGINT NOT NULL,
    capped_blocks  BIGINT NOT NULL,
    capped_records BIGINT NOT NULL,
    seconds        DOUBLE NOT NULL,
    summary_json   VARCHAR NOT NULL
);

-- Rows of agency feeds with no usable content, kept for review (masked).
CREATE TABLE IF NOT EXISTS complaint_setaside (
    agency_id     VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_sheet  VARCHAR,
    source_row    INTEGER NOT NULL,
    problem       VARCHAR NOT NULL,
    row_json      VARCHAR NOT NULL,
    imported_at   TIMESTAMP,
    province_code VARCHAR
);
-- (a file made while the table had no province yet)
ALTER TABLE complaint_setaside ADD COLUMN IF NOT EXISTS province_code VARCHAR;

-- The officer's decisions on uncertain pairs, kept forever.
CREATE TABLE IF NOT EXISTS complaint_link_decisions (
    left_id      VARCHAR NOT NULL,
    right_id     VARCHAR NOT NULL,
    decision     VARCHAR NOT NULL,
    decided_by   VARCHAR,
    source_file  VARCHAR NOT NULL,
    source_row   INTEGER NOT NULL,
    decided_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (left_id, right_id)
);
