-- SPDX-License-Identifier: MIT
-- Reporting rates as DHIS2 defines them: a measure is reported at a
-- frequency (one report per school and period) and a report is on time
-- when it arrives within timely_days after its period ends. A school may
-- carry the dates it opened and closed, outside which it owes no reports.
-- At the end: the state behind the deviant.new event, and approvals of
-- survey administration windows.

ALTER TABLE measures
    ADD COLUMN frequency text NOT NULL DEFAULT 'monthly'
        CHECK (frequency IN ('weekly', 'monthly', 'termly', 'yearly')),
    -- DHIS2's default for a data set's "days after period end to qualify
    -- for timely submission"
    ADD COLUMN timely_days integer NOT NULL DEFAULT 15
        CHECK (timely_days BETWEEN 0 AND 366);

ALTER TABLE schools
    ADD COLUMN opened_on date,
    ADD COLUMN closed_on date,
    ADD CONSTRAINT schools_open_before_closed
        CHECK (closed_on IS NULL OR opened_on IS NULL OR closed_on >= opened_on);

-- The last day of the period of grain g ('w', 'm', 't', 'y') that starts
-- on p (a td_period_start): terms run Aug-Dec and Jan-Jul, academic years
-- 1 August - 31 July.
CREATE FUNCTION td_period_end(g char, p date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE g
        WHEN 'w' THEN p + 6
        WHEN 'm' THEN (p + interval '1 month')::date - 1
        WHEN 't' THEN CASE WHEN extract(month FROM p) = 8
                           THEN make_date(extract(year FROM p)::int, 12, 31)
                           ELSE make_date(extract(year FROM p)::int, 7, 31) END
        ELSE (p + interval '1 year')::date - 1
    END
$$;

-- Positive deviants as last published (deviant.new): a school flagged for
-- a measure and period that is not here yet is newly a deviant; one no
-- longer flagged leaves, so flagged again is new again.
CREATE TABLE deviant_state (
    measure     text NOT NULL,
    period      text NOT NULL,
    school      text NOT NULL,
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (measure, period, school)
);

-- Approvals of a survey's administration windows, as of a measure's
-- months (016): level by level, and an approved window locks the
-- responses administered in it at the schools it covers.
CREATE TABLE survey_approvals (
    survey          text NOT NULL,
    window_start    date NOT NULL,
    window_end      date NOT NULL CHECK (window_end >= window_start
                        AND window_end - window_start <= 366),
    level           text NOT NULL CHECK (level IN ('school', 'district', 'network')),
    unit_id         bigint NOT NULL DEFAULT 0,  -- school or district id; 0 = network
    approved_by     text,
    approved_at     timestamptz NOT NULL DEFAULT now(),
    accepted_by     text,
    accepted_at     timestamptz,
    PRIMARY KEY (survey, window_start, window_end, level, unit_id)
);
CREATE INDEX survey_approvals_lock ON survey_approvals (survey, window_start);

CREATE TABLE survey_approval_log (
    id              bigserial PRIMARY KEY,
    survey          text NOT NULL,
    window_start    date NOT NULL,
    window_end      date NOT NULL,
    level           text NOT NULL,
    unit_id         bigint NOT NULL,
    action          text NOT NULL CHECK (action IN ('approve', 'accept', 'unapprove')),
    client_id       text,
    at              timestamptz NOT NULL DEFAULT now()
);
