-- SPDX-License-Identifier: MIT
-- Which schools' outcomes of which measure a write changed, so that a
-- tandemd keeping a result per school (the MDC icon matrix of every
-- school: analysis_icons.c) reads and computes again only those schools
-- after a write, by any instance (reading the 600,000 school months of a
-- measure at 10,000 schools took 130 ms in PostgreSQL alone).
--
-- Written by statement triggers on outcomes in the write's own
-- transaction, whatever path the write takes (a batch, a correction, a
-- delete): one row per (measure, school) a statement touched; TRUNCATE
-- logs every measure and school (NULLs). Read as lattice_changes is
-- (sql/021): a reader keeps the snapshot it last read the log in and takes
-- the rows of transactions not visible in it. Now and then (one write in
-- 128) a write prunes rows older than a day and moves the horizon past
-- them; a reader whose snapshot is older than that reads everything again.
CREATE TABLE outcome_changes (
    xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    measure_id bigint,              -- NULL: every measure
    school_id  bigint,              -- NULL: every school
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcome_changes_xid ON outcome_changes (xid);

CREATE TABLE outcome_changes_horizon (
    one bool PRIMARY KEY DEFAULT true CHECK (one),
    xid xid8 NOT NULL
);
INSERT INTO outcome_changes_horizon VALUES (true, '0');

CREATE FUNCTION td_outcome_changes_prune() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF random() < 1.0 / 128 THEN
        WITH gone AS (DELETE FROM outcome_changes
                      WHERE at < now() - interval '1 day' RETURNING xid)
        UPDATE outcome_changes_horizon
            SET xid = (SELECT max(xid) FROM gone)
            WHERE (SELECT max(xid) FROM gone) > xid;
    END IF;
END $$;

CREATE FUNCTION td_outcome_changes_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outcome_changes (measure_id, school_id)
        SELECT DISTINCT measure_id, school_id FROM new_rows;
    PERFORM td_outcome_changes_prune();
    RETURN NULL;
END $$;

CREATE FUNCTION td_outcome_changes_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outcome_changes (measure_id, school_id)
        SELECT DISTINCT measure_id, school_id FROM old_rows;
    PERFORM td_outcome_changes_prune();
    RETURN NULL;
END $$;

CREATE FUNCTION td_outcome_changes_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outcome_changes (measure_id, school_id)
        SELECT measure_id, school_id FROM old_rows
        UNION SELECT measure_id, school_id FROM new_rows;
    PERFORM td_outcome_changes_prune();
    RETURN NULL;
END $$;

CREATE FUNCTION td_outcome_changes_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outcome_changes (measure_id, school_id) VALUES (NULL, NULL);
    RETURN NULL;
END $$;

CREATE TRIGGER td_outcome_changes_insert AFTER INSERT ON outcomes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION td_outcome_changes_new();
CREATE TRIGGER td_outcome_changes_update AFTER UPDATE ON outcomes
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION td_outcome_changes_both();
CREATE TRIGGER td_outcome_changes_delete AFTER DELETE ON outcomes
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION td_outcome_changes_old();
CREATE TRIGGER td_outcome_changes_truncate AFTER TRUNCATE ON outcomes
    FOR EACH STATEMENT EXECUTE FUNCTION td_outcome_changes_all();

SELECT td_notify_data_attach();
