-- SPDX-License-Identifier: MIT
-- The outcomes lose their index on school_id. Every reader of outcomes
-- names the measure too, so it finds a school's rows by the primary key
-- (measure_id, school_id, ...): the months (store_months.c), approvals,
-- SDs, timeliness and the export page (whose plan already walks the
-- primary key, with or without this index). Keeping it cost a quarter of
-- each COPY into outcomes (a 20,000-row batch of scripts/bench's P1b load,
-- EXPLAIN ANALYZE: 65 ms with it, 50 ms without; the primary key alone
-- 49 ms): the same school id 60 times over, in a second B-tree.
-- The one reader that did not name a measure, the check that refuses to
-- delete a school outcomes refer to (sql/018), now asks per measure, each
-- a probe of the primary key.
DROP INDEX outcomes_school;

CREATE OR REPLACE FUNCTION td_registry_referenced() RETURNS trigger
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
             OR EXISTS (SELECT 1 FROM public.measures m WHERE EXISTS
                        (SELECT 1 FROM public.outcomes o
                         WHERE o.measure_id = m.id AND o.school_id = OLD.id));
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
