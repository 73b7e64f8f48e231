-- SPDX-License-Identifier: MIT
-- Rosters as districts export them (OneRoster): the SIS's sourcedId as the
-- stable key of districts, schools and educators; active flags (a disabled
-- or deleted user is kept for history, out of current scopes); and
-- educator <-> school (or district) memberships with a role each, since a
-- teacher may serve several schools and district staff serve none.

-- identifier is kept as exported: whether it may be the code depends on
-- whether another record of the kind has it too, in this import or before.
ALTER TABLE districts
    ADD COLUMN sourced_id text UNIQUE CHECK (length(sourced_id) BETWEEN 1 AND 255),
    ADD COLUMN identifier text,
    ADD COLUMN active boolean NOT NULL DEFAULT true,
    -- made for a school whose export names no district above it
    ADD COLUMN implied boolean NOT NULL DEFAULT false;

ALTER TABLE schools
    ADD COLUMN sourced_id text UNIQUE CHECK (length(sourced_id) BETWEEN 1 AND 255),
    ADD COLUMN identifier text,
    ADD COLUMN active boolean NOT NULL DEFAULT true;

-- school_id stays the educator's primary school (what single-school code
-- reads); NULL for district-level staff, whose memberships say where.
ALTER TABLE educators
    ADD COLUMN sourced_id text UNIQUE CHECK (length(sourced_id) BETWEEN 1 AND 255),
    ADD COLUMN identifier text,
    ADD COLUMN active boolean NOT NULL DEFAULT true,
    ALTER COLUMN school_id DROP NOT NULL,
    DROP CONSTRAINT educators_role_check;
ALTER TABLE educators
    ADD CONSTRAINT educators_role_check CHECK (role IN ('teacher',
        'teacher_leader', 'coach', 'principal', 'assistant_principal',
        'school_administrator', 'district_administrator', 'aide',
        'counselor'));

CREATE INDEX districts_identifier ON districts(identifier);
CREATE INDEX schools_identifier ON schools(identifier);
CREATE INDEX educators_identifier ON educators(identifier);

CREATE TABLE educator_memberships (
    id          bigserial PRIMARY KEY,
    educator_id bigint NOT NULL REFERENCES educators(id),
    school_id   bigint REFERENCES schools(id),
    district_id bigint REFERENCES districts(id),   -- district-level staff
    role        text NOT NULL CHECK (role IN ('teacher', 'teacher_leader',
                    'coach', 'principal', 'assistant_principal',
                    'school_administrator', 'district_administrator',
                    'aide', 'counselor')),
    active      boolean NOT NULL DEFAULT true,
    sourced_id  text,          -- OneRoster 1.2 roles.csv row, for deltas
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((school_id IS NULL) <> (district_id IS NULL))
);
CREATE UNIQUE INDEX educator_memberships_school
    ON educator_memberships(educator_id, school_id) WHERE school_id IS NOT NULL;
CREATE UNIQUE INDEX educator_memberships_district
    ON educator_memberships(educator_id, district_id) WHERE district_id IS NOT NULL;
CREATE INDEX educator_memberships_at_school ON educator_memberships(school_id);
CREATE INDEX educator_memberships_at_district ON educator_memberships(district_id);
CREATE INDEX educator_memberships_sourced ON educator_memberships(sourced_id);

-- Every educator defined so far serves its one school.
INSERT INTO educator_memberships (educator_id, school_id, role)
    SELECT id, school_id, role FROM educators;
