-- SPDX-License-Identifier: MIT
-- Every tandemd on one database keeps caches of what it derived from the
-- data (answers, the disclosure lattice, tokens) under a data version.
-- A committed write to any table but the audit log (which every call
-- writes) notifies the channel tandem_data; each tandemd LISTENs on it
-- (store_version_listen) and changes its version, so an answer cached by
-- one instance is not served after a write through another. NOTIFY is
-- transactional: delivered when the write commits, never for a rollback,
-- and once per transaction however many statements fire it.
CREATE FUNCTION td_notify_data() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tandem_data', '');
    RETURN NULL;
END $$;

-- td_notify_data_attach() gives every table of the schema that has no
-- such trigger yet (but the audit log and the migrations' own table) one
-- per statement; a later migration that creates tables calls it again.
CREATE FUNCTION td_notify_data_attach() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace
          AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('audit_log', 'td_schema_migrations')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid
                          AND g.tgname = 'td_notify_data')
    LOOP
        EXECUTE format('CREATE TRIGGER td_notify_data AFTER INSERT OR UPDATE '
                       'OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT '
                       'EXECUTE FUNCTION td_notify_data()', t);
    END LOOP;
END $$;

SELECT td_notify_data_attach();
