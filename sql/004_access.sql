-- SPDX-License-Identifier: MIT
-- API clients and the audit log. Tokens are stored only as SHA-256 hashes;
-- the audit log is append-only: no role may update or delete its rows.

CREATE TABLE api_clients (
    id          text PRIMARY KEY,          -- public id, e.g. cl_1a2b3c4d5e6f
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('school', 'district', 'council',
                    'evaluator', 'admin')),
    school_id   bigint REFERENCES schools(id),
    district_id bigint REFERENCES districts(id),
    token_sha256 bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK ((role = 'school') = (school_id IS NOT NULL)),
    CHECK ((role = 'district') = (district_id IS NOT NULL))
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    client_id   text,                      -- NULL: no or unknown token
    method      text NOT NULL,
    status      text NOT NULL,
    request_id  text NOT NULL DEFAULT '',
    records     bigint NOT NULL DEFAULT 0,
    duration_us bigint NOT NULL DEFAULT 0,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_client ON audit_log(client_id, at);

CREATE FUNCTION td_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
    ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION td_audit_append_only();
