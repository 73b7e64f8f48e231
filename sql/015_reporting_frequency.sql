-- SPDX-License-Identifier: MIT
-- Reporting rates as DHIS2 defines them (and the state behind the
-- deviant.new event, at the end): a measure is reported at a
-- frequency (one report per school and period) and a report is on time
-- when it arrives within timely_days after its period ends. A school may
-- carry the dates it opened and closed, outside which it owes no reports.

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
