-- SPDX-License-Identifier: MIT
-- Which parts of a measure's disclosure lattice a write changed. The
-- lattice's rule couples cells only inside one academic year of one
-- measure, so each tandemd decides and caches it per (measure, academic
-- year) and, after a write, decides again only the years written (the
-- whole lattice of a measure at 10,000 schools took 1.7 s to read and
-- decide, for any write, even one that touched no cell).
--
-- Written in the write's own transaction: the rollup update (the one place
-- cells change, store_rollup_apply) adds one row per (measure, academic
-- year) its cells reach; a change of what the cells' keys mean (a school's
-- code or district, a district's code, a survey's code or items) adds a
-- row for every measure and year (measure and academic_year NULL). So does
-- any other write of the rollups (a statement that did not say it logged
-- itself with tandem.lattice_logged): nothing is ever missed, at worst
-- decided again.
--
-- A reader remembers the snapshot it last read the log in and takes the
-- rows of transactions not visible in it (pg_visible_in_snapshot), so a
-- transaction that commits after a later one is not missed, as it could be
-- with a sequence. Rows older than a day are pruned now and then; the
-- newest pruned xid is kept in lattice_horizon, and a reader whose
-- snapshot is older than that decides everything again.
CREATE TABLE lattice_changes (
    xid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    measure       text,            -- NULL: every measure
    academic_year int,             -- NULL: every year; else its first year
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lattice_changes_xid ON lattice_changes (xid);

CREATE TABLE lattice_horizon (
    one bool PRIMARY KEY DEFAULT true CHECK (one),
    xid xid8 NOT NULL
);
INSERT INTO lattice_horizon VALUES (true, '0');

-- Everything again: for writes that do not say which years they touched.
CREATE FUNCTION td_lattice_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lattice_changes (measure, academic_year) VALUES (NULL, NULL);
    RETURN NULL;
END $$;

CREATE FUNCTION td_lattice_unlogged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('tandem.lattice_logged', true), '') <> 'on'
    THEN
        INSERT INTO lattice_changes (measure, academic_year)
            VALUES (NULL, NULL);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER td_lattice_unlogged AFTER INSERT OR UPDATE OR DELETE OR
    TRUNCATE ON rollups FOR EACH STATEMENT
    EXECUTE FUNCTION td_lattice_unlogged();
CREATE TRIGGER td_lattice_school AFTER UPDATE ON schools FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code
          OR OLD.district_id IS DISTINCT FROM NEW.district_id)
    EXECUTE FUNCTION td_lattice_all();
CREATE TRIGGER td_lattice_district AFTER UPDATE ON districts FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code)
    EXECUTE FUNCTION td_lattice_all();
CREATE TRIGGER td_lattice_survey AFTER UPDATE ON surveys FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code)
    EXECUTE FUNCTION td_lattice_all();
CREATE TRIGGER td_lattice_items AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON survey_items FOR EACH STATEMENT EXECUTE FUNCTION td_lattice_all();

SELECT td_notify_data_attach();
