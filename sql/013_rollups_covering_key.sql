-- SPDX-License-Identifier: MIT
-- The analyses read rollups by their key (a measure's series for one
-- unit, or every unit's last periods). With the summed columns in the key's
-- index those reads are index-only: positive deviance at 10,000 schools
-- read 30,000 rows from every page of the table (11,829 pages, 240 ms
-- under EXPLAIN ANALYZE); from the index alone, 13-21 ms. The key itself
-- does not change, so ON CONFLICT finds it as before.
ALTER TABLE rollups DROP CONSTRAINT rollups_pkey,
    ADD PRIMARY KEY (measure, subgroup, grade, grain, level, unit_id,
                     period_start)
        INCLUDE (cnt, n_sum, wsum, wsumsq, fav, items, month_mask,
                 last_received);
