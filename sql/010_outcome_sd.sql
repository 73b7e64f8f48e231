-- SPDX-License-Identifier: MIT
-- An outcome may carry the SD of the values behind it (e.g. the students'
-- scale scores), so a scale score's sampling variance is sd^2 / n
-- (ANALYSES.md, "Units, counts and sampling variance").
ALTER TABLE outcomes ADD COLUMN sd double precision
    CHECK (sd IS NULL OR (sd >= 0 AND sd < 1e15));
