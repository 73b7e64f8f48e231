/* SPDX-License-Identifier: MIT
 * Review: ODK-style review states on submissions, and DHIS2-style approval
 * of a measure's months, level by level (school -> district -> network):
 * a level approves its own data, the level above accepts it, and an
 * approved month is locked for the schools it covers until unapproved.
 * Every call lands in the audit log (rpc); every approval transition also
 * in approval_log with who and when, and goes out as approval.changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "common.h"
#include "config.h"
#include "events.h"
#include "review.h"
#include "services.h"
#include "store/store_registry.h"
#include "store/store_review.h"
#include "tandem/v1/events.pb-c.h"
#include "tandem/v1/review.pb-c.h"
#include "validate.h"

#define LIST_DEFAULT 100
#define LIST_MAX     10000

static const char *const REVIEW_STATES[]
    = { "received", "has_issues", "rejected", "approved", NULL };

static bool
one_of(const char *s, const char *const *set)
{
	for (size_t i = 0; set[i] != NULL; i++) {
		if (strcmp(s, set[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int
db_fail(rpc_call *call, int rv)
{
	return rpc_fail_err(call, rv, store_errmsg(call->store));
}

static Tandem__V1__Submission *
submission_msg(rpc_call *call, const store_submission *s)
{
	Tandem__V1__Submission *m = RPC_NEW(
	    call->arena, Tandem__V1__Submission, tandem__v1__submission__init);
	if (m == NULL) {
		return NULL;
	}
	rpc_arena *a    = call->arena;
	m->id           = rpc_arena_strdup(a, s->id);
	m->method       = rpc_arena_strdup(a, s->method);
	m->records      = s->records;
	m->client_id    = rpc_arena_strdup(a, s->client_id);
	m->received_at  = rpc_arena_strdup(a, s->received_at);
	m->review_state = rpc_arena_strdup(a, s->state);
	m->comment      = rpc_arena_strdup(a, s->comment);
	m->reviewed_by  = rpc_arena_strdup(a, s->reviewed_by);
	m->reviewed_at  = rpc_arena_strdup(a, s->reviewed_at);
	return m;
}

/* may_review: a school client reviews what its school's clients sent, a
 * district client what its district's sent; council and admin all. */
static bool
may_review(const rpc_call *call, const store_submission *s)
{
	switch (call->who.role) {
	case RPC_ROLE_SCHOOL:
		return strcmp(s->client_school, call->who.school) == 0;
	case RPC_ROLE_DISTRICT:
		return strcmp(s->client_district, call->who.district) == 0;
	default:
		return true;
	}
}

int
review_submission(rpc_call *call, const ProtobufCMessage *req,
                  ProtobufCMessage **resp)
{
	const Tandem__V1__ReviewSubmissionRequest *in = (const void *) req;
	store_submission                           s;
	int                                        rv;
	if (!one_of(in->state, REVIEW_STATES)) {
		rpc_detail(call, -1, "state", "enum",
		           "state '%s' is not one of received, has_issues, "
		           "rejected, approved",
		           in->state);
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "bad review state");
	}
	if ((rv = store_begin_request(call->store, rpc_remaining_ms(call)))
	        != TD_OK
	    || (rv = store_submission_get(call->store, in->submission_id, &s))
	        != TD_OK) {
		return db_fail(call, rv);
	}
	if (!may_review(call, &s)) {
		return rpc_fail(
		    call, TD_CODE_PERMISSION_DENIED,
		    "client %s may review only its own %s's "
		    "submissions",
		    call->who.client_id,
		    call->who.role == RPC_ROLE_SCHOOL ? "school" : "district");
	}
	if ((rv = store_submission_review(call->store, in->submission_id,
	                                  in->state, in->comment,
	                                  call->who.client_id))
	        != TD_OK
	    || (rv = store_submission_get(call->store, in->submission_id, &s))
	        != TD_OK) {
		return db_fail(call, rv);
	}
	Tandem__V1__ReviewSubmissionResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ReviewSubmissionResponse,
	              tandem__v1__review_submission_response__init);
	if (out == NULL
	    || (out->submission = submission_msg(call, &s)) == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	call->records = 1;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
review_list_submissions(rpc_call *call, const ProtobufCMessage *req,
                        ProtobufCMessage **resp)
{
	const Tandem__V1__ListSubmissionsRequest *in = (const void *) req;
	store_submission                         *rows;
	size_t                                    n;
	int                                       rv;
	if (in->state[0] != '\0' && !one_of(in->state, REVIEW_STATES)) {
		return rpc_fail(
		    call, TD_CODE_INVALID_ARGUMENT,
		    "state '%s' is not one of received, has_issues, "
		    "rejected, approved",
		    in->state);
	}
	if (in->limit < 0 || in->limit > LIST_MAX) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "limit %d is outside 0..%d", in->limit,
		                LIST_MAX);
	}
	const char *school
	    = call->who.role == RPC_ROLE_SCHOOL ? call->who.school : "";
	const char *district
	    = call->who.role == RPC_ROLE_DISTRICT ? call->who.district : "";
	if ((rv = store_begin_request(call->store, rpc_remaining_ms(call)))
	        != TD_OK
	    || (rv = store_submissions_list(
	            call->store, in->state, school, district,
	            in->limit ? in->limit : LIST_DEFAULT, &rows, &n))
	        != TD_OK) {
		return db_fail(call, rv);
	}
	Tandem__V1__ListSubmissionsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListSubmissionsResponse,
	              tandem__v1__list_submissions_response__init);
	if (out != NULL) {
		out->submissions = rpc_arena_alloc(
		    call->arena, (n ? n : 1) * sizeof(void *));
	}
	for (size_t i = 0; out && out->submissions && i < n; i++) {
		if ((out->submissions[i] = submission_msg(call, &rows[i]))
		    == NULL) {
			out = NULL;
			break;
		}
		out->n_submissions++;
	}
	free(rows);
	if (out == NULL || out->submissions == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}

/* ---- approvals ---- */

static Tandem__V1__Approval *
approval_msg(rpc_call *call, const store_approval *a)
{
	Tandem__V1__Approval *m = RPC_NEW(call->arena, Tandem__V1__Approval,
	                                  tandem__v1__approval__init);
	if (m == NULL) {
		return NULL;
	}
	rpc_arena *ar  = call->arena;
	m->measure     = rpc_arena_strdup(ar, a->measure);
	m->period      = rpc_arena_strdup(ar, a->period);
	m->level       = rpc_arena_strdup(ar, a->level);
	m->unit        = rpc_arena_strdup(ar, a->unit);
	m->approved_by = rpc_arena_strdup(ar, a->approved_by);
	m->approved_at = rpc_arena_strdup(ar, a->approved_at);
	m->accepted_by = rpc_arena_strdup(ar, a->accepted_by);
	m->accepted_at = rpc_arena_strdup(ar, a->accepted_at);
	m->survey      = rpc_arena_strdup(ar, a->survey);
	m->window_from = rpc_arena_strdup(ar, a->window_from);
	m->window_to   = rpc_arena_strdup(ar, a->window_to);
	return m;
}

/* month_start turns YYYY-MM or a date into YYYY-MM-01 (11 bytes). */
static bool
month_start(const char *p, char *out)
{
	size_t len = strlen(p);
	if (len != 7 && len != 10) {
		return false;
	}
	snprintf(out, 11, "%.7s-01", p);
	return common_date_parse(out, NULL)
	    && (len == 7 || common_date_parse(p, NULL));
}

/* scope_ok: may the caller take action at this level on this unit? */
static bool
scope_ok(const rpc_call *call, const char *action, const char *level,
         const char *unit, const char *unit_district)
{
	const rpc_principal *w       = &call->who;
	bool                 admin   = w->role == RPC_ROLE_ADMIN;
	bool                 council = w->role == RPC_ROLE_COUNCIL;
	bool                 approve = strcmp(action, "approve") == 0;
	bool                 accept  = strcmp(action, "accept") == 0;
	if (admin) {
		return true;
	}
	if (strcmp(level, "school") == 0) {
		bool own = w->role == RPC_ROLE_SCHOOL
		    && strcmp(w->school, unit) == 0;
		bool dist = w->role == RPC_ROLE_DISTRICT
		    && strcmp(w->district, unit_district) == 0;
		return accept ? dist : own || dist;
	}
	if (strcmp(level, "district") == 0) {
		bool own = w->role == RPC_ROLE_DISTRICT
		    && strcmp(w->district, unit) == 0;
		return approve ? own : accept ? council : own || council;
	}
	return council;
}

/* What an approval is of: a measure's month or a survey's administration
 * window, with the words that name it in every message. */
typedef struct subject {
	bool               window;
	store_approval_key k; /* a measure's month */
	store_window_key   w; /* a survey's window */
	const char        *level, *unit;
	const char        *label; /* "attendance 2024-03", "survey climate
	                              window 2024-10-01..2024-10-31" */
	const char *period; /* YYYY-MM, "" for a window */
} subject;

/* The longest window: an academic year, with a leap day. */
#define REVIEW_WINDOW_MAX_DAYS 366

/* subject_of reads the request; false with the status set when it is not
 * one whole subject. */
static bool
subject_of(rpc_call *call, const Tandem__V1__ApprovalRequest *in, subject *sj)
{
	memset(sj, 0, sizeof(*sj));
	if (in->school[0] != '\0' && in->district[0] != '\0') {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "name a school or a district (or neither, for "
		         "the network), not both");
		return false;
	}
	sj->level = in->school[0] ? "school"
	    : in->district[0]     ? "district"
	                          : "network";
	sj->unit  = in->school[0] ? in->school : in->district;
	if (in->survey[0] != '\0') {
		int32_t d0 = 0, d1 = 0;
		if (in->measure[0] != '\0' || in->period[0] != '\0'
		    || !common_date_parse(in->window_from, &d0)
		    || !common_date_parse(in->window_to, &d1) || d1 < d0
		    || d1 - d0 > REVIEW_WINDOW_MAX_DAYS) {
			rpc_fail(
			    call, TD_CODE_INVALID_ARGUMENT,
			    "a survey's window is its first and last day "
			    "(YYYY-MM-DD, at most %d days apart), without "
			    "a measure or period",
			    REVIEW_WINDOW_MAX_DAYS);
			return false;
		}
		sj->window = true;
		sj->w      = (store_window_key) { in->survey, in->window_from,
			                          in->window_to, sj->level,
			                          sj->unit };
		sj->label  = rpc_arena_printf(
		     call->arena, "survey %s window %s..%s", in->survey,
		     in->window_from, in->window_to);
		sj->period = "";
		return sj->label != NULL;
	}
	char *start = rpc_arena_alloc(call->arena, 11);
	if (start == NULL || in->measure[0] == '\0'
	    || !month_start(in->period, start)) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "name a measure and a period YYYY-MM (or a survey "
		         "and its window)");
		return false;
	}
	sj->k
	    = (store_approval_key) { in->measure, start, sj->level, sj->unit };
	sj->period = rpc_arena_printf(call->arena, "%.7s", start);
	sj->label
	    = rpc_arena_printf(call->arena, "%s %s", in->measure, sj->period);
	return sj->period != NULL && sj->label != NULL;
}

static int
subject_get(rpc_call *call, const subject *sj, store_approval *a, bool *exists)
{
	return sj->window ? store_window_get(call->store, &sj->w, a, exists)
	                  : store_approval_get(call->store, &sj->k, a, exists);
}

static void
approval_event(rpc_call *call, const subject *sj, const char *action)
{
	if (call->publish == NULL) {
		return;
	}
	Tandem__V1__Event *ev
	    = RPC_NEW(call->arena, Tandem__V1__Event, tandem__v1__event__init);
	Tandem__V1__ApprovalChanged *ac
	    = RPC_NEW(call->arena, Tandem__V1__ApprovalChanged,
	              tandem__v1__approval_changed__init);
	if (ev == NULL || ac == NULL) {
		return;
	}
	if (sj->window) {
		ac->survey      = (char *) sj->w.survey;
		ac->window_from = (char *) sj->w.from;
		ac->window_to   = (char *) sj->w.to;
	} else {
		ac->measure = (char *) sj->k.measure;
		ac->period  = (char *) sj->period;
	}
	ac->level            = (char *) sj->level;
	ac->unit             = (char *) sj->unit;
	ac->action           = (char *) action;
	ev->approval_changed = ac;
	events_send(call, EVENTS_APPROVAL_CHANGED, ev);
}

/* approval_precondition: the state the action changes from, and for a
 * district's approval its schools' accepted approvals. */
static int
approval_precondition(rpc_call *call, const subject *sj,
                      const store_approval *a, bool exists, const char *action)
{
	int rv;
	if (strcmp(action, "approve") == 0) {
		if (exists) {
			return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
			                "%s is already approved at the %s "
			                "level by %s at %s",
			                sj->label, sj->level, a->approved_by,
			                a->approved_at);
		}
		if (strcmp(sj->level, "district") == 0) {
			int64_t pending;
			char    first[72];
			rv = sj->window
			    ? store_window_pending(call->store, &sj->w,
			                           &pending, first,
			                           sizeof(first))
			    : store_approval_pending(call->store, &sj->k,
			                             &pending, first,
			                             sizeof(first));
			if (rv != TD_OK) {
				return db_fail(call, rv);
			}
			if (pending > 0) {
				return rpc_fail(
				    call, TD_CODE_FAILED_PRECONDITION,
				    "%lld school(s) of district %s with data "
				    "for %s have no accepted approval yet "
				    "(first: %s); approve and accept them "
				    "first",
				    (long long) pending, sj->unit, sj->label,
				    first);
			}
		}
	} else if (!exists) {
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "%s is not approved at the %s level%s%s",
		                sj->label, sj->level,
		                sj->unit[0] ? " for " : "", sj->unit);
	} else if (strcmp(action, "accept") == 0 && a->accepted_at[0]) {
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "%s at the %s level was already accepted "
		                "by %s at %s",
		                sj->label, sj->level, a->accepted_by,
		                a->accepted_at);
	} else if (strcmp(action, "unapprove") == 0 && a->accepted_at[0]
	           && call->who.role != RPC_ROLE_ADMIN
	           && ((strcmp(sj->level, "school") == 0
	                && call->who.role == RPC_ROLE_SCHOOL)
	               || (strcmp(sj->level, "district") == 0
	                   && call->who.role == RPC_ROLE_DISTRICT))) {
		return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
		                "%s was accepted by %s at %s: only the "
		                "level above may unapprove it now",
		                sj->label, a->accepted_by, a->accepted_at);
	}
	return TD_CODE_OK;
}

static int
approval(rpc_call *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
         const char *action)
{
	const Tandem__V1__ApprovalRequest *in = (const void *) req;
	store_approval                     a;
	bool                               exists;
	int                                rv;
	subject                            sj;
	if (!subject_of(call, in, &sj)) {
		return call->code;
	}
	if (strcmp(action, "accept") == 0
	    && strcmp(sj.level, "network") == 0) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "the network level has no level above it to "
		                "accept its approval");
	}
	if ((rv = store_begin_request(call->store, rpc_remaining_ms(call)))
	        != TD_OK
	    || (rv = subject_get(call, &sj, &a, &exists)) != TD_OK) {
		return db_fail(call, rv);
	}
	const char *unit_district = "";
	if (strcmp(sj.level, "school") == 0) {
		store_resolved sr  = { 0 };
		const char    *c[] = { sj.unit };
		if ((rv = store_resolve(call->store, STORE_SCHOOLS, c, 1, &sr))
		    != TD_OK) {
			return db_fail(call, rv);
		}
		unit_district = rpc_arena_strdup(
		    call->arena, sr.aux && sr.aux[0] ? sr.aux[0] : "");
		store_resolved_free(&sr);
	}
	if (!scope_ok(call, action, sj.level, sj.unit, unit_district)) {
		return rpc_fail(
		    call, TD_CODE_PERMISSION_DENIED,
		    "client %s (%s) may not %s at the %s level%s%s",
		    call->who.client_id,
		    call->who.role == RPC_ROLE_SCHOOL         ? "school"
		        : call->who.role == RPC_ROLE_DISTRICT ? "district"
		        : call->who.role == RPC_ROLE_COUNCIL  ? "council"
		                                              : "evaluator",
		    action, sj.level, sj.unit[0] ? " for " : "", sj.unit);
	}
	if (approval_precondition(call, &sj, &a, exists, action)
	    != TD_CODE_OK) {
		return call->code;
	}
	rv = sj.window ? store_window_change(call->store, &sj.w, action,
	                                     call->who.client_id)
	               : store_approval_change(call->store, &sj.k, action,
	                                       call->who.client_id);
	if (rv != TD_OK) {
		return db_fail(call, rv);
	}
	if (strcmp(action, "unapprove") != 0
	    && (rv = subject_get(call, &sj, &a, &exists)) != TD_OK) {
		return db_fail(call, rv);
	}
	approval_event(call, &sj, action);
	Tandem__V1__ApprovalResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ApprovalResponse,
	              tandem__v1__approval_response__init);
	if (out == NULL || (out->approval = approval_msg(call, &a)) == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	call->records = 1;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
review_approve(rpc_call *call, const ProtobufCMessage *req,
               ProtobufCMessage **resp)
{
	return approval(call, req, resp, "approve");
}

int
review_accept(rpc_call *call, const ProtobufCMessage *req,
              ProtobufCMessage **resp)
{
	return approval(call, req, resp, "accept");
}

int
review_unapprove(rpc_call *call, const ProtobufCMessage *req,
                 ProtobufCMessage **resp)
{
	return approval(call, req, resp, "unapprove");
}

int
review_list_approvals(rpc_call *call, const ProtobufCMessage *req,
                      ProtobufCMessage **resp)
{
	const Tandem__V1__ListApprovalsRequest *in   = (const void *) req;
	store_approval                         *rows = NULL;
	size_t                                  n    = 0;
	int                                     rv;
	if ((rv = store_begin_request(call->store, rpc_remaining_ms(call)))
	        != TD_OK
	    || (rv = store_approvals_list(call->store, in->measure, &rows, &n))
	        != TD_OK
	    || (in->measure[0] == '\0'
	        && (rv
	            = store_windows_list(call->store, in->survey, &rows, &n))
	            != TD_OK)) {
		free(rows);
		return db_fail(call, rv);
	}
	Tandem__V1__ListApprovalsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListApprovalsResponse,
	              tandem__v1__list_approvals_response__init);
	if (out != NULL) {
		out->approvals = rpc_arena_alloc(call->arena,
		                                 (n ? n : 1) * sizeof(void *));
	}
	for (size_t i = 0; out && out->approvals && i < n; i++) {
		if ((out->approvals[i] = approval_msg(call, &rows[i]))
		    == NULL) {
			out = NULL;
			break;
		}
		out->n_approvals++;
	}
	free(rows);
	if (out == NULL || out->approvals == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
review_outcome_locks(rpc_call *call, size_t n, const int64_t *measure_ids,
                     const int64_t *school_ids, const char *const *starts)
{
	store_lock *locks;
	size_t      nl;
	int rv = store_outcome_locks(call->store, n, measure_ids, school_ids,
	                             starts, &locks, &nl);
	if (rv != TD_OK) {
		return db_fail(call, rv);
	}
	for (size_t i = 0; i < nl; i++) {
		rpc_detail(call, locks[i].index, "period_start", "locked",
		           "%s: the period is locked; unapprove it before "
		           "sending data or corrections for it",
		           locks[i].what);
	}
	free(locks);
	if (nl == 0) {
		return TD_CODE_OK;
	}
	return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
	                "%zu%s record(s) fall in approved, locked periods; "
	                "nothing was stored",
	                nl, nl == 100 ? " or more" : "");
}

int
review_survey_locks(rpc_call *call, const char *survey, size_t n,
                    const int64_t *school_ids, const char *const *dates)
{
	store_lock *locks;
	size_t      nl;
	int rv = store_survey_locks(call->store, survey, n, school_ids, dates,
	                            &locks, &nl);
	if (rv != TD_OK) {
		return db_fail(call, rv);
	}
	for (size_t i = 0; i < nl; i++) {
		rpc_detail(call, locks[i].index, "administered_on", "locked",
		           "%s: the window is locked; unapprove it before "
		           "sending responses or corrections for it",
		           locks[i].what);
	}
	free(locks);
	if (nl == 0) {
		return TD_CODE_OK;
	}
	return rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
	                "%zu%s response(s) fall in approved, locked survey "
	                "windows; nothing was stored",
	                nl, nl == 100 ? " or more" : "");
}
