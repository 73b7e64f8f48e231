-- SPDX-License-Identifier: MIT
-- Rollups have one owner: tandemd. Construct scores come from server/stats
-- (stats_scores) and every change to the rollups, for inserts, corrections
-- and deletes alike, goes through store_rollup_apply in the transaction
-- that changes the rows. The plpgsql copies of those rules go.
DROP TRIGGER IF EXISTS outcomes_rollup_ins ON outcomes;
DROP TRIGGER IF EXISTS outcomes_rollup_del ON outcomes;
DROP TRIGGER IF EXISTS survey_rollup_ins ON survey_responses;
DROP TRIGGER IF EXISTS survey_rollup_del ON survey_responses;
DROP FUNCTION IF EXISTS td_outcomes_rollup();
DROP FUNCTION IF EXISTS td_survey_rollup();
