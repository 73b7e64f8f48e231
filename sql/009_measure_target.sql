-- SPDX-License-Identifier: MIT
-- Making Data Count: a measure may carry a target (the assurance icon
-- compares the process limits with it) and may have no direction
-- ('neutral': special causes are neither improvement nor concern).
ALTER TABLE measures ADD COLUMN target double precision
    CHECK (target IS NULL OR target BETWEEN -1e15 AND 1e15);
ALTER TABLE measures DROP CONSTRAINT measures_direction_check;
ALTER TABLE measures ADD CONSTRAINT measures_direction_check
    CHECK (direction IN ('higher', 'lower', 'neutral'));
