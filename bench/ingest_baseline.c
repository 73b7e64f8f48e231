/* SPDX-License-Identifier: MIT
 * Baselines for bench/ingest and scripts/bench: loads the item values of a
 * generated survey CSV into a plain one-row-per-item table, by COPY in one
 * transaction or by row-by-row autocommit INSERT, or the responses into a
 * compact one-row-per-response table (answers smallint[]) by COPY, and
 * prints how long it took. Reading the CSV is inside the timing, as the
 * CLI's parsing is inside tandem's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The first item column: school,respondent,administered_on,grade,i01,... */
#define FIRST_ITEM 4
#define COPY_CHUNK (256 * 1024)

typedef struct opts {
	const char *db;
	const char *mode;
	const char *file;
	long        max_values;
	double      max_seconds;
} opts;

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static int
exec_ok(PGconn *c, const char *sql)
{
	PGresult *r  = PQexec(c, sql);
	int       ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok) {
		fprintf(stderr, "ingest_baseline: %s: %s", sql,
		        PQerrorMessage(c));
	}
	PQclear(r);
	return ok ? 0 : -1;
}

/* A fresh table for every run, so no run inherits another's pages. */
static int
fresh_table(PGconn *c, const char *mode)
{
	if (strcmp(mode, "compact") == 0) {
		return exec_ok(c, "SET client_min_messages = warning") != 0
		        || exec_ok(c, "DROP TABLE IF EXISTS bench_responses")
		            != 0
		        || exec_ok(c,
		                   "CREATE TABLE bench_responses (school "
		                   "text, respondent text, administered_on "
		                   "date, grade text, answers smallint[], "
		                   "PRIMARY KEY (respondent, "
		                   "administered_on))")
		            != 0
		    ? -1
		    : 0;
	}
	return exec_ok(c, "SET client_min_messages = warning") != 0
	        || exec_ok(c, "DROP TABLE IF EXISTS bench_items") != 0
	        || exec_ok(c,
	                   "CREATE TABLE bench_items (respondent "
	                   "text, item int, value smallint, PRIMARY "
	                   "KEY (respondent, item))")
	            != 0
	    ? -1
	    : 0;
}

/* split cuts line at commas in place. The generator never quotes, so a
 * quote means the file is not ours and is refused. */
static int
split(char *line, char **f, int cap, int *n)
{
	*n = 0;
	for (char *p = line;;) {
		if (*n == cap) {
			return -1;
		}
		f[(*n)++] = p;
		p += strcspn(p, ",\"\r\n");
		if (*p == '"') {
			return -1;
		}
		if (*p != ',') {
			*p = '\0';
			return 0;
		}
		*p++ = '\0';
	}
}

typedef struct sink {
	PGconn *c;
	bool    copy;
	bool    compact; /* one row per response */
	char   *buf;
	size_t  len;
	long    values;
	double  start;
	bool    stop;
} sink;

static int
flush_copy(sink *s)
{
	if (s->len > 0 && PQputCopyData(s->c, s->buf, (int) s->len) != 1) {
		fprintf(stderr, "ingest_baseline: COPY data: %s",
		        PQerrorMessage(s->c));
		return -1;
	}
	s->len = 0;
	return 0;
}

static int
put_value(sink *s, const opts *o, const char *resp, int item, const char *v)
{
	if (s->copy) {
		if (s->len + strlen(resp) + 32 > COPY_CHUNK && flush_copy(s)) {
			return -1;
		}
		s->len
		    += (size_t) snprintf(s->buf + s->len, COPY_CHUNK - s->len,
		                         "%s\t%d\t%s\n", resp, item, v);
		s->values++;
		return 0;
	}
	char        item_s[16];
	const char *p[3] = { resp, item_s, v };
	snprintf(item_s, sizeof(item_s), "%d", item);
	PGresult *r
	    = PQexecParams(s->c,
	                   "INSERT INTO bench_items (respondent, item, "
	                   "value) VALUES ($1, $2, $3)",
	                   3, NULL, p, NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		fprintf(stderr, "ingest_baseline: INSERT: %s",
		        PQerrorMessage(s->c));
		return -1;
	}
	s->values++;
	if ((o->max_values > 0 && s->values >= o->max_values)
	    || (o->max_seconds > 0 && now_s() - s->start >= o->max_seconds)) {
		s->stop = true;
	}
	return 0;
}

/* put_response writes one response as one COPY row: school, respondent,
 * date, grade and the answers as an array (NULL = non-response). */
static int
put_response(sink *s, char **f, int nf)
{
	size_t need = 64 + strlen(f[0]) + strlen(f[1]) + strlen(f[2])
	    + strlen(f[3]) + (size_t) nf * 6;
	if (s->len + need > COPY_CHUNK && flush_copy(s)) {
		return -1;
	}
	char  *b = s->buf + s->len;
	size_t k = (size_t) snprintf(b, need, "%s\t%s\t%s\t%s\t{", f[0], f[1],
	                             f[2], f[3]);
	for (int j = FIRST_ITEM; j < nf; j++) {
		k += (size_t) snprintf(b + k, need - k, "%s%s",
		                       j > FIRST_ITEM ? "," : "",
		                       *f[j] ? f[j] : "NULL");
		s->values += *f[j] != '\0';
	}
	k += (size_t) snprintf(b + k, need - k, "}\n");
	s->len += k;
	return 0;
}

static int
load(sink *s, const opts *o, FILE *in)
{
	char   *line = NULL, *f[1024];
	size_t  cap  = 0;
	ssize_t len;
	long    lineno = 0;
	int     nf, rv = 0;
	while (rv == 0 && !s->stop && (len = getline(&line, &cap, in)) != -1) {
		if (++lineno == 1) {
			continue; /* header */
		}
		if (split(line, f, 1024, &nf) != 0 || nf <= FIRST_ITEM) {
			fprintf(
			    stderr,
			    "ingest_baseline: %s:%ld: not a generated survey "
			    "row\n",
			    o->file, lineno);
			rv = -1;
			break;
		}
		if (s->compact) {
			rv = put_response(s, f, nf);
			continue;
		}
		for (int j = FIRST_ITEM; rv == 0 && !s->stop && j < nf; j++) {
			if (*f[j] != '\0') { /* empty = non-response */
				rv = put_value(s, o, f[1], j - FIRST_ITEM + 1,
				               f[j]);
			}
		}
	}
	free(line);
	return rv;
}

static int
run(PGconn *c, const opts *o, long *values, double *seconds)
{
	bool  compact = strcmp(o->mode, "compact") == 0;
	sink  s       = { .c       = c,
		          .copy    = compact || strcmp(o->mode, "copy") == 0,
		          .compact = compact };
	int   rv      = -1;
	FILE *in      = NULL;
	if (s.copy && (s.buf = malloc(COPY_CHUNK)) == NULL) {
		return -1;
	}
	s.start = now_s();
	if ((in = fopen(o->file, "r")) == NULL) {
		fprintf(stderr, "ingest_baseline: %s: %s\n", o->file,
		        strerror(errno));
		goto out;
	}
	if (s.copy) {
		PGresult *r;
		if (exec_ok(c, "BEGIN") != 0) {
			goto out;
		}
		r = PQexec(c,
		           compact ? "COPY bench_responses FROM STDIN"
		                   : "COPY bench_items (respondent, item, "
		                     "value) FROM STDIN");
		if (PQresultStatus(r) != PGRES_COPY_IN) {
			fprintf(stderr, "ingest_baseline: COPY: %s",
			        PQerrorMessage(c));
			PQclear(r);
			goto out;
		}
		PQclear(r);
		int lrv = load(&s, o, in);
		if (lrv == 0) {
			lrv = flush_copy(&s);
		}
		if (PQputCopyEnd(c, lrv == 0 ? NULL : "input error") != 1) {
			lrv = -1;
		}
		while ((r = PQgetResult(c)) != NULL) {
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				fprintf(stderr, "ingest_baseline: COPY: %s",
				        PQerrorMessage(c));
				lrv = -1;
			}
			PQclear(r);
		}
		if (lrv != 0 || exec_ok(c, "COMMIT") != 0) {
			goto out;
		}
	} else if (load(&s, o, in) != 0) {
		goto out;
	}
	*seconds = now_s() - s.start;
	*values  = s.values;
	rv       = 0;
out:
	if (in != NULL) {
		fclose(in);
	}
	free(s.buf);
	return rv;
}

static void
usage(void)
{
	fprintf(
	    stderr,
	    "usage: ingest_baseline --db CONNINFO --mode copy|insert|compact\n"
	    "                       [--max-values N] [--max-seconds S] "
	    "FILE\n"
	    "Recreates bench_items, loads FILE's item values and prints\n"
	    "\"mode=M values=N seconds=S\". insert stops at N values or\n"
	    "S seconds, whichever comes first.\n");
}

int
main(int argc, char **argv)
{
	opts                 o    = { .mode = "copy" };
	static struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "max-values", required_argument, NULL, 'v' },
		{ "max-seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.db = optarg;
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'v':
			o.max_values = strtol(optarg, NULL, 10);
			break;
		case 's':
			o.max_seconds = strtod(optarg, NULL);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (o.db == NULL || optind + 1 != argc
	    || (strcmp(o.mode, "copy") != 0 && strcmp(o.mode, "insert") != 0
	        && strcmp(o.mode, "compact") != 0)) {
		usage();
		return 2;
	}
	o.file    = argv[optind];
	PGconn *c = PQconnectdb(o.db);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "ingest_baseline: %s", PQerrorMessage(c));
		PQfinish(c);
		return 1;
	}
	long   values  = 0;
	double seconds = 0;
	int rv = fresh_table(c, o.mode) == 0 && exec_ok(c, "CHECKPOINT") == 0
	        && run(c, &o, &values, &seconds) == 0
	    ? 0
	    : 1;
	if (rv == 0) {
		printf("mode=%s values=%ld seconds=%.6f\n", o.mode, values,
		       seconds);
	}
	PQfinish(c);
	return rv;
}
