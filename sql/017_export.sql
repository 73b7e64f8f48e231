-- SPDX-License-Identifier: MIT
-- Export pages observations in (school, observation, id) order: the
-- observation's scorings in the order they were stored, which rater
-- agreement reads as first and second rater, so that a re-import of an
-- export agrees the same. This index makes each page a range scan.
CREATE INDEX observations_export ON observations (school_id, observation, id);
