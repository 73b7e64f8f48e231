/* SPDX-License-Identifier: MIT
 * tandem submit's shared shapes: a CSV file read into the records of one
 * request field (source), how each kind of record is read and batched
 * (kind; the table in submit_records.c) and the upload of a source in
 * batches (submit_send.c).
 */
#ifndef TD_CLI_SUBMIT_H
#define TD_CLI_SUBMIT_H

#include "cli.h"

#define DEFAULT_BATCH 20000
/* A batch also ends once its records hold this many bytes of CSV: its
 * request encodes to less than the client's 4 MiB request limit
 * (TD_CLIENT_MAX_REQUEST) even with long notes, whose protobuf framing
 * adds a few bytes a field. */
#define MAX_BATCH_BYTES (3u * 1024u * 1024u)

typedef struct opts {
	bool        dry_run;
	bool        correction;
	long        batch_size;
	long        retries;
	const char *survey;
	const char *annotations;
} opts;

/* One CSV file parsed into the records of one repeated request field. */
typedef struct source {
	const char    *label; /* the kind shown in the summary */
	csvread_table *t;
	size_t         n;
	void          *pool; /* the n messages */
	void         **recs; /* pointers to them, as protobuf-c wants */
	size_t        *lines; /* CSV line of each record */
	const char   **codes; /* rubric of each record (feedback), or NULL */
	/* Item (surveys) or criterion (feedback) columns. */
	size_t         ncodes;
	char         **colnames;
	int           *colidx;
	int32_t       *vals; /* n * ncodes */
	uint32_t      *miss; /* n * ncodes */
	unsigned char *present; /* n * ncodes */
	size_t        *orig; /* file record of each record; NULL: file order */
} source;

typedef union anyreq {
	Tandem__V1__SubmitSurveyResponsesRequest surveys;
	Tandem__V1__SubmitPeerFeedbackRequest    feedback;
	Tandem__V1__SubmitOutcomesRequest        outcomes;
	Tandem__V1__SubmitCostsRequest           costs;
	Tandem__V1__SubmitParticipationRequest   participation;
	Tandem__V1__SubmitAdministrationsRequest administrations;
	Tandem__V1__SubmitPdsaCyclesRequest      pdsa;
} anyreq;

/* Per-batch arrays a request points into (feedback only). */
typedef struct scratch {
	char    **criteria;
	int32_t  *scores;
	uint32_t *missing;
} scratch;

typedef struct kind {
	const char      *name;
	const td_method *method;
	const char      *columns;
	int (*prepare)(source *s, const opts *o, csvread_errs *e,
	               const char *what);
	int (*build)(const source *s, size_t lo, size_t hi, const opts *o,
	             const char *id, anyreq *r, scratch *sc);
	/* Kinds whose natural key includes the school: a record's school,
	 * by which the records are sent grouped (submit_order.c). */
	const char *(*school)(const void *rec);
} kind;

typedef struct tally {
	size_t  batches;
	size_t  nbatches;
	size_t  records;
	int64_t stored;
	int64_t corrected;
	size_t  replayed;
} tally;

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* The kinds `tandem submit KIND` takes, and the annotations file that
 * --annotations adds to feedback. */
extern const kind   submit_kinds[];
extern const size_t submit_n_kinds;
extern const kind   submit_annotations_kind;

/* submit_source_free frees what a source holds (not s itself). */
void submit_source_free(source *s);
/* submit_src_raw: record i's bytes as they are in the file. */
const char *submit_src_raw(const source *s, size_t i, size_t *len);
/* submit_group_by_school puts the records of one school together
 * (stable); 0, or 1 when out of memory (explained). */
int submit_group_by_school(source *s, const char *(*school)(const void *rec),
                           const char *what);
/* submit_prep_annotations reads annotations against the observations
 * of obs (their rubrics); 0, or 1 when out of memory. */
int submit_prep_annotations(source *s, const source *obs, csvread_errs *e,
                            const char *what);
/* submit_build_surveys builds survey batch [lo, hi) (the kind whose
 * batch id also names the survey). */
int submit_build_surveys(const source *s, size_t lo, size_t hi, const opts *o,
                         const char *id, anyreq *r, scratch *sc);
/* submit_build_feedback builds observation batch [lo, hi) (the kind
 * --annotations goes with). */
int submit_build_feedback(const source *s, size_t lo, size_t hi, const opts *o,
                          const char *id, anyreq *r, scratch *sc);

/* submit_send_source sends s in batches (two in flight) and counts what
 * was stored in *tl; 0, or 1 after a batch failed (said on stderr). */
int submit_send_source(cli *c, const char *what, const char *kindname,
                       const kind *k, const source *s, const opts *o,
                       tally *tl);
/* submit_summary_row adds s's row to the command's summary table. */
void submit_summary_row(out_table *t, const source *s, const char *kindname,
                        const tally *tl, const opts *o);

#endif /* TD_CLI_SUBMIT_H */
