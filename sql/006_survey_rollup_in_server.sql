-- SPDX-License-Identifier: MIT
-- New survey responses reach the rollups from tandemd, which has every
-- answer in hand while it validates a batch: it sums the construct scores
-- per school, date, grade and construct and adds those cells in the same
-- transaction (store_ingest). The insert trigger would redo that work from
-- the arrays, at ~90% of a batch's time. Deleted responses (corrections)
-- still leave the rollups through the delete trigger.
DROP TRIGGER survey_rollup_ins ON survey_responses;
