/* SPDX-License-Identifier: MIT
 * Events a committed batch gives rise to: batch.stored per school and
 * signal.new per run-chart rule newly firing on a series the batch wrote.
 * Published through rpc_publish (the transport's pub0 socket) from the
 * worker, after the commit; see events.proto for what an event may carry.
 */
#ifndef TD_EVENTS_H
#define TD_EVENTS_H

#include "batch.h"
#include "tandem/v1/improvement.pb-c.h"
#include "tandem/v1/ingest.pb-c.h"

/* Topic prefixes; a subscriber filters on a prefix of these. */
#define EVENTS_BATCH_STORED     "batch.stored"
#define EVENTS_SIGNAL_NEW       "signal.new"
#define EVENTS_APPROVAL_CHANGED "approval.changed"
#define EVENTS_DEVIANT_NEW      "deviant.new"
#define EVENTS_PDSA_CHANGED     "pdsa.changed"

struct Tandem__V1__Event;
/* events_send stamps ev with topic and time and publishes it (a dropped
 * event is logged, never an error of the call). */
void events_send(rpc_call *call, const char *topic,
                 struct Tandem__V1__Event *ev);

/* events_batch_stored publishes one batch.stored per school of b (the
 * codes batch_resolve saw; "" for records without a school), each count
 * withheld when below min_n. Does nothing when events are off. */
void events_batch_stored(batch *b);
/* events_outcome_signals runs the NHS run rules on every series in
 * (measure, school, all students) that the committed outcomes of in
 * touched, read as the council reads it (suppressed points take no part),
 * and publishes signal.new for each rule firing on a touched point. */
void events_outcome_signals(rpc_call                                *call,
                            const Tandem__V1__SubmitOutcomesRequest *in);
/* events_outcome_deviants runs positive deviance (each school of the
 * network, latest academic year, default covariates, as the council reads
 * it) for every measure of in and publishes deviant.new for each school
 * flagged that was not flagged when it last ran (deviant_state). */
void events_outcome_deviants(rpc_call                                *call,
                             const Tandem__V1__SubmitOutcomesRequest *in);

/* events_pdsa_before reads, inside the batch's transaction, the status
 * each cycle of in has before the batch (school_ids from batch_resolve, 0
 * = network): an arena array, NULL when events are off or on error. */
char **events_pdsa_before(rpc_call                                  *call,
                          const Tandem__V1__SubmitPdsaCyclesRequest *in,
                          const int64_t *school_ids);
/* events_pdsa_changed publishes pdsa.changed for each cycle of a
 * committed batch: created (no status before), transitioned (the status
 * changed) or updated. */
void events_pdsa_changed(rpc_call                                  *call,
                         const Tandem__V1__SubmitPdsaCyclesRequest *in,
                         char *const                               *before);

#endif /* TD_EVENTS_H */
