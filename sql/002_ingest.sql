-- SPDX-License-Identifier: MIT
-- Facts submitted by school clients, and the submissions that brought
-- them. Every fact row names its submission, so a batch can be audited and
-- a retry recognised. Respondents are stored only as keyed pseudonyms.

CREATE TABLE submissions (
    seq         bigserial PRIMARY KEY,
    id          text NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 128),
    method      text NOT NULL,
    payload_sha256 bytea NOT NULL,
    records     integer NOT NULL,
    stored      integer NOT NULL,
    corrected   integer NOT NULL DEFAULT 0,
    client_id   text,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- One row per response, the item values in an array in the survey
-- version's item order (NULL = no response): ~50x fewer rows than one row
-- per item, and the analyses read rollups anyway.
CREATE TABLE survey_responses (
    survey_id       bigint NOT NULL REFERENCES surveys(id),
    school_id       bigint NOT NULL REFERENCES schools(id),
    respondent      bytea NOT NULL,   -- HMAC-SHA256(key, district, id), 16 bytes
    administered_on date NOT NULL,
    grade           text NOT NULL DEFAULT '',
    answers         smallint[] NOT NULL,
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    PRIMARY KEY (survey_id, respondent, administered_on)
);
CREATE INDEX survey_responses_school ON survey_responses(school_id, administered_on);

CREATE TABLE observations (
    id              bigserial PRIMARY KEY,
    observation     text NOT NULL,
    observer_id     bigint NOT NULL REFERENCES educators(id),
    observed_id     bigint NOT NULL REFERENCES educators(id),
    rubric_id       bigint NOT NULL REFERENCES rubrics(id),
    school_id       bigint NOT NULL REFERENCES schools(id),
    observed_on     date NOT NULL,
    scores          smallint[] NOT NULL,
    notes           text NOT NULL DEFAULT '',
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    UNIQUE (observation, observer_id)
);
CREATE INDEX observations_school ON observations(school_id, observed_on);

-- Time-linked notes on an observation (seconds into the lesson video or
-- visit), optionally tied to one rubric criterion.
CREATE TABLE annotations (
    observation_id  bigint NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    t_seconds       integer NOT NULL CHECK (t_seconds >= 0),
    criterion       text NOT NULL DEFAULT '',
    note            text NOT NULL,
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    PRIMARY KEY (observation_id, t_seconds, criterion)
);

CREATE TABLE outcomes (
    measure_id      bigint NOT NULL REFERENCES measures(id),
    school_id       bigint NOT NULL REFERENCES schools(id),
    subgroup        text NOT NULL DEFAULT '',
    period_start    date NOT NULL,
    period_end      date NOT NULL CHECK (period_end >= period_start),
    value           double precision NOT NULL,
    n               integer NOT NULL CHECK (n >= 0),
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (measure_id, school_id, subgroup, period_start, period_end)
);
CREATE INDEX outcomes_school ON outcomes(school_id);

CREATE TABLE costs (
    activity_id     bigint NOT NULL REFERENCES activities(id),
    year            integer NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    ingredient      text NOT NULL,
    category        text NOT NULL CHECK (category IN ('personnel',
                        'facilities', 'materials', 'travel', 'other')),
    quantity        double precision NOT NULL CHECK (quantity >= 0),
    unit_cost       double precision NOT NULL CHECK (unit_cost >= 0),
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    PRIMARY KEY (activity_id, year, ingredient)
);

CREATE TABLE participation (
    activity_id     bigint NOT NULL REFERENCES activities(id),
    school_id       bigint NOT NULL REFERENCES schools(id),
    educator_id     bigint REFERENCES educators(id),
    period_start    date NOT NULL,
    period_end      date NOT NULL CHECK (period_end >= period_start),
    hours           double precision NOT NULL CHECK (hours >= 0),
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    -- 0 = the whole school; a plain column so the key joins with "=".
    educator_key    bigint GENERATED ALWAYS AS (coalesce(educator_id, 0)) STORED,
    UNIQUE (activity_id, school_id, educator_key, period_start, period_end)
);

CREATE TABLE administrations (
    survey          text NOT NULL,
    school_id       bigint NOT NULL REFERENCES schools(id),
    administered_on date NOT NULL,
    invited         integer NOT NULL CHECK (invited >= 0),
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    PRIMARY KEY (survey, school_id, administered_on)
);
