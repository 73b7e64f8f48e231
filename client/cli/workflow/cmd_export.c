/* SPDX-License-Identifier: MIT
 * tandem export: one stored kind back out as one spreadsheet-ready table
 * (CSV with a header row, formula cells neutralised; or a JSON array of
 * objects), page by page through Export/Page, so any size streams in
 * bounded memory. The columns are those define/submit read back.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

typedef struct writer {
	FILE           *f;
	enum out_format fmt;
	size_t          ncols;
	char          **cols; /* the first page's, to hold the rest to */
	char           *types; /* t i n b d */
	size_t          rows;
} writer;

static char
type_letter(const char *t)
{
	return strcmp(t, "integer") == 0 ? 'i'
	    : strcmp(t, "number") == 0   ? 'n'
	    : strcmp(t, "boolean") == 0  ? 'b'
	    : strcmp(t, "date") == 0     ? 'd'
	                                 : 't';
}

/* writer_columns takes the first page's columns and writes the CSV
 * header; later pages must carry the same. */
static int
writer_columns(writer *w, const Tandem__V1__ExportPage *p)
{
	if (w->cols != NULL) {
		bool same = p->n_columns == w->ncols;
		for (size_t j = 0; same && j < w->ncols; j++) {
			same = strcmp(p->columns[j]->name, w->cols[j]) == 0;
		}
		return same ? 0 : -1;
	}
	w->ncols = p->n_columns;
	w->cols  = calloc(w->ncols + 1, sizeof(char *));
	w->types = calloc(w->ncols + 1, 1);
	if (w->cols == NULL || w->types == NULL) {
		return -1;
	}
	for (size_t j = 0; j < w->ncols; j++) {
		w->cols[j]  = strdup(p->columns[j]->name);
		w->types[j] = type_letter(p->columns[j]->type);
		if (w->fmt == OUT_CSV) {
			if (j) {
				fputc(',', w->f);
			}
			out_csv_field(w->f, w->cols[j], true);
		}
	}
	if (w->fmt == OUT_CSV) {
		fputc('\n', w->f);
	} else {
		fputs("[", w->f);
	}
	return 0;
}

static bool
is_null(const Tandem__V1__ExportRow *r, size_t j)
{
	for (size_t k = 0; k < r->n_nulls; k++) {
		if (r->nulls[k] == j) {
			return true;
		}
	}
	return false;
}

/* json_text writes s as a JSON string (null if it is not UTF-8). */
static void
json_text(FILE *f, const char *s)
{
	json_t *v = json_string(s);
	char   *t = v != NULL ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
	fputs(t != NULL ? t : "null", f);
	free(t);
	json_decref(v);
}

/* json_cell writes one typed value. Numbers go out as the database wrote
 * them (its shortest exact form: 94.1, not 94.099999999999994); NaN and
 * infinities, which JSON has no number for, as null. */
static void
json_cell(FILE *f, char type, const char *s)
{
	char *end;
	switch (type) {
	case 'i':
		(void) strtoll(s, &end, 10);
		fputs(*s != '\0' && *end == '\0' ? s : "null", f);
		return;
	case 'n': {
		double v = strtod(s, &end);
		fputs(*s != '\0' && *end == '\0' && isfinite(v) ? s : "null",
		      f);
		return;
	}
	case 'b':
		fputs(strcmp(s, "true") == 0 ? "true" : "false", f);
		return;
	default:
		json_text(f, s);
	}
}

static void
writer_row(writer *w, const Tandem__V1__ExportRow *r)
{
	if (w->fmt == OUT_CSV) {
		for (size_t j = 0; j < w->ncols; j++) {
			const char *s = j < r->n_cells && !is_null(r, j)
			    ? r->cells[j]
			    : "";
			if (j) {
				fputc(',', w->f);
			}
			/* numbers are the database's own: left as they are */
			out_csv_field(
			    w->f, s, w->types[j] == 't' || w->types[j] == 'd');
		}
		fputc('\n', w->f);
	} else {
		fputs(w->rows ? ",\n{" : "\n{", w->f);
		for (size_t j = 0; j < w->ncols; j++) {
			fputs(j ? "," : "", w->f);
			json_text(w->f, w->cols[j]);
			fputc(':', w->f);
			if (j >= r->n_cells || is_null(r, j)) {
				fputs("null", w->f);
			} else {
				json_cell(w->f, w->types[j], r->cells[j]);
			}
		}
		fputc('}', w->f);
	}
	w->rows++;
}

static void
writer_free(writer *w)
{
	for (size_t j = 0; w->cols && j < w->ncols; j++) {
		free(w->cols[j]);
	}
	free(w->cols);
	free(w->types);
}

static void
usage(void)
{
	printf(
	    "usage: tandem export KIND [--school S | --district D] "
	    "[--from DATE] [--to DATE]\n"
	    "                   [--survey C | --rubric C | --measure M] "
	    "[--format csv|json]\n"
	    "                   [--page-size N] --out FILE\n"
	    "\n"
	    "Writes one stored kind as one table, in the caller's scope:\n"
	    "  registry (as define reads it): districts, schools, educators,\n"
	    "    survey --survey C, rubric --rubric C, measures, activities,\n"
	    "    price-index\n"
	    "  data (as submit reads it): surveys --survey C (pseudonymous\n"
	    "    respondents), feedback [--rubric C], annotations, outcomes\n"
	    "    [--measure M], costs, participation, administrations\n"
	    "    [--survey C], pdsa [--measure M]\n"
	    "CSV has a header row and text cells a spreadsheet would run as "
	    "a\n"
	    "formula start with '; JSON is an array of objects with typed\n"
	    "values (null for no value). The file is written whole or not at\n"
	    "all (FILE.part until the last page); --out - writes to stdout.\n"
	    "\n"
	    "  --school S, --district D  narrow to a school or district\n"
	    "  --from DATE, --to DATE    dated kinds: inclusive bounds\n"
	    "  --format csv|json         default csv (or the global "
	    "--format)\n"
	    "  --page-size N             rows per call, 1..10000 (default "
	    "1000)\n");
}

static int
finish(const char *out, const char *part, FILE *f, int rv)
{
	if (f != stdout) {
		if (fclose(f) != 0 && rv == 0) {
			fprintf(stderr, "tandem: export: writing %s: %s\n",
			        part, strerror(errno));
			rv = 1;
		}
		if (rv == 0 && rename(part, out) != 0) {
			fprintf(stderr, "tandem: export: renaming %s: %s\n",
			        part, strerror(errno));
			rv = 1;
		}
		if (rv != 0) {
			unlink(part);
		}
	}
	return rv;
}

int
cmd_export(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "school", required_argument, NULL, 's' },
		{ "district", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "survey", required_argument, NULL, 'S' },
		{ "rubric", required_argument, NULL, 'R' },
		{ "measure", required_argument, NULL, 'M' },
		{ "format", required_argument, NULL, 'f' },
		{ "page-size", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	Tandem__V1__ExportRequest req = TANDEM__V1__EXPORT_REQUEST__INIT;
	enum out_format fmt  = c->format == OUT_JSON ? OUT_JSON : OUT_CSV;
	const char     *out  = NULL;
	long            page = 0;
	int             opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			req.school = optarg;
			break;
		case 'd':
			req.district = optarg;
			break;
		case 'F':
			req.from = optarg;
			break;
		case 'T':
			req.to = optarg;
			break;
		case 'S':
		case 'R':
		case 'M':
			if (req.code[0] != '\0') {
				return cli_usage_error(
				    "export",
				    "give one of --survey, --rubric "
				    "and --measure");
			}
			req.code = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				fmt = OUT_CSV;
			} else if (strcmp(optarg, "json") == 0) {
				fmt = OUT_JSON;
			} else {
				return cli_usage_error(
				    "export",
				    "--format is csv or json, not '%s'",
				    optarg);
			}
			break;
		case 'p':
			if (cli_parse_count("export", "--page-size", optarg, 1,
			                    10000, &page)
			    != 0) {
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return cli_option_error("export", opt, argv);
		}
	}
	if (optind != argc - 1) {
		return cli_usage_error("export", "name one KIND (see --help)");
	}
	if (out == NULL) {
		return cli_usage_error("export",
		                       "--out FILE is required "
		                       "(- for stdout)");
	}
	req.kind      = argv[optind];
	req.page_size = (int32_t) page;

	char  part[4096];
	FILE *f = stdout;
	if (strcmp(out, "-") != 0) {
		snprintf(part, sizeof(part), "%s.part", out);
		if ((f = fopen(part, "w")) == NULL) {
			fprintf(stderr, "tandem: export: %s: %s\n", part,
			        strerror(errno));
			return 1;
		}
	}
	writer w     = { .f = f, .fmt = fmt };
	size_t pages = 0;
	int    rv    = 0;
	for (;;) {
		Tandem__V1__ExportPage *p  = NULL;
		td_status               st = { 0 };
		if (cli_call(c, "export", &td_export_page_method, &req.base,
		             (ProtobufCMessage **) &p, &st,
		             CLI_DEFAULT_RETRIES)
		    != TD_CODE_OK) {
			rv = cli_fail("export", &st);
			break;
		}
		td_status_reset(&st);
		pages++;
		if (writer_columns(&w, p) != 0) {
			fprintf(
			    stderr,
			    "tandem: export: the columns changed between "
			    "pages (an instrument was redefined during the "
			    "export); run it again\n");
			protobuf_c_message_free_unpacked(&p->base, NULL);
			rv = 1;
			break;
		}
		for (size_t i = 0; i < p->n_rows; i++) {
			writer_row(&w, p->rows[i]);
		}
		if (c->progress) {
			fprintf(stderr, "\rexport %s: %zu rows", req.kind,
			        w.rows);
			c->progress_shown = true;
		}
		/* the next request carries this page's cursor */
		free(req.cursor.data);
		req.cursor.len  = p->next_cursor.len;
		req.cursor.data = NULL;
		if (p->next_cursor.len > 0
		    && (req.cursor.data = malloc(p->next_cursor.len))
		        != NULL) {
			memcpy(req.cursor.data, p->next_cursor.data,
			       p->next_cursor.len);
		}
		protobuf_c_message_free_unpacked(&p->base, NULL);
		if (req.cursor.len == 0) {
			break;
		}
		if (req.cursor.data == NULL) {
			fprintf(stderr, "tandem: export: out of memory\n");
			rv = 1;
			break;
		}
	}
	free(req.cursor.data);
	cli_progress_end(c);
	if (rv == 0 && fmt == OUT_JSON) {
		fputs(w.rows ? "\n]\n" : "]\n", f);
	}
	writer_free(&w);
	rv = finish(out, part, f, rv);
	if (rv == 0) {
		fprintf(stderr, "export %s: %zu rows in %zu page%s to %s\n",
		        req.kind, w.rows, pages, pages == 1 ? "" : "s",
		        strcmp(out, "-") == 0 ? "stdout" : out);
	}
	return rv;
}
