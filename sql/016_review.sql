-- SPDX-License-Identifier: MIT
-- Review and approval. Submissions carry ODK Central's review state with a
-- history of reviews and their comments; a measure's months carry DHIS2's
-- approvals by level (school -> district -> network), each approved by one
-- client and accepted by the level above. An approval locks the month's
-- outcomes for the schools it covers; approval_log keeps every transition.

ALTER TABLE submissions
    ADD COLUMN review_state text NOT NULL DEFAULT 'received'
        CHECK (review_state IN ('received', 'has_issues', 'rejected', 'approved'));

CREATE TABLE submission_reviews (
    id              bigserial PRIMARY KEY,
    submission_seq  bigint NOT NULL REFERENCES submissions(seq),
    state           text NOT NULL,
    comment         text NOT NULL DEFAULT '',
    client_id       text,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submission_reviews_submission ON submission_reviews(submission_seq, id);

CREATE TABLE approvals (
    measure_id      bigint NOT NULL REFERENCES measures(id),
    period_start    date NOT NULL CHECK (extract(day FROM period_start) = 1),
    level           text NOT NULL CHECK (level IN ('school', 'district', 'network')),
    unit_id         bigint NOT NULL DEFAULT 0,  -- school or district id; 0 = network
    approved_by     text,
    approved_at     timestamptz NOT NULL DEFAULT now(),
    accepted_by     text,
    accepted_at     timestamptz,
    PRIMARY KEY (measure_id, period_start, level, unit_id)
);

CREATE TABLE approval_log (
    id              bigserial PRIMARY KEY,
    measure_id      bigint NOT NULL REFERENCES measures(id),
    period_start    date NOT NULL,
    level           text NOT NULL,
    unit_id         bigint NOT NULL,
    action          text NOT NULL CHECK (action IN ('approve', 'accept', 'unapprove')),
    client_id       text,
    at              timestamptz NOT NULL DEFAULT now()
);
