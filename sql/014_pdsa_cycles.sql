-- SPDX-License-Identifier: MIT
-- Plan-Do-Study-Act cycles: a change idea tried by a school (or by the
-- whole network, school NULL), aimed at one measure, with its prediction,
-- dates, status and what was learnt. The same cycle code at several
-- schools is one cycle run together (a shared cycle ties those schools in
-- the professional-isolation graph).

CREATE TABLE pdsa_cycles (
    code            text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    school_id       bigint REFERENCES schools(id),
    measure_id      bigint NOT NULL REFERENCES measures(id),
    activity_id     bigint REFERENCES activities(id),
    change_idea     text NOT NULL,
    prediction      text NOT NULL DEFAULT '',
    predicted_value double precision,
    start_on        date NOT NULL,
    end_on          date CHECK (end_on >= start_on),
    status          text NOT NULL CHECK (status IN ('planned', 'running',
                        'done', 'abandoned')),
    result          text NOT NULL DEFAULT '',
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    -- 0 = the network; a plain column so the key joins with "=".
    school_key      bigint GENERATED ALWAYS AS (coalesce(school_id, 0)) STORED,
    UNIQUE (code, school_key)
);
CREATE INDEX pdsa_cycles_measure ON pdsa_cycles(measure_id, start_on);
CREATE INDEX pdsa_cycles_school ON pdsa_cycles(school_id);
