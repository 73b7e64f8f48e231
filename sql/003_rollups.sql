-- SPDX-License-Identifier: MIT
-- Rollups: every measure summarised per school, district and network, per
-- week, month, term and academic year, maintained by statement-level
-- triggers in the same transaction as the data, so an analysis reads
-- O(units x periods) rows and never raw responses.
--
-- A rollup row holds sums that add and subtract exactly:
--   cnt     base records (outcome rows; survey respondents)
--   n_sum   sum of weights (outcome n; 1 per respondent)
--   wsum    sum of weight * value;  wsumsq  sum of weight * value^2
--   fav, items  favourable item answers and item answers (surveys)
--   month_mask  calendar months with data (bit m-1), for "people per month"
-- mean = wsum / n_sum; people behind a point = n_sum / months with data for
-- outcomes, cnt (respondents) for surveys.

CREATE FUNCTION td_period_start(grain char, d date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE grain
        WHEN 'w' THEN date_trunc('week', d)::date
        WHEN 'm' THEN date_trunc('month', d)::date
        -- terms: Aug-Dec and Jan-Jul; academic years start on 1 August
        WHEN 't' THEN CASE WHEN extract(month FROM d) >= 8
                           THEN make_date(extract(year FROM d)::int, 8, 1)
                           ELSE make_date(extract(year FROM d)::int, 1, 1) END
        ELSE CASE WHEN extract(month FROM d) >= 8
                  THEN make_date(extract(year FROM d)::int, 8, 1)
                  ELSE make_date(extract(year FROM d)::int - 1, 8, 1) END
    END
$$;

CREATE TABLE rollups (
    measure       text NOT NULL,   -- outcome code, or 'survey:CODE/CONSTRUCT'
    subgroup      text NOT NULL DEFAULT '',
    grade         text NOT NULL DEFAULT '',   -- '' = all grades
    grain         char(1) NOT NULL CHECK (grain IN ('w', 'm', 't', 'y')),
    period_start  date NOT NULL,
    level         char(1) NOT NULL CHECK (level IN ('s', 'd', 'n')),
    unit_id       bigint NOT NULL,  -- school id, district id, 0 = network
    cnt           bigint NOT NULL DEFAULT 0,
    n_sum         double precision NOT NULL DEFAULT 0,
    wsum          double precision NOT NULL DEFAULT 0,
    wsumsq        double precision NOT NULL DEFAULT 0,
    fav           bigint NOT NULL DEFAULT 0,
    items         bigint NOT NULL DEFAULT 0,
    month_mask    integer NOT NULL DEFAULT 0,
    last_received timestamptz,
    PRIMARY KEY (measure, subgroup, grade, grain, level, unit_id, period_start)
);

CREATE FUNCTION td_outcomes_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sgn int := CASE WHEN TG_OP = 'DELETE' THEN -1 ELSE 1 END;
BEGIN
    WITH expanded AS (
        SELECT m.code AS measure, r.subgroup, g.grain,
               td_period_start(g.grain, r.period_start) AS period_start,
               l.level, l.unit_id, r.n::float8 AS w, r.value,
               1 << (extract(month FROM r.period_start)::int - 1) AS bit,
               r.received_at
        FROM td_rows r
        JOIN measures m ON m.id = r.measure_id
        JOIN schools s ON s.id = r.school_id
        CROSS JOIN (VALUES ('m'::char), ('t'), ('y')) g(grain)
        CROSS JOIN LATERAL (VALUES ('s'::char, r.school_id),
                                   ('d', s.district_id), ('n', 0::bigint)) l(level, unit_id)
    )
    INSERT INTO rollups AS t (measure, subgroup, grade, grain, period_start,
                              level, unit_id, cnt, n_sum, wsum, wsumsq,
                              month_mask, last_received)
    SELECT measure, subgroup, '', grain, period_start, level, unit_id,
           sgn * count(*), sgn * sum(w), sgn * sum(w * value),
           sgn * sum(w * value * value), bit_or(bit), max(received_at)
    FROM expanded
    GROUP BY measure, subgroup, grain, period_start, level, unit_id
    ON CONFLICT (measure, subgroup, grade, grain, level, unit_id, period_start)
    DO UPDATE SET cnt = t.cnt + excluded.cnt,
                  n_sum = t.n_sum + excluded.n_sum,
                  wsum = t.wsum + excluded.wsum,
                  wsumsq = t.wsumsq + excluded.wsumsq,
                  month_mask = t.month_mask | CASE WHEN sgn > 0 THEN excluded.month_mask ELSE 0 END,
                  last_received = greatest(t.last_received, excluded.last_received);
    RETURN NULL;
END
$$;

-- Survey constructs: each respondent's construct score is the mean of the
-- items answered (reverse-coded items reversed); an item answer is
-- favourable at or above the item's threshold on the reversed scale.
CREATE FUNCTION td_survey_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sgn int := CASE WHEN TG_OP = 'DELETE' THEN -1 ELSE 1 END;
BEGIN
    WITH vals AS (
        SELECT r.survey_id, r.school_id, r.administered_on, r.grade,
               r.respondent, it.construct,
               CASE WHEN it.reverse_coded
                    THEN it.min_value + it.max_value - a.v ELSE a.v END AS x,
               it.favourable_at_least AS fav_at
        FROM td_rows r
        CROSS JOIN LATERAL unnest(r.answers) WITH ORDINALITY AS a(v, pos)
        JOIN survey_items it ON it.survey_id = r.survey_id
                            AND it.position = a.pos - 1
        WHERE a.v IS NOT NULL
    ), scores AS (
        SELECT survey_id, school_id, administered_on, grade, respondent,
               construct, avg(x)::float8 AS score,
               count(*) FILTER (WHERE x >= fav_at) AS fav, count(*) AS items
        FROM vals
        GROUP BY survey_id, school_id, administered_on, grade, respondent,
                 construct
    ), expanded AS (
        SELECT 'survey:' || sv.code || '/' || sc.construct AS measure,
               gr.grade, g.grain,
               td_period_start(g.grain, sc.administered_on) AS period_start,
               l.level, l.unit_id, sc.score, sc.fav, sc.items,
               1 << (extract(month FROM sc.administered_on)::int - 1) AS bit
        FROM scores sc
        JOIN surveys sv ON sv.id = sc.survey_id
        JOIN schools s ON s.id = sc.school_id
        CROSS JOIN (VALUES ('w'::char), ('m'), ('t'), ('y')) g(grain)
        CROSS JOIN LATERAL (SELECT sc.grade WHERE sc.grade <> ''
                            UNION ALL SELECT '') gr(grade)
        CROSS JOIN LATERAL (VALUES ('s'::char, sc.school_id),
                                   ('d', s.district_id), ('n', 0::bigint)) l(level, unit_id)
    )
    INSERT INTO rollups AS t (measure, subgroup, grade, grain, period_start,
                              level, unit_id, cnt, n_sum, wsum, wsumsq, fav,
                              items, month_mask, last_received)
    SELECT measure, '', grade, grain, period_start, level, unit_id,
           sgn * count(*), sgn * count(*), sgn * sum(score),
           sgn * sum(score * score), sgn * sum(fav), sgn * sum(items),
           bit_or(bit), now()
    FROM expanded
    GROUP BY measure, grade, grain, period_start, level, unit_id
    ON CONFLICT (measure, subgroup, grade, grain, level, unit_id, period_start)
    DO UPDATE SET cnt = t.cnt + excluded.cnt,
                  n_sum = t.n_sum + excluded.n_sum,
                  wsum = t.wsum + excluded.wsum,
                  wsumsq = t.wsumsq + excluded.wsumsq,
                  fav = t.fav + excluded.fav,
                  items = t.items + excluded.items,
                  month_mask = t.month_mask | CASE WHEN sgn > 0 THEN excluded.month_mask ELSE 0 END,
                  last_received = greatest(t.last_received, excluded.last_received);
    RETURN NULL;
END
$$;

CREATE TRIGGER outcomes_rollup_ins AFTER INSERT ON outcomes
    REFERENCING NEW TABLE AS td_rows
    FOR EACH STATEMENT EXECUTE FUNCTION td_outcomes_rollup();
CREATE TRIGGER outcomes_rollup_del AFTER DELETE ON outcomes
    REFERENCING OLD TABLE AS td_rows
    FOR EACH STATEMENT EXECUTE FUNCTION td_outcomes_rollup();
CREATE TRIGGER survey_rollup_ins AFTER INSERT ON survey_responses
    REFERENCING NEW TABLE AS td_rows
    FOR EACH STATEMENT EXECUTE FUNCTION td_survey_rollup();
CREATE TRIGGER survey_rollup_del AFTER DELETE ON survey_responses
    REFERENCING OLD TABLE AS td_rows
    FOR EACH STATEMENT EXECUTE FUNCTION td_survey_rollup();

