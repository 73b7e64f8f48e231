/* SPDX-License-Identifier: MIT
 * Prometheus metrics of tandemd: counters and histograms kept in atomics
 * (any thread may bump them, never blocking), rendered as the text
 * exposition format, which transport_http serves on nng's HTTP server.
 * Names and labels follow go-grpc-prometheus for the RPC side.
 */
#ifndef TD_METRICS_H
#define TD_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* metrics_init sizes the per-method tables for n methods whose gRPC paths
 * ("/tandem.v1.Health/Check") are given; the paths are copied. Call once,
 * before any worker starts. Method index n (one past the last) collects
 * calls to unknown methods and malformed envelopes. */
int metrics_init(size_t n, const char *const *paths, const char *version,
                 int protocol) __attribute__((warn_unused_result));
/* metrics_shutdown frees the tables; nothing may bump them afterwards. */
void metrics_shutdown(void);

/* metrics_rpc_started counts a call to method index i (-1 = unknown). */
void metrics_rpc_started(int i);
/* metrics_rpc_handled counts its end: gRPC code, time taken, the request
 * and reply sizes on the wire. */
void metrics_rpc_handled(int i, int code, int64_t duration_us,
                         size_t request_bytes, size_t reply_bytes);

/* metrics_records_ingested adds n records stored by an Ingest method
 * (its gRPC path; the kind label is derived from it: SubmitOutcomes →
 * "outcomes"). Replays and dry runs store nothing and add nothing. */
void metrics_records_ingested(const char *method_path, uint64_t n);

/* metrics_db_state records what worker w last saw of its database
 * connection (1 = answering, 0 = not). */
void metrics_db_state(int worker, int up);
/* metrics_db_up: 1 when at least one worker's connection answered at
 * its last use. What /healthz reports. */
int metrics_db_up(void);

/* metrics_suppressed_cells_add counts cells that disclosure control
 * suppressed in answers served. */
void metrics_suppressed_cells_add(uint64_t n);
/* metrics_events_published_add counts events published. */
void metrics_events_published_add(uint64_t n);

/* metrics_render writes the whole exposition (text format 0.0.4) into a
 * malloc'd string owned by the caller; NULL when out of memory. */
char *metrics_render(size_t *len);

#endif /* TD_METRICS_H */
