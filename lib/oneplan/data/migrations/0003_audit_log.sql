-- 0003: the append-only audit trail (oneplan.data.audit; see schema.sql for the columns).
-- On PostgreSQL the trigger of data/pg/30_audit.sql makes it append-only.
CREATE TABLE IF NOT EXISTS audit_log (
    event_id      VARCHAR PRIMARY KEY,
    "at"          TIMESTAMP NOT NULL,
    actor         VARCHAR NOT NULL,
    action        VARCHAR NOT NULL,
    province_code VARCHAR,
    file_name     VARCHAR,
    file_sha256   VARCHAR,
    rows_read     BIGINT,
    rows_accepted BIGINT,
    rows_rejected BIGINT,
    rows_changed  BIGINT,
    detail_json   VARCHAR
);
