/* SPDX-License-Identifier: MIT
 * Export service: Export/Page gives one page of one kind's rows in the
 * caller's scope. Which roles may export which kind is decided here
 * (student responses, teachers' scores and participation, and outcome
 * cells below min_n leave only to the school, its district and admin);
 * scope and filters are applied again on every page, and the cursor is
 * signed together with them, so a cursor can neither be forged nor widen
 * what the first page was allowed to read. Every call is audited (rpc).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "export.h"
#include "services/services.h"
#include "store/store_export.h"
#include "store/store_registry.h"
#include "tandem/v1/export.pb-c.h"

#define PAGE_DEFAULT 1000
#define PAGE_MAX     10000
/* A page's cells stop at STORE_EXPORT_PAGE_BYTES (or half the message
 * limit if that is less), so a reply stays well under the 4 MiB frame
 * whatever the rows hold (a row is at most a few 64 KiB notes). */
/* protobuf's overhead per cell (tag and length) and per row, roughly. */
#define CELL_OVERHEAD 6
#define ROW_OVERHEAD  8

#define ALL_ROLES                                                             \
	(RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_COUNCIL               \
	 | RPC_ROLE_EVALUATOR | RPC_ROLE_ADMIN)
/* Personal data (students', teachers') and raw cells below min_n. */
#define OWN_DATA (RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_ADMIN)

enum {
	K_SCOPED   = 1 << 0, /* has schools: --school/--district and scope */
	K_DATED    = 1 << 1, /* --from/--to apply */
	K_CODE_REQ = 1 << 2, /* needs its survey or rubric */
	K_CODE_OPT = 1 << 3, /* may be narrowed to a survey/rubric/measure */
	K_DISTRICT = 1 << 4, /* district filter only (activity-level) */
};

typedef struct kind_info {
	const char       *name;
	store_export_kind kind;
	int               roles;
	unsigned          flags;
	const char       *code; /* what code names */
	const char       *why; /* said to a role that may not */
} kind_info;

static const kind_info KINDS[] = {
	{ "districts", STORE_EXPORT_DISTRICTS, ALL_ROLES, K_SCOPED, NULL,
	  NULL },
	{ "schools", STORE_EXPORT_SCHOOLS, ALL_ROLES, K_SCOPED, NULL, NULL },
	{ "educators", STORE_EXPORT_EDUCATORS, OWN_DATA, K_SCOPED, NULL,
	  "educators are personnel data" },
	{ "survey", STORE_EXPORT_SURVEY, ALL_ROLES, K_CODE_REQ, "survey",
	  NULL },
	{ "rubric", STORE_EXPORT_RUBRIC, ALL_ROLES, K_CODE_REQ, "rubric",
	  NULL },
	{ "measures", STORE_EXPORT_MEASURES, ALL_ROLES, 0, NULL, NULL },
	{ "activities", STORE_EXPORT_ACTIVITIES, ALL_ROLES, K_SCOPED, NULL,
	  NULL },
	{ "price-index", STORE_EXPORT_PRICE_INDEX, ALL_ROLES, 0, NULL, NULL },
	{ "surveys", STORE_EXPORT_SURVEYS, OWN_DATA,
	  K_SCOPED | K_DATED | K_CODE_REQ, "survey",
	  "survey responses are student data" },
	{ "feedback", STORE_EXPORT_FEEDBACK, OWN_DATA,
	  K_SCOPED | K_DATED | K_CODE_OPT, "rubric",
	  "teachers' rubric scores are personnel data" },
	{ "annotations", STORE_EXPORT_ANNOTATIONS, OWN_DATA,
	  K_SCOPED | K_DATED | K_CODE_OPT, "rubric",
	  "observation notes are personnel data" },
	{ "outcomes", STORE_EXPORT_OUTCOMES, OWN_DATA,
	  K_SCOPED | K_DATED | K_CODE_OPT, "measure",
	  "raw outcome cells bypass small-cell suppression; analyses give "
	  "them suppressed" },
	{ "costs", STORE_EXPORT_COSTS,
	  RPC_ROLE_COUNCIL | RPC_ROLE_EVALUATOR | RPC_ROLE_ADMIN,
	  K_DISTRICT | K_DATED, NULL,
	  "costs are activity-level data of the evaluators" },
	{ "participation", STORE_EXPORT_PARTICIPATION, OWN_DATA,
	  K_SCOPED | K_DATED, NULL,
	  "educators' participation hours are personnel data" },
	{ "administrations", STORE_EXPORT_ADMINISTRATIONS, ALL_ROLES,
	  K_SCOPED | K_DATED | K_CODE_OPT, "survey", NULL },
	{ "pdsa", STORE_EXPORT_PDSA, ALL_ROLES,
	  K_SCOPED | K_DATED | K_CODE_OPT, "measure", NULL },
};

static const char *
role_name(int role)
{
	switch (role) {
	case RPC_ROLE_SCHOOL:
		return "school";
	case RPC_ROLE_DISTRICT:
		return "district";
	case RPC_ROLE_COUNCIL:
		return "council";
	case RPC_ROLE_EVALUATOR:
		return "evaluator";
	default:
		return "admin";
	}
}

static const kind_info *
find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++) {
		if (strcmp(KINDS[i].name, name) == 0) {
			return &KINDS[i];
		}
	}
	return NULL;
}

static int
bad(rpc_call *call, const char *field, const char *rule, const char *msg)
{
	rpc_detail(call, -1, field, rule, "%s", msg);
	return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
	                "the export request's %s breaks a rule", field);
}

/* check_filters refuses filters the kind has no use for, and malformed
 * ones, naming the field. */
static int
check_filters(rpc_call *call, const kind_info *k,
              const Tandem__V1__ExportRequest *in)
{
	char msg[256];
	if ((in->school[0] || in->district[0])
	    && (k->flags & (K_SCOPED | K_DISTRICT)) == 0) {
		snprintf(msg, sizeof(msg),
		         "%s are the network's: they take no school or "
		         "district",
		         k->name);
		return bad(call, in->school[0] ? "school" : "district",
		           "not_applicable", msg);
	}
	if (in->school[0] && (k->flags & K_SCOPED) == 0) {
		snprintf(msg, sizeof(msg),
		         "%s belong to activities, not schools: name a "
		         "district or none",
		         k->name);
		return bad(call, "school", "not_applicable", msg);
	}
	if (in->school[0] && in->district[0]) {
		return bad(call, "school", "exclusive",
		           "name a school or a district, not both");
	}
	if ((in->from[0] || in->to[0]) && (k->flags & K_DATED) == 0) {
		snprintf(msg, sizeof(msg),
		         "%s have no dates: --from and --to "
		         "do not apply",
		         k->name);
		return bad(call, in->from[0] ? "from" : "to", "not_applicable",
		           msg);
	}
	const char *dates[] = { in->from, in->to };
	for (int i = 0; i < 2; i++) {
		if (dates[i][0] && !common_date_parse(dates[i], NULL)) {
			snprintf(msg, sizeof(msg),
			         "%s '%.40s' is not a date YYYY-MM-DD in "
			         "1900..2200",
			         i ? "to" : "from", dates[i]);
			return bad(call, i ? "to" : "from", "date", msg);
		}
	}
	if (in->from[0] && in->to[0] && strcmp(in->from, in->to) > 0) {
		return bad(call, "to", "order", "to is before from");
	}
	if ((k->flags & K_CODE_REQ) && in->code[0] == '\0') {
		snprintf(msg, sizeof(msg), "%s needs the %s's code", k->name,
		         k->code);
		return bad(call, "code", "required", msg);
	}
	if (in->code[0] && (k->flags & (K_CODE_REQ | K_CODE_OPT)) == 0) {
		snprintf(msg, sizeof(msg),
		         "%s take no survey, rubric or "
		         "measure code",
		         k->name);
		return bad(call, "code", "not_applicable", msg);
	}
	if (in->page_size < 0 || in->page_size > PAGE_MAX) {
		snprintf(msg, sizeof(msg), "page_size %d is outside 0..%d",
		         in->page_size, PAGE_MAX);
		return bad(call, "page_size", "range", msg);
	}
	if (in->cursor.len > EXPORT_CURSOR_MAX) {
		snprintf(msg, sizeof(msg),
		         "cursor of %zu bytes exceeds the %d-byte limit",
		         in->cursor.len, EXPORT_CURSOR_MAX);
		return bad(call, "cursor", "length", msg);
	}
	return TD_CODE_OK;
}

/* scope narrows the request to what the caller may read: a school client
 * its school, a district client its district (and a school of it).
 * Asking for more is PERMISSION_DENIED; another district's school is
 * refused with the same words as an unknown one. */
static int
scope(rpc_call *call, const kind_info *k, const Tandem__V1__ExportRequest *in,
      const char **school, const char **district)
{
	const rpc_principal *w = &call->who;
	*school                = in->school[0] ? in->school : NULL;
	*district              = in->district[0] ? in->district : NULL;
	if ((k->flags & K_SCOPED) == 0
	    || (w->role != RPC_ROLE_SCHOOL && w->role != RPC_ROLE_DISTRICT)) {
		return TD_CODE_OK;
	}
	if (w->role == RPC_ROLE_SCHOOL) {
		if ((*school && strcmp(*school, w->school) != 0)
		    || (*district && strcmp(*district, w->district) != 0)) {
			return rpc_fail(
			    call, TD_CODE_PERMISSION_DENIED,
			    "client %s may export only school %s's "
			    "%s",
			    w->client_id, w->school, k->name);
		}
		*school   = w->school;
		*district = w->district;
		return TD_CODE_OK;
	}
	if (*district && strcmp(*district, w->district) != 0) {
		return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
		                "client %s may export only district %s's %s",
		                w->client_id, w->district, k->name);
	}
	if (*school) {
		store_resolved sr  = { 0 };
		const char    *c[] = { *school };
		int rv = store_resolve(call->store, STORE_SCHOOLS, c, 1, &sr);
		if (rv != TD_OK) {
			return rpc_fail_err(call, rv,
			                    store_errmsg(call->store));
		}
		bool ours = sr.ids[0] != 0 && sr.aux && sr.aux[0]
		    && strcmp(sr.aux[0], w->district) == 0;
		store_resolved_free(&sr);
		if (!ours) {
			return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
			                "client %s may export only district "
			                "%s's schools; %s is not one of them",
			                w->client_id, w->district, *school);
		}
	}
	*district = w->district;
	return TD_CODE_OK;
}

/* fingerprint: what a cursor is bound to (NUL-separated). */
static char *
fingerprint(rpc_call *call, const kind_info *k, const char *school,
            const char *district, const Tandem__V1__ExportRequest *in,
            size_t *len)
{
	const char *parts[] = { call->who.client_id,
		                role_name(call->who.role),
		                k->name,
		                school ? school : "",
		                district ? district : "",
		                in->from,
		                in->to,
		                in->code };
	size_t      n       = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		n += strlen(parts[i]) + 1;
	}
	char *fp = rpc_arena_alloc(call->arena, n);
	if (fp == NULL) {
		return NULL;
	}
	size_t p = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t l = strlen(parts[i]);
		memcpy(fp + p, parts[i], l + 1);
		p += l + 1;
	}
	*len = n;
	return fp;
}

static const char *
type_name(char t)
{
	switch (t) {
	case 'i':
		return "integer";
	case 'n':
		return "number";
	case 'b':
		return "boolean";
	case 'd':
		return "date";
	default:
		return "text";
	}
}

/* page_msg builds the reply from the store's rows, stopping at the byte
 * budget; *taken says how many rows went in. */
static Tandem__V1__ExportPage *
page_msg(rpc_call *call, const store_export_table *t, size_t budget,
         size_t *taken)
{
	rpc_arena              *a   = call->arena;
	Tandem__V1__ExportPage *out = RPC_NEW(a, Tandem__V1__ExportPage,
	                                      tandem__v1__export_page__init);
	if (out == NULL
	    || (out->columns = rpc_arena_alloc(a, t->ncols * sizeof(void *)))
	        == NULL
	    || (out->rows = rpc_arena_alloc(
	            a, (t->nrows ? t->nrows : 1) * sizeof(void *)))
	        == NULL) {
		return NULL;
	}
	for (size_t j = 0; j < t->ncols; j++) {
		Tandem__V1__ExportColumn *c
		    = RPC_NEW(a, Tandem__V1__ExportColumn,
		              tandem__v1__export_column__init);
		if (c == NULL) {
			return NULL;
		}
		c->name = rpc_arena_strdup(a, t->cols[j]);
		c->type = (char *) type_name(t->types[j]);
		out->columns[out->n_columns++] = c;
	}
	size_t bytes = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		char *const *cells = t->cells + i * t->ncols;
		size_t       rb    = ROW_OVERHEAD;
		for (size_t j = 0; j < t->ncols; j++) {
			rb += CELL_OVERHEAD
			    + (cells[j] ? strlen(cells[j]) : 0);
		}
		/* at least one row a page, so an export always moves on */
		if (i > 0 && bytes + rb > budget) {
			break;
		}
		bytes += rb;
		Tandem__V1__ExportRow *r = RPC_NEW(
		    a, Tandem__V1__ExportRow, tandem__v1__export_row__init);
		if (r == NULL
		    || (r->cells
		        = rpc_arena_alloc(a, t->ncols * sizeof(char *)))
		        == NULL
		    || (r->nulls
		        = rpc_arena_alloc(a, t->ncols * sizeof(uint32_t)))
		        == NULL) {
			return NULL;
		}
		for (size_t j = 0; j < t->ncols; j++) {
			if (cells[j] == NULL) {
				r->nulls[r->n_nulls++] = (uint32_t) j;
				r->cells[j]            = "";
			} else if ((r->cells[j]
			            = rpc_arena_strdup(a, cells[j]))
			           == NULL) {
				return NULL;
			}
		}
		r->n_cells               = t->ncols;
		out->rows[out->n_rows++] = r;
	}
	*taken = out->n_rows;
	return out;
}

int
export_page(rpc_call *call, const ProtobufCMessage *req,
            ProtobufCMessage **resp)
{
	const Tandem__V1__ExportRequest *in = (const void *) req;
	const kind_info                 *k  = find_kind(in->kind);
	const char                      *school, *district;
	int                              code;
	if (k == NULL) {
		return bad(
		    call, "kind", "enum",
		    "kind is not one of districts, schools, educators, "
		    "survey, rubric, measures, activities, price-index, "
		    "surveys, feedback, annotations, outcomes, costs, "
		    "participation, administrations, pdsa");
	}
	if ((k->roles & call->who.role) == 0) {
		return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
		                "role %s may not export %s: %s",
		                role_name(call->who.role), k->name, k->why);
	}
	if ((code = check_filters(call, k, in)) != TD_CODE_OK) {
		return code;
	}
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	if ((code = scope(call, k, in, &school, &district)) != TD_CODE_OK) {
		return code;
	}
	size_t      fplen;
	const char *fp    = fingerprint(call, k, school, district, in, &fplen);
	size_t      nkeys = store_export_nkeys(k->kind);
	char **after = rpc_arena_alloc(call->arena, nkeys * sizeof(char *));
	if (fp == NULL || after == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	if (in->cursor.len > 0
	    && !export_cursor_read(call->cfg, fp, fplen, in->cursor.data,
	                           in->cursor.len, nkeys, call->arena,
	                           after)) {
		return bad(call, "cursor", "invalid",
		           "the cursor was not made by this network for this "
		           "client, kind and filters (or was altered); start "
		           "again without one");
	}
	store_export_query q = {
		.kind     = k->kind,
		.school   = school,
		.district = district,
		.from     = in->from[0] ? in->from : NULL,
		.to       = in->to[0] ? in->to : NULL,
		.code     = in->code[0] ? in->code : NULL,
		.after    = (const char *const *) after,
		.n_after  = in->cursor.len > 0 ? nkeys : 0,
		.limit    = in->page_size ? in->page_size : PAGE_DEFAULT,
	};
	store_export_table t;
	if ((rv = store_export_page(call->store, &q, &t)) != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	size_t budget = STORE_EXPORT_PAGE_BYTES;
	if (call->cfg->max_message / 2 < budget) {
		budget = call->cfg->max_message / 2;
	}
	size_t                  taken = 0;
	Tandem__V1__ExportPage *out   = page_msg(call, &t, budget, &taken);
	bool more = out != NULL && (taken < t.nrows || t.more);
	if (out != NULL && more
	    && !export_cursor_make(
	        call->cfg, fp, fplen,
	        (const char *const *) t.keys + (taken - 1) * nkeys, nkeys,
	        call->arena, &out->next_cursor.data, &out->next_cursor.len)) {
		out = NULL;
	}
	store_export_table_free(&t);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	call->records = (int64_t) taken;
	snprintf(call->audit_note, sizeof(call->audit_note),
	         "export %s%s%s%s%s%s%s%s%s%s%s page=%s rows=%zu", k->name,
	         school ? " school=" : "", school ? school : "",
	         district ? " district=" : "", district ? district : "",
	         in->from[0] ? " from=" : "", in->from,
	         in->to[0] ? " to=" : "", in->to, in->code[0] ? " code=" : "",
	         in->code, in->cursor.len ? "next" : "first", taken);
	*resp = &out->base;
	return TD_CODE_OK;
}
