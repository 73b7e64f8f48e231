#!/bin/sh
# SPDX-License-Identifier: MIT
# Entry point of the db image. On first start (an empty $PGDATA) creates the
# cluster, a login role owning a database for Tandem and a second role,
# ${TANDEM_DB_USER}_serve, that tandemd serves through and that owns
# nothing (least privilege; tandemd --migrate-db grants it its rights),
# with the password read
# from a file (a secret) or the environment; then runs postgres in the
# foreground, so that docker's signals reach it. Arguments go to postgres.
#   TANDEM_DB_NAME, TANDEM_DB_USER    default tandem, tandem
#   TANDEM_DB_PASSWORD_FILE           preferred, or TANDEM_DB_PASSWORD
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
DB_NAME=${TANDEM_DB_NAME:-tandem}
DB_USER=${TANDEM_DB_USER:-tandem}

die() {
	echo "db: $*" >&2
	exit 1
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -n "${TANDEM_DB_PASSWORD_FILE:-}" ]; then
		[ -r "$TANDEM_DB_PASSWORD_FILE" ] \
			|| die "cannot read TANDEM_DB_PASSWORD_FILE $TANDEM_DB_PASSWORD_FILE"
		password=$(cat "$TANDEM_DB_PASSWORD_FILE")
	else
		password=${TANDEM_DB_PASSWORD:-}
	fi
	[ -n "$password" ] \
		|| die "no password for role $DB_USER: set TANDEM_DB_PASSWORD_FILE or TANDEM_DB_PASSWORD"
	case "$password" in
	*"
"*) die "the password for role $DB_USER holds a line break" ;;
	esac
	case "$DB_NAME$DB_USER" in
	*[!A-Za-z0-9_]*) die "TANDEM_DB_NAME and TANDEM_DB_USER take letters, digits and _ only" ;;
	esac

	echo "db: creating the cluster in $PGDATA" >&2
	# Local (socket) connections are for the postgres OS user only; every
	# network connection needs a password.
	initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
		--auth-local=peer --auth-host=scram-sha-256 >/dev/null
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	# Single-user mode: no server listens while the role is made, so the
	# healthcheck passes only once everything exists.
	quoted=$(printf '%s' "$password" | sed "s/'/''/g")
	# One statement a line (CREATE DATABASE must be outside a transaction).
	# An ERROR there does not change postgres's exit status, so read it; a
	# half-made cluster is removed, or the next start would keep it.
	log=$(postgres --single -D "$PGDATA" postgres 2>&1 >/dev/null <<-EOF
		CREATE ROLE "$DB_USER" LOGIN PASSWORD '$quoted'
		CREATE ROLE "${DB_USER}_serve" LOGIN PASSWORD '$quoted'
		CREATE DATABASE "$DB_NAME" OWNER "$DB_USER"
	EOF
	) || log="$log
FATAL: postgres --single exited non-zero"
	if printf '%s\n' "$log" | grep -qE '(ERROR|FATAL|PANIC): '; then
		printf '%s\n' "$log" >&2
		find "$PGDATA" -mindepth 1 -delete
		die "could not create role $DB_USER and database $DB_NAME"
	fi
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
