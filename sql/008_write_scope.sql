-- SPDX-License-Identifier: MIT
-- A record belongs to its school (issue 14): natural keys are scoped per
-- school, so a colliding key from another school neither replaces its
-- record nor reveals that it exists; submission ids are scoped per API
-- client, so no client can squat another's id.

ALTER TABLE survey_responses DROP CONSTRAINT survey_responses_pkey;
ALTER TABLE survey_responses
    ADD PRIMARY KEY (survey_id, school_id, respondent, administered_on);

ALTER TABLE observations
    DROP CONSTRAINT observations_observation_observer_id_key;
ALTER TABLE observations
    ADD CONSTRAINT observations_school_observation_observer_key
    UNIQUE (school_id, observation, observer_id);

ALTER TABLE submissions DROP CONSTRAINT submissions_id_key;
ALTER TABLE submissions
    ADD CONSTRAINT submissions_client_id_key
    UNIQUE NULLS NOT DISTINCT (client_id, id);
