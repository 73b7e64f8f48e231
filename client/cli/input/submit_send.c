/* SPDX-License-Identifier: MIT
 * tandem submit, sending: batches cut by count and bytes, ids derived from
 * the file's bytes (so a retried or repeated upload never stores one
 * twice), two batches in flight, progress and where a failure stopped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "submit.h"

/* ---- batches ---- */

/* batch_end: where the batch starting at lo ends. It holds at most
 * batch_size records and MAX_BATCH_BYTES of CSV, and one rubric. A batch
 * of a kind sent grouped by school that fills up ends instead after the
 * last school it holds whole, when that leaves out at most an eighth of
 * it: two batches then share no school's rollup rows, so an outcome load
 * inserts every school's rows as new rows (store_rollup.c) instead of
 * upserting them (a batch of 20,000 outcomes split 2 schools in 3 at
 * 60 months each). */
static size_t
batch_end(const source *s, size_t lo, const opts *o, const kind *k)
{
	size_t hi = lo, bytes = 0;
	while (hi < s->n && hi - lo < (size_t) o->batch_size) {
		size_t len;
		(void) submit_src_raw(s, hi, &len);
		if (hi > lo
		    && (bytes + len > MAX_BATCH_BYTES
		        || (s->codes[lo] && s->codes[hi]
		            && strcmp(s->codes[lo], s->codes[hi]) != 0))) {
			break;
		}
		bytes += len;
		hi++;
	}
	if (k->school == NULL || hi >= s->n
	    || hi - lo < (size_t) o->batch_size) {
		return hi;
	}
	size_t floor = hi - (size_t) o->batch_size / 8;
	for (size_t cut = hi; cut > floor && cut > lo + 1; cut--) {
		if (strcmp(k->school(s->recs[cut - 1]),
		           k->school(s->recs[cut]))
		    != 0) {
			return cut;
		}
	}
	return hi;
}

/* batch_id: hex SHA-256, cut to 32 digits, of the method, the survey or
 * rubric code, the file's header line and the batch's records exactly as
 * they are in the file, and the flags: the same command on the same file
 * gives the same ids, and the server stores nothing twice. */
static int
batch_id(const kind *k, const source *s, const char *code, size_t lo,
         size_t hi, const opts *o, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;
	EVP_MD_CTX   *ctx   = EVP_MD_CTX_new();
	size_t        len;
	const char   *raw;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
	    && EVP_DigestUpdate(ctx, k->method->path,
	                        strlen(k->method->path) + 1)
	    && EVP_DigestUpdate(ctx, code, strlen(code) + 1);
	raw = csvread_header_raw(s->t, &len);
	ok  = ok && EVP_DigestUpdate(ctx, raw, len);
	for (size_t i = lo; ok && i < hi; i++) {
		raw = submit_src_raw(s, i, &len);
		ok  = EVP_DigestUpdate(ctx, raw, len);
	}
	unsigned char flags[2]
	    = { o->dry_run ? '1' : '0', o->correction ? '1' : '0' };
	ok = ok && EVP_DigestUpdate(ctx, flags, 2)
	    && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	for (size_t i = 0; ok && i < 16; i++) {
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
	return ok ? 0 : TD_EINTERNAL;
}

static size_t
count_batches(const source *s, const opts *o, const kind *k)
{
	size_t n = 0;
	for (size_t lo = 0; lo < s->n; lo = batch_end(s, lo, o, k)) {
		n++;
	}
	return n;
}

static void
progress(cli *c, const char *kindname, const source *s, size_t done)
{
	if (!c->progress || s->n == 0) {
		return;
	}
	fprintf(stderr, "\rsubmit %s %s: %zu/%zu records (%d%%)", kindname,
	        csvread_name(s->t), done, s->n,
	        (int) (100.0 * (double) done / (double) s->n));
	c->progress_shown = true;
}

/* span names the file lines of batch [lo, hi): "lines a-b", or, when
 * grouping by school took its records from here and there, "n records
 * of lines a-b, grouped by school". */
static const char *
span(const source *s, size_t lo, size_t hi, char *buf, size_t cap)
{
	size_t a = s->lines[lo], b = s->orig ? a : s->lines[hi - 1];
	bool   together = true;
	for (size_t i = lo; s->orig != NULL && i + 1 < hi; i++) {
		together &= s->orig[i + 1] == s->orig[i] + 1;
		a = s->lines[i + 1] < a ? s->lines[i + 1] : a;
		b = s->lines[i + 1] > b ? s->lines[i + 1] : b;
	}
	if (together) {
		snprintf(buf, cap, "lines %zu-%zu", a, b);
	} else {
		snprintf(buf, cap,
		         "%zu records of lines %zu-%zu, grouped by "
		         "school",
		         hi - lo, a, b);
	}
	return buf;
}

/* stopped says where a failed upload stopped and what to do. */
static void
stopped(const char *what, const source *s, const tally *tl, size_t lo,
        size_t hi, const opts *o)
{
	char where[96];
	fprintf(stderr, "tandem: %s: %s: batch %zu of %zu (%s) failed", what,
	        csvread_name(s->t), tl->batches + 1, tl->nbatches,
	        span(s, lo, hi, where, sizeof(where)));
	if (tl->batches == 0) {
		fprintf(stderr, "; nothing from this file was %s\n",
		        o->dry_run ? "checked" : "stored");
		return;
	}
	fprintf(stderr,
	        "; the %zu batch%s (%zu records) before it %s %s.\nRunning "
	        "the same command again replays %s and stores nothing "
	        "twice.\n",
	        tl->batches, tl->batches == 1 ? "" : "es", tl->records,
	        tl->batches == 1 ? "was" : "were",
	        o->dry_run ? "checked (dry run)" : "stored",
	        tl->batches == 1 ? "it" : "them");
}

/* Batches in flight at once: while tandemd stores batch k the CLI encodes
 * and sends batch k+1, and a second worker may start on it. Two keep both
 * sides busy; more would only queue. */
#define PIPELINE_DEPTH 2

/* A batch sent and not yet answered. */
typedef struct flight {
	size_t      lo, hi;
	td_pending *p; /* NULL: sending failed, st says why */
	td_status   st;
} flight;

/* send_batch builds batch [lo, hi) and sends it without waiting, or (with
 * wait) sends it with cli_call's retries. 0, or 1 when out of memory. */
static int
send_batch(cli *c, const char *what, const kind *k, const source *s,
           const opts *o, flight *f, bool wait, ProtobufCMessage **resp)
{
	char        id[33];
	anyreq      req;
	scratch     sc   = { 0 };
	const char *code = k->build == submit_build_surveys ? o->survey
	    : s->codes[f->lo]                               ? s->codes[f->lo]
	                                                    : "";
	int         rv   = batch_id(k, s, code, f->lo, f->hi, o, id) != 0
	    || k->build(s, f->lo, f->hi, o, id, &req, &sc) != 0;
	if (rv == 0 && wait) {
		(void) cli_call(c, what, k->method,
		                (const ProtobufCMessage *) &req, resp, &f->st,
		                (int) o->retries);
	} else if (rv == 0) {
		/* The request is encoded here: its arrays may go now. */
		if (td_call_begin(cli_client(c), k->method->path,
		                  (const ProtobufCMessage *) &req,
		                  k->method->reply, &f->p, &f->st)
		    != TD_CODE_OK) {
			f->p = NULL; /* f->st says why */
		}
	}
	free(sc.criteria);
	free(sc.scores);
	free(sc.missing);
	return rv;
}

/* land waits for the oldest batch's answer, retrying as cli_call does
 * when the first try met an unavailable server. */
static int
land(cli *c, const char *what, const kind *k, const source *s, const opts *o,
     flight *f, ProtobufCMessage **resp)
{
	int code = f->p != NULL ? td_call_end(f->p, resp, &f->st) : f->st.code;
	f->p     = NULL;
	if ((code == TD_CODE_UNAVAILABLE || code == TD_CODE_DEADLINE_EXCEEDED)
	    && o->retries > 0) {
		td_status_reset(&f->st);
		if (send_batch(c, what, k, s, o, f, true, resp) != 0) {
			return TD_CODE_RESOURCE_EXHAUSTED;
		}
		code = f->st.code;
	}
	return code;
}

static void
count_stored(tally *tl, const flight *f, const ProtobufCMessage *resp)
{
	const Tandem__V1__SubmitResponse *r
	    = (const Tandem__V1__SubmitResponse *) resp;
	tl->batches++;
	tl->records += f->hi - f->lo;
	tl->stored += r->stored;
	tl->corrected += r->corrected;
	tl->replayed += r->replayed ? 1 : 0;
}

/* send_source sends s in batches, PIPELINE_DEPTH at a time; stops sending
 * at the first failed batch, and still collects the answers of batches
 * already sent after it. Returns 0 or 1 (the failure has been explained).
 */
int
submit_send_source(cli *c, const char *what, const char *kindname,
                   const kind *k, const source *s, const opts *o, tally *tl)
{
	flight q[PIPELINE_DEPTH];
	size_t head = 0, in_flight = 0, lo = 0;
	tl->nbatches = count_batches(s, o, k);
	progress(c, kindname, s, 0);
	while (lo < s->n || in_flight > 0) {
		while (in_flight < PIPELINE_DEPTH && lo < s->n) {
			flight *f = &q[(head + in_flight) % PIPELINE_DEPTH];
			*f        = (flight) {
				       lo, batch_end(s, lo, o, k), NULL, { 0 }
			};
			if (send_batch(c, what, k, s, o, f, false, NULL)
			    != 0) {
				f->st.code = TD_CODE_RESOURCE_EXHAUSTED;
				snprintf(f->st.message, sizeof(f->st.message),
				         "out of memory");
			}
			lo = f->hi;
			in_flight++;
		}
		flight           *f    = &q[head];
		ProtobufCMessage *resp = NULL;
		int               code = land(c, what, k, s, o, f, &resp);
		head                   = (head + 1) % PIPELINE_DEPTH;
		in_flight--;
		if (code != TD_CODE_OK) {
			cli_origin org = { csvread_name(s->t),
				           s->lines + f->lo, f->hi - f->lo };
			cli_progress_end(c);
			cli_fail_origin(what, &f->st, &org);
			stopped(what, s, tl, f->lo, f->hi, o);
			td_status_reset(&f->st);
			/* Batches sent after it: say what became of each. */
			for (; in_flight > 0; in_flight--) {
				flight *g = &q[head];
				head      = (head + 1) % PIPELINE_DEPTH;
				resp      = NULL;
				if (land(c, what, k, s, o, g, &resp)
				    == TD_CODE_OK) {
					char where[96];
					fprintf(
					    stderr,
					    "tandem: %s: %s, sent "
					    "before that failure was known, "
					    "were %s as well (a rerun "
					    "replays them)\n",
					    what,
					    span(s, g->lo, g->hi, where,
					         sizeof(where)),
					    o->dry_run ? "checked" : "stored");
					protobuf_c_message_free_unpacked(resp,
					                                 NULL);
				}
				td_status_reset(&g->st);
			}
			return 1;
		}
		count_stored(tl, f, resp);
		protobuf_c_message_free_unpacked(resp, NULL);
		td_status_reset(&f->st);
		progress(c, kindname, s, f->hi);
	}
	cli_progress_end(c);
	return 0;
}

void
submit_summary_row(out_table *t, const source *s, const char *kindname,
                   const tally *tl, const opts *o)
{
	out_str(t, csvread_name(s->t));
	out_str(t, kindname);
	out_int(t, (int64_t) tl->batches);
	out_int(t, (int64_t) tl->records);
	out_int(t, tl->stored);
	out_int(t, (int64_t) tl->replayed);
	out_bool(t, o->dry_run);
	out_int(t, tl->corrected);
}
