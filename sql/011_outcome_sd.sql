-- SPDX-License-Identifier: MIT
-- An outcome may carry the SD of the values behind it (e.g. the students'
-- scale scores), so a scale score's sampling variance is sd^2 / n
-- (ANALYSES.md, "Units, counts and sampling variance").
ALTER TABLE outcomes ADD COLUMN sd double precision
    CHECK (sd IS NULL OR (sd >= 0 AND sd < 1e15));
-- Analyses look for a period's SDs of one measure: only rows that give
-- one are indexed, so a measure submitted without SDs costs nothing.
CREATE INDEX outcomes_sd ON outcomes (measure_id, period_start)
    WHERE sd IS NOT NULL;
