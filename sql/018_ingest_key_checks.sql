-- SPDX-License-Identifier: MIT
-- Ingest's two big tables check their registry keys once per statement
-- instead of once per row. A COPY of 20,000 outcome or survey rows ran
-- 60,000 foreign-key checks (one SPI query each), about 2/3 of the COPY's
-- time (perf: AfterTriggerEndQuery 13% of all CPU of a survey ingest, of
-- CopyFrom's 21%). Integrity stays what the foreign keys gave:
--   * rows that name a school, survey, measure or submission that does not
--     exist are refused (SQLSTATE 23503), for any writer, by an AFTER
--     statement trigger that reads the statement's rows (a transition
--     table) and checks each distinct key once;
--   * that trigger locks the referenced rows FOR KEY SHARE, as the foreign
--     key's check does, so a concurrent DELETE waits for the writer and
--     then sees its rows;
--   * deleting (or changing the id of) a referenced school, survey,
--     measure or submission is refused (23503), as NO ACTION did, by a
--     row trigger on the registry table; TRUNCATE of one is refused while
--     the ingest tables have rows.
-- Lookups by survey and measure use the ingest tables' primary keys, by
-- school their school indexes; by submission they scan, as the foreign
-- keys' checks did (submissions are never deleted).
-- A deleting transaction in REPEATABLE READ or SERIALIZABLE could miss rows
-- committed after its snapshot (the foreign key uses a special snapshot for
-- that), so there the delete of a registry row is refused outright.

ALTER TABLE survey_responses
    DROP CONSTRAINT survey_responses_school_id_fkey,
    DROP CONSTRAINT survey_responses_survey_id_fkey,
    DROP CONSTRAINT survey_responses_submission_seq_fkey;
ALTER TABLE outcomes
    DROP CONSTRAINT outcomes_measure_id_fkey,
    DROP CONSTRAINT outcomes_school_id_fkey,
    DROP CONSTRAINT outcomes_submission_seq_fkey;

-- td_refs_lock(kind, ids): locks the rows of kind's table with these
-- ids FOR KEY SHARE (in id order, so writers never deadlock on them) and
-- raises foreign_key_violation naming the first id that is not there.
CREATE FUNCTION td_refs_lock(kind text, ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found bigint[];
    missing bigint;
BEGIN
    IF kind = 'school' THEN
        SELECT array_agg(id) INTO found FROM (SELECT t.id FROM public.schools t
            WHERE t.id = ANY (ids) ORDER BY t.id FOR KEY SHARE) x;
    ELSIF kind = 'survey' THEN
        SELECT array_agg(id) INTO found FROM (SELECT t.id FROM public.surveys t
            WHERE t.id = ANY (ids) ORDER BY t.id FOR KEY SHARE) x;
    ELSIF kind = 'measure' THEN
        SELECT array_agg(id) INTO found FROM (SELECT t.id FROM public.measures t
            WHERE t.id = ANY (ids) ORDER BY t.id FOR KEY SHARE) x;
    ELSE
        SELECT array_agg(seq) INTO found FROM (SELECT t.seq FROM public.submissions t
            WHERE t.seq = ANY (ids) ORDER BY t.seq FOR KEY SHARE) x;
    END IF;
    -- ids are distinct (the callers aggregate DISTINCT), so are found.
    IF coalesce(cardinality(found), 0) <> coalesce(cardinality(ids), 0) THEN
        SELECT min(i) INTO missing
            FROM (SELECT unnest(ids) EXCEPT SELECT unnest(found)) d(i);
        RAISE EXCEPTION 'a row refers to % id % that does not exist', kind, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
END
$$;

-- One trigger function for both tables: their school and submission, and
-- the survey (survey_responses) or measure (outcomes).
CREATE FUNCTION td_ingest_refs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.td_refs_lock('school', (SELECT array_agg(DISTINCT school_id) FROM td_new));
    IF TG_TABLE_NAME = 'outcomes' THEN
        PERFORM public.td_refs_lock('measure', (SELECT array_agg(DISTINCT measure_id) FROM td_new));
    ELSE
        PERFORM public.td_refs_lock('survey', (SELECT array_agg(DISTINCT survey_id) FROM td_new));
    END IF;
    PERFORM public.td_refs_lock('submission', (SELECT array_agg(DISTINCT submission_seq) FROM td_new));
    RETURN NULL;
END
$$;
-- td_refs_lock runs as the owner: writers need no UPDATE right on the
-- registry to lock its rows, and nobody calls it directly.
REVOKE ALL ON FUNCTION td_refs_lock(text, bigint[]) FROM PUBLIC;

CREATE TRIGGER survey_responses_refs_ins AFTER INSERT ON survey_responses
    REFERENCING NEW TABLE AS td_new
    FOR EACH STATEMENT EXECUTE FUNCTION td_ingest_refs();
CREATE TRIGGER survey_responses_refs_upd AFTER UPDATE ON survey_responses
    REFERENCING NEW TABLE AS td_new
    FOR EACH STATEMENT EXECUTE FUNCTION td_ingest_refs();
CREATE TRIGGER outcomes_refs_ins AFTER INSERT ON outcomes
    REFERENCING NEW TABLE AS td_new
    FOR EACH STATEMENT EXECUTE FUNCTION td_ingest_refs();
CREATE TRIGGER outcomes_refs_upd AFTER UPDATE ON outcomes
    REFERENCING NEW TABLE AS td_new
    FOR EACH STATEMENT EXECUTE FUNCTION td_ingest_refs();

-- The registry side: a referenced row is neither deleted nor renumbered.
-- The row is locked before this runs, so a writer holding it FOR KEY SHARE
-- has committed (or rolled back) by now; in READ COMMITTED each query
-- below sees what it committed.
CREATE FUNCTION td_registry_referenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    used boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM public.survey_responses)
           OR EXISTS (SELECT 1 FROM public.outcomes) THEN
            RAISE EXCEPTION 'cannot truncate %: survey responses or outcomes refer to it', TG_TABLE_NAME
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF TG_TABLE_NAME = 'submissions' THEN
            IF NEW.seq = OLD.seq THEN
                RETURN NEW;
            END IF;
        ELSIF NEW.id = OLD.id THEN
            RETURN NEW;
        END IF;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'rows of % are deleted or renumbered only in READ COMMITTED transactions', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_TABLE_NAME = 'schools' THEN
        used := EXISTS (SELECT 1 FROM public.survey_responses WHERE school_id = OLD.id)
             OR EXISTS (SELECT 1 FROM public.outcomes WHERE school_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'surveys' THEN
        used := EXISTS (SELECT 1 FROM public.survey_responses WHERE survey_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'measures' THEN
        used := EXISTS (SELECT 1 FROM public.outcomes WHERE measure_id = OLD.id);
    ELSE
        used := EXISTS (SELECT 1 FROM public.survey_responses WHERE submission_seq = OLD.seq)
             OR EXISTS (SELECT 1 FROM public.outcomes WHERE submission_seq = OLD.seq);
    END IF;
    IF used THEN
        RAISE EXCEPTION 'cannot % this row of %: survey responses or outcomes refer to it',
            lower(TG_OP), TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER schools_referenced BEFORE DELETE OR UPDATE OF id ON schools
    FOR EACH ROW EXECUTE FUNCTION td_registry_referenced();
CREATE TRIGGER surveys_referenced BEFORE DELETE OR UPDATE OF id ON surveys
    FOR EACH ROW EXECUTE FUNCTION td_registry_referenced();
CREATE TRIGGER measures_referenced BEFORE DELETE OR UPDATE OF id ON measures
    FOR EACH ROW EXECUTE FUNCTION td_registry_referenced();
CREATE TRIGGER submissions_referenced BEFORE DELETE OR UPDATE OF seq ON submissions
    FOR EACH ROW EXECUTE FUNCTION td_registry_referenced();
-- AFTER: a TRUNCATE that empties the ingest tables in the same statement
-- passes, as it did with the foreign keys. TRUNCATE ... CASCADE no longer
-- reaches the ingest tables, so it is refused while they have rows.
CREATE TRIGGER schools_referenced_truncate AFTER TRUNCATE ON schools
    FOR EACH STATEMENT EXECUTE FUNCTION td_registry_referenced();
CREATE TRIGGER surveys_referenced_truncate AFTER TRUNCATE ON surveys
    FOR EACH STATEMENT EXECUTE FUNCTION td_registry_referenced();
CREATE TRIGGER measures_referenced_truncate AFTER TRUNCATE ON measures
    FOR EACH STATEMENT EXECUTE FUNCTION td_registry_referenced();
CREATE TRIGGER submissions_referenced_truncate AFTER TRUNCATE ON submissions
    FOR EACH STATEMENT EXECUTE FUNCTION td_registry_referenced();
