-- SPDX-License-Identifier: MIT
-- Registry: the network's members and instruments. Natural codes are what
-- clients send; surrogate ids keep fact tables narrow.

CREATE TABLE districts (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schools (
    id          bigserial PRIMARY KEY,
    district_id bigint NOT NULL REFERENCES districts(id),
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL,
    frl_rate    double precision CHECK (frl_rate BETWEEN 0 AND 1),
    enrollment  integer CHECK (enrollment >= 0),
    locale      text CHECK (locale IN ('city', 'suburb', 'town', 'rural')),
    grades      text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schools_district ON schools(district_id);

CREATE TABLE educators (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    school_id   bigint NOT NULL REFERENCES schools(id),
    name        text NOT NULL DEFAULT '',
    role        text NOT NULL CHECK (role IN ('teacher', 'teacher_leader',
                    'coach', 'principal', 'assistant_principal')),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX educators_school ON educators(school_id);

-- Instruments are versioned: a change to one that has responses makes a
-- new version, and responses keep the version they were given with.
CREATE TABLE surveys (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    version     integer NOT NULL CHECK (version >= 1),
    name        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, version)
);

CREATE TABLE survey_items (
    survey_id   bigint NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    code        text NOT NULL,
    construct   text NOT NULL,
    min_value   integer NOT NULL,
    max_value   integer NOT NULL,
    reverse_coded boolean NOT NULL DEFAULT false,
    favourable_at_least integer NOT NULL,
    text        text NOT NULL DEFAULT '',
    PRIMARY KEY (survey_id, position),
    UNIQUE (survey_id, code),
    CHECK (min_value < max_value),
    CHECK (favourable_at_least BETWEEN min_value AND max_value)
);

CREATE TABLE rubrics (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    version     integer NOT NULL CHECK (version >= 1),
    name        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, version)
);

CREATE TABLE rubric_criteria (
    rubric_id   bigint NOT NULL REFERENCES rubrics(id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    code        text NOT NULL,
    min_value   integer NOT NULL,
    max_value   integer NOT NULL,
    text        text NOT NULL DEFAULT '',
    PRIMARY KEY (rubric_id, position),
    UNIQUE (rubric_id, code),
    CHECK (min_value < max_value)
);

CREATE TABLE measures (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    name        text NOT NULL DEFAULT '',
    unit        text NOT NULL DEFAULT '',
    direction   text NOT NULL CHECK (direction IN ('higher', 'lower'))
);

CREATE TABLE activities (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    kind        text NOT NULL CHECK (kind IN ('coaching', 'plc',
                    'nic_convening', 'leadership_academy',
                    'video_observation', 'workshop', 'other')),
    name        text NOT NULL DEFAULT '',
    district_id bigint REFERENCES districts(id)
);

CREATE TABLE price_index (
    year        integer PRIMARY KEY CHECK (year BETWEEN 1900 AND 2200),
    index_value double precision NOT NULL CHECK (index_value > 0)
);
