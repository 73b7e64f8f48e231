/* SPDX-License-Identifier: MIT
 * tandem define (districts, schools, educators, surveys, rubrics, measures,
 * activities, price index from CSV; tandem import oneroster is in
 * oneroster.c). Defines are upserts, so a retried call changes nothing
 * twice.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct dopts {
	const char *code;
	const char *name;
	long        retries;
} dopts;

/* A request being built, and what it owns (its strings belong to the CSV
 * table). */
typedef struct built {
	ProtobufCMessage *req;
	void            **msgs; /* from msgs() */
	size_t            n;
	void             *inner; /* the Survey or Rubric, else NULL */
} built;

typedef struct dkind {
	const char      *name;
	const char      *columns;
	bool             coded; /* takes --code and --name */
	const td_method *method;
	int (*read)(const csvread_table *t, const dopts *o, csvread_errs *e,
	            const char *what, struct built *b);
} dkind;

/* calloc_or_die: the CLI has nothing sensible to do without memory. */
static void *
calloc_or_die(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL) {
		fprintf(stderr, "tandem: out of memory\n");
		exit(1);
	}
	return p;
}

/* msgs allocates n messages copied from init and an array of pointers to
 * them; the pointers' array owns the block (see free_msgs). */
static void **
msgs(size_t n, size_t size, const void *init)
{
	void **p    = calloc_or_die(n + 1, sizeof(void *));
	char  *pool = calloc_or_die(n, size);
	for (size_t i = 0; i < n; i++) {
		p[i] = pool + i * size;
		memcpy(p[i], init, size);
	}
	p[n] = pool; /* kept for free_msgs, past the last record */
	return p;
}

static void
free_msgs(void **p, size_t n)
{
	if (p != NULL) {
		free(p[n]);
		free(p);
	}
}

/* S and INT32 read record i's string or whole-number cell into a message
 * field; BIND binds the columns or returns. They use the read functions'
 * t, e, i, cols and what. */
#define S(field, col, req)                                                    \
	do {                                                                  \
		const char *v_;                                               \
		csvread_get_str(e, t, i, cols[col].index, req, &v_);          \
		(field) = (char *) v_;                                        \
	} while (0)
#define INT32(field, col, req, dflt)                                          \
	do {                                                                  \
		long long v_;                                                 \
		if (csvread_get_int(e, t, i, cols[col].index, req, INT32_MIN, \
		                    INT32_MAX, dflt, &v_)) {                  \
			(field) = (int32_t) v_;                               \
		}                                                             \
	} while (0)
#define BIND(cols)                                                            \
	do {                                                                  \
		if (cli_bind(what, t, cols, NCOLS(cols), true)) {             \
			return 1;                                             \
		}                                                             \
	} while (0)

static int
read_districts(const csvread_table *t, const dopts *o, csvread_errs *e,
               const char *what, built *b)
{
	static const Tandem__V1__District init = TANDEM__V1__DISTRICT__INIT;
	csvread_col cols[] = { { "district", true, 0 }, { "name", true, 0 } };
	BIND(cols);
	size_t                              n = csvread_nrecords(t);
	Tandem__V1__DefineDistrictsRequest *q = calloc_or_die(1, sizeof(*q));
	tandem__v1__define_districts_request__init(q);
	q->n_districts = n;
	q->districts = (Tandem__V1__District **) msgs(n, sizeof(init), &init);
	b->req       = &q->base;
	b->msgs      = (void **) q->districts;
	b->n         = n;
	for (size_t i = 0; i < n; i++) {
		S(q->districts[i]->district, 0, true);
		S(q->districts[i]->name, 1, true);
	}
	return 0;
}

static int
read_schools(const csvread_table *t, const dopts *o, csvread_errs *e,
             const char *what, built *b)
{
	static const Tandem__V1__School init   = TANDEM__V1__SCHOOL__INIT;
	csvread_col                     cols[] = {
		                    { "district", true, 0 },    { "school", true, 0 },
		                    { "name", true, 0 },        { "frl_rate", false, 0 },
		                    { "enrollment", false, 0 }, { "locale", false, 0 },
		                    { "grades", false, 0 },     { "opened_on", false, 0 },
		                    { "closed_on", false, 0 },
	};
	BIND(cols);
	size_t                            n = csvread_nrecords(t);
	Tandem__V1__DefineSchoolsRequest *q = calloc_or_die(1, sizeof(*q));
	tandem__v1__define_schools_request__init(q);
	q->n_schools = n;
	q->schools   = (Tandem__V1__School **) msgs(n, sizeof(init), &init);
	b->req       = &q->base;
	b->msgs      = (void **) q->schools;
	b->n         = n;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__School *r = q->schools[i];
		S(r->district, 0, true);
		S(r->school, 1, true);
		S(r->name, 2, true);
		/* unknown context is NaN / -1 on the wire, never zero */
		csvread_get_num(e, t, i, cols[3].index, false, NAN,
		                &r->frl_rate);
		INT32(r->enrollment, 4, false, -1);
		S(r->locale, 5, false);
		S(r->grades, 6, false);
		S(r->opened_on, 7, false);
		S(r->closed_on, 8, false);
	}
	return 0;
}

static int
read_educators(const csvread_table *t, const dopts *o, csvread_errs *e,
               const char *what, built *b)
{
	static const Tandem__V1__Educator init   = TANDEM__V1__EDUCATOR__INIT;
	csvread_col                       cols[] = {
		                      { "educator", true, 0 },
		                      { "school", true, 0 },
		                      { "name", true, 0 },
		                      { "role", true, 0 },
	};
	BIND(cols);
	size_t                              n = csvread_nrecords(t);
	Tandem__V1__DefineEducatorsRequest *q = calloc_or_die(1, sizeof(*q));
	tandem__v1__define_educators_request__init(q);
	q->n_educators = n;
	q->educators = (Tandem__V1__Educator **) msgs(n, sizeof(init), &init);
	b->req       = &q->base;
	b->msgs      = (void **) q->educators;
	b->n         = n;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__Educator *r = q->educators[i];
		S(r->educator, 0, true);
		S(r->school, 1, true);
		S(r->name, 2, true);
		S(r->role, 3, true);
	}
	return 0;
}

static int
read_survey(const csvread_table *t, const dopts *o, csvread_errs *e,
            const char *what, built *b)
{
	static const Tandem__V1__SurveyItem init
	    = TANDEM__V1__SURVEY_ITEM__INIT;
	csvread_col cols[] = {
		{ "item", true, 0 },
		{ "construct", true, 0 },
		{ "min", true, 0 },
		{ "max", true, 0 },
		{ "reverse_coded", false, 0 },
		{ "favourable_at_least", true, 0 },
		{ "text", false, 0 },
	};
	BIND(cols);
	size_t                           n  = csvread_nrecords(t);
	Tandem__V1__DefineSurveyRequest *q  = calloc_or_die(1, sizeof(*q));
	Tandem__V1__Survey              *sv = calloc_or_die(1, sizeof(*sv));
	tandem__v1__define_survey_request__init(q);
	tandem__v1__survey__init(sv);
	q->survey   = sv;
	sv->code    = (char *) o->code;
	sv->name    = (char *) (o->name ? o->name : o->code);
	sv->n_items = n;
	sv->items   = (Tandem__V1__SurveyItem **) msgs(n, sizeof(init), &init);
	b->req      = &q->base;
	b->msgs     = (void **) sv->items;
	b->n        = n;
	b->inner    = sv;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__SurveyItem *r = sv->items[i];
		S(r->item, 0, true);
		S(r->construct, 1, true);
		INT32(r->min, 2, true, 0);
		INT32(r->max, 3, true, 0);
		bool rev = false;
		csvread_get_bool(e, t, i, cols[4].index, false, false, &rev);
		r->reverse_coded = rev;
		INT32(r->favourable_at_least, 5, true, 0);
		S(r->text, 6, false);
	}
	return 0;
}

static int
read_rubric(const csvread_table *t, const dopts *o, csvread_errs *e,
            const char *what, built *b)
{
	static const Tandem__V1__RubricCriterion init
	    = TANDEM__V1__RUBRIC_CRITERION__INIT;
	csvread_col cols[] = {
		{ "criterion", true, 0 },
		{ "min", true, 0 },
		{ "max", true, 0 },
		{ "text", false, 0 },
	};
	BIND(cols);
	size_t                           n  = csvread_nrecords(t);
	Tandem__V1__DefineRubricRequest *q  = calloc_or_die(1, sizeof(*q));
	Tandem__V1__Rubric              *rb = calloc_or_die(1, sizeof(*rb));
	tandem__v1__define_rubric_request__init(q);
	tandem__v1__rubric__init(rb);
	q->rubric      = rb;
	rb->code       = (char *) o->code;
	rb->name       = (char *) (o->name ? o->name : o->code);
	rb->n_criteria = n;
	rb->criteria
	    = (Tandem__V1__RubricCriterion **) msgs(n, sizeof(init), &init);
	b->req   = &q->base;
	b->msgs  = (void **) rb->criteria;
	b->n     = n;
	b->inner = rb;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__RubricCriterion *r = rb->criteria[i];
		S(r->criterion, 0, true);
		INT32(r->min, 1, true, 0);
		INT32(r->max, 2, true, 0);
		S(r->text, 3, false);
	}
	return 0;
}

static int
read_measures(const csvread_table *t, const dopts *o, csvread_errs *e,
              const char *what, built *b)
{
	static const Tandem__V1__Measure init   = TANDEM__V1__MEASURE__INIT;
	csvread_col                      cols[] = {
		                     { "measure", true, 0 },      { "name", true, 0 },
		                     { "unit", true, 0 },         { "direction", true, 0 },
		                     { "target", false, 0 },      { "frequency", false, 0 },
		                     { "timely_days", false, 0 },
	};
	BIND(cols);
	size_t                             n = csvread_nrecords(t);
	Tandem__V1__DefineMeasuresRequest *q = calloc_or_die(1, sizeof(*q));
	tandem__v1__define_measures_request__init(q);
	q->n_measures = n;
	q->measures   = (Tandem__V1__Measure **) msgs(n, sizeof(init), &init);
	b->req        = &q->base;
	b->msgs       = (void **) q->measures;
	b->n          = n;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__Measure *r = q->measures[i];
		S(r->measure, 0, true);
		S(r->name, 1, true);
		S(r->unit, 2, false);
		S(r->direction, 3, true);
		/* an empty or absent target is none, never zero */
		double target = NAN;
		csvread_get_num(e, t, i, cols[4].index, false, NAN, &target);
		r->has_target = !isnan(target);
		r->target     = r->has_target ? target : 0;
		S(r->frequency, 5, false);
		/* an empty or absent timely_days is the server's default;
		 * the server checks the range */
		const char *td = "";
		csvread_get_str(e, t, i, cols[6].index, false, &td);
		r->has_timely_days = td[0] != '\0';
		INT32(r->timely_days, 6, false, 0);
	}
	return 0;
}

static int
read_activities(const csvread_table *t, const dopts *o, csvread_errs *e,
                const char *what, built *b)
{
	static const Tandem__V1__Activity init   = TANDEM__V1__ACTIVITY__INIT;
	csvread_col                       cols[] = {
		                      { "activity", true, 0 },
		                      { "kind", true, 0 },
		                      { "name", true, 0 },
		                      { "district", false, 0 },
	};
	BIND(cols);
	size_t                               n = csvread_nrecords(t);
	Tandem__V1__DefineActivitiesRequest *q = calloc_or_die(1, sizeof(*q));
	tandem__v1__define_activities_request__init(q);
	q->n_activities = n;
	q->activities = (Tandem__V1__Activity **) msgs(n, sizeof(init), &init);
	b->req        = &q->base;
	b->msgs       = (void **) q->activities;
	b->n          = n;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__Activity *r = q->activities[i];
		S(r->activity, 0, true);
		S(r->kind, 1, true);
		S(r->name, 2, true);
		S(r->district, 3, false);
	}
	return 0;
}

static int
read_price_index(const csvread_table *t, const dopts *o, csvread_errs *e,
                 const char *what, built *b)
{
	static const Tandem__V1__PriceIndexEntry init
	    = TANDEM__V1__PRICE_INDEX_ENTRY__INIT;
	csvread_col cols[] = { { "year", true, 0 }, { "index", true, 0 } };
	BIND(cols);
	size_t                               n = csvread_nrecords(t);
	Tandem__V1__DefinePriceIndexRequest *q = calloc_or_die(1, sizeof(*q));
	tandem__v1__define_price_index_request__init(q);
	q->n_entries = n;
	q->entries
	    = (Tandem__V1__PriceIndexEntry **) msgs(n, sizeof(init), &init);
	b->req  = &q->base;
	b->msgs = (void **) q->entries;
	b->n    = n;
	for (size_t i = 0; i < n; i++) {
		INT32(q->entries[i]->year, 0, true, 0);
		csvread_get_num(e, t, i, cols[1].index, true, 0,
		                &q->entries[i]->index);
	}
	return 0;
}

static const dkind dkinds[] = {
	{ "districts", "district,name", false,
	  &td_registry_define_districts_method, read_districts },
	{ "schools",
	  "district,school,name[,frl_rate][,enrollment][,locale][,grades]"
	  "[,opened_on][,closed_on]",
	  false, &td_registry_define_schools_method, read_schools },
	{ "educators", "educator,school,name,role", false,
	  &td_registry_define_educators_method, read_educators },
	{ "survey",
	  "item,construct,min,max[,reverse_coded],favourable_at_least[,text]",
	  true, &td_registry_define_survey_method, read_survey },
	{ "rubric", "criterion,min,max[,text]", true,
	  &td_registry_define_rubric_method, read_rubric },
	{ "measures",
	  "measure,name,unit,direction[,target][,frequency][,timely_days]",
	  false, &td_registry_define_measures_method, read_measures },
	{ "activities", "activity,kind,name[,district]", false,
	  &td_registry_define_activities_method, read_activities },
	{ "price-index", "year,index", false,
	  &td_registry_define_price_index_method, read_price_index },
};

static void
built_free(built *b)
{
	free_msgs(b->msgs, b->n);
	free(b->inner);
	free(b->req);
}

/* One row of a define/import summary. */
static void
define_row(out_table *tbl, const char *file, const char *kind, size_t n,
           size_t skipped, const Tandem__V1__DefineResponse *r)
{
	char   notes[1024] = "";
	size_t len         = 0;
	for (size_t i = 0; i < r->n_notes && len < sizeof(notes); i++) {
		len += (size_t) snprintf(notes + len, sizeof(notes) - len,
		                         "%s%s", i ? "; " : "", r->notes[i]);
	}
	out_str(tbl, file);
	out_str(tbl, kind);
	out_int(tbl, (int64_t) n);
	out_int(tbl, (int64_t) skipped);
	out_int(tbl, r->created);
	out_int(tbl, r->updated);
	out_int(tbl, r->unchanged);
	out_str(tbl, notes);
}

static const char *const summary_cols[]
    = { "file",    "kind",    "records",   "skipped",
	"created", "updated", "unchanged", "notes" };

/* records_field is the request's repeated message field (its records),
 * or NULL (survey and rubric keep theirs inside one message). */
static const ProtobufCFieldDescriptor *
records_field(const ProtobufCMessage *req)
{
	const ProtobufCMessageDescriptor *d = req->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED
		    && f->type == PROTOBUF_C_TYPE_MESSAGE) {
			return f;
		}
	}
	return NULL;
}

/* set_records points req's records field at n records from recs. */
static void
set_records(ProtobufCMessage *req, const ProtobufCFieldDescriptor *f,
            void **recs, size_t n)
{
	memcpy((char *) req + f->quantifier_offset, &n, sizeof(n));
	memcpy((char *) req + f->offset, &recs, sizeof(recs));
}

/* chunk_end is the end of the longest run of records from `from` whose
 * request fits the client's request limit (at least one record: one that
 * alone is too big is sent, and refused with the limit's message). */
static size_t
chunk_end(void **recs, size_t from, size_t n, size_t base)
{
	size_t budget = TD_CLIENT_MAX_REQUEST - TD_FRAME_HEADROOM - base;
	size_t used   = 0;
	size_t i      = from;
	while (i < n) {
		/* the record, its tag and a length of up to 5 bytes */
		size_t len = protobuf_c_message_get_packed_size(
		                 (const ProtobufCMessage *) recs[i])
		    + 6;
		if (i > from && used + len > budget) {
			break;
		}
		used += len;
		i++;
	}
	return i;
}

/* send_define calls method with req; on success adds a summary row.
 * lines[i] is the line of record i in file. Defines are upserts, so a
 * file over the request limit is sent in parts, each its own call;
 * if a part fails, the parts before it stay defined, and the message
 * says from which line nothing was. Returns 0 or 1. */
static int
send_define(cli *c, const char *what, const td_method *method,
            ProtobufCMessage *req, const char *file, const size_t *lines,
            size_t n, size_t skipped, long retries, const char *kind,
            out_table *tbl)
{
	Tandem__V1__DefineResponse sum = TANDEM__V1__DEFINE_RESPONSE__INIT;
	if (n == 0) {
		define_row(tbl, file, kind, 0, skipped, &sum);
		return 0;
	}
	const ProtobufCFieldDescriptor *f     = records_field(req);
	void                          **recs  = NULL;
	size_t                          base  = 0;
	bool                            split = f != NULL
	    && protobuf_c_message_get_packed_size(req) + TD_FRAME_HEADROOM
	        > TD_CLIENT_MAX_REQUEST;
	if (split) {
		memcpy(&recs, (char *) req + f->offset, sizeof(recs));
		set_records(req, f, recs, 0);
		base = protobuf_c_message_get_packed_size(req) + 64;
	}
	char **notes  = NULL;
	size_t nnotes = 0;
	int    rv     = 0;
	size_t from   = 0;
	while (from < n) {
		size_t to = split ? chunk_end(recs, from, n, base) : n;
		if (split) {
			set_records(req, f, recs + from, to - from);
		}
		td_status         st   = { 0 };
		ProtobufCMessage *resp = NULL;
		if (cli_call(c, what, method, req, &resp, &st, (int) retries)
		    != TD_CODE_OK) {
			cli_origin o = { file, lines + from, to - from };
			cli_fail_origin(what, &st, &o);
			if (from == 0) {
				fprintf(stderr,
				        "tandem: %s: nothing from %s was "
				        "defined\n",
				        what, file);
			} else {
				fprintf(stderr,
				        "tandem: %s: %s: the records before "
				        "line %zu were defined; nothing from "
				        "line %zu on\n",
				        what, file, lines[from], lines[from]);
			}
			td_status_reset(&st);
			rv = 1;
			break;
		}
		const Tandem__V1__DefineResponse *r
		    = (const Tandem__V1__DefineResponse *) resp;
		sum.created += r->created;
		sum.updated += r->updated;
		sum.unchanged += r->unchanged;
		for (size_t i = 0; i < r->n_notes; i++) {
			char **grown
			    = realloc(notes, (nnotes + 1) * sizeof(*notes));
			char *dup = strdup(r->notes[i]);
			if (grown == NULL || dup == NULL) {
				fprintf(stderr, "tandem: out of memory\n");
				exit(1);
			}
			notes           = grown;
			notes[nnotes++] = dup;
		}
		protobuf_c_message_free_unpacked(resp, NULL);
		td_status_reset(&st);
		from = to;
	}
	if (split) {
		set_records(req, f, recs, n);
	}
	if (rv == 0) {
		sum.notes   = notes;
		sum.n_notes = nnotes;
		define_row(tbl, file, kind, n, skipped, &sum);
	}
	for (size_t i = 0; i < nnotes; i++) {
		free(notes[i]);
	}
	free(notes);
	return rv;
}

static void
define_usage(FILE *f, const dkind *only)
{
	fprintf(f,
	        "usage: tandem define KIND [--code C [--name N]] FILE\n\n"
	        "Defines registry entries from a CSV file (a header row "
	        "names the columns,\nin any order; [optional]; \"-\" "
	        "reads standard input). Entries are\ncreated or updated "
	        "by their code; defining the same file twice changes\n"
	        "nothing. Every record is checked here first: if any is "
	        "wrong, nothing\nis sent. A file over the request limit (4 "
	        "MiB) is "
	        "sent in parts, one call\neach; if one fails, the parts "
	        "before it stay defined.\n\nKinds and their columns:\n");
	for (size_t i = 0; i < NCOLS(dkinds); i++) {
		if (only == NULL || only == &dkinds[i]) {
			fprintf(f, "  %-12s %s%s\n", dkinds[i].name,
			        dkinds[i].coded ? "--code C [--name N]: " : "",
			        dkinds[i].columns);
		}
	}
	fprintf(f,
	        "\nschools: an empty frl_rate (0..1) or enrollment is "
	        "unknown, not zero.\nsurvey: reverse_coded is true/false, "
	        "yes/no or 1/0 (empty = false);\nfavourable_at_least is "
	        "on the reverse-coded scale.\n\nOptions:\n"
	        "  --code C     the survey's or rubric's code (survey, "
	        "rubric)\n"
	        "  --name N     its display name (default: the code)\n"
	        "  --retries N  tries again on UNAVAILABLE or "
	        "DEADLINE_EXCEEDED (default %d)\n",
	        CLI_DEFAULT_RETRIES);
}

int
cmd_define(cli *c, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "code", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "retries", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const dkind *k = NULL;
	dopts        o = { NULL, NULL, CLI_DEFAULT_RETRIES };
	char         what[64];
	int          opt;

	if (argc < 2 || argv[1][0] == '-') {
		bool help = cli_wants_help(argc, argv);
		define_usage(help ? stdout : stderr, NULL);
		return help ? 0 : 2;
	}
	for (size_t i = 0; i < NCOLS(dkinds); i++) {
		if (strcmp(argv[1], dkinds[i].name) == 0) {
			k = &dkinds[i];
		}
	}
	if (k == NULL) {
		return cli_usage_error("define", "unknown kind '%s'", argv[1]);
	}
	if (cli_wants_help(argc, argv)) {
		define_usage(stdout, k);
		return 0;
	}
	snprintf(what, sizeof(what), "define %s", k->name);
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":", lopts, NULL))
	       != -1) {
		switch (opt) {
		case 'c':
			o.code = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'r':
			if (cli_parse_count(what, "--retries", optarg, 0,
			                    CLI_MAX_RETRIES, &o.retries)) {
				return 2;
			}
			break;
		default:
			return cli_option_error(what, opt, argv + 1);
		}
	}
	if (optind + 1 != argc - 1) {
		return cli_usage_error(what, "takes one FILE");
	}
	if (k->coded && (o.code == NULL || *o.code == '\0')) {
		return cli_usage_error(what, "--code C is required");
	}
	if (!k->coded && (o.code != NULL || o.name != NULL)) {
		return cli_usage_error(what,
		                       "--code and --name are for survey and "
		                       "rubric only");
	}

	csvread_table *t     = NULL;
	built          b     = { 0 };
	csvread_errs   e     = { 0 };
	size_t        *lines = NULL;
	int            rv    = 1;
	if (cli_read_csv(what, argv[optind + 1], &t)
	    || k->read(t, &o, &e, what, &b) != 0) {
		goto out;
	}
	size_t n = csvread_nrecords(t);
	if (csvread_errs_done(&e) > 0) {
		fprintf(stderr,
		        "tandem: %s: %s: %zu problem%s; nothing was sent\n",
		        what, csvread_name(t), e.n, e.n == 1 ? "" : "s");
		goto out;
	}
	if (n == 0) {
		fprintf(stderr,
		        "tandem: %s: %s: no records after the header\n", what,
		        csvread_name(t));
	}
	lines = calloc_or_die(n, sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		lines[i] = csvread_line(t, i);
	}
	out_table *tbl
	    = out_table_create("define", NCOLS(summary_cols), summary_cols);
	rv = send_define(c, what, k->method, b.req, csvread_name(t), lines, n,
	                 0, o.retries, k->name, tbl);
	if (rv == 0) {
		out_print_one(stdout, c->format, tbl);
	}
	out_table_destroy(tbl);
out:
	free(lines);
	built_free(&b);
	csvread_destroy(t);
	return rv;
}
