/* SPDX-License-Identifier: MIT
 * The services layer: each service file binds its handlers to method paths.
 * rpc/methods.c joins these bindings (handed over by main) with the
 * declared methods.
 */
#ifndef TD_SERVICES_H
#define TD_SERVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "rpc/rpc.h"

typedef rpc_binding services_binding;

/* services_bindings lists every implemented method (static storage). */
const services_binding *services_bindings(size_t *count);
/* services_bind_fast gives the methods that can answer from memory their
 * fast handlers (rpc_methods_bind_fast); after rpc_methods_init. */
int services_bind_fast(void) __attribute__((warn_unused_result));

/* Handlers, one group per service file. */
/* health_probe_start runs the background database probe Health answers
 * from (see health.c); health_probe_stop ends it. */
int  health_probe_start(const td_config *cfg);
void health_probe_stop(void);
/* analysis_lattice_cache_init sets the memory for decided disclosure
 * lattices (tandemd --lattice-cache-mib); a measure's lattice bigger than
 * it is decided again on every call. Call at start. */
void analysis_lattice_cache_init(size_t budget_bytes);
int  health_check(rpc_call *call, const ProtobufCMessage *req,
                  ProtobufCMessage **resp);
int  reflection_list_methods(rpc_call *call, const ProtobufCMessage *req,
                             ProtobufCMessage **resp);
int  admin_sleep(rpc_call *call, const ProtobufCMessage *req,
                 ProtobufCMessage **resp);

/* health_check_known is health_check from the known state only (the fast
 * path's): RPC_DEFER when that state is too old to answer from. */
int health_check_known(rpc_call *call, const ProtobufCMessage *req,
                       ProtobufCMessage **resp);

#define TD_HANDLER(name)                                                      \
	int name(rpc_call *call, const ProtobufCMessage *req,                 \
	         ProtobufCMessage **resp)
TD_HANDLER(registry_define_districts);
TD_HANDLER(registry_define_schools);
TD_HANDLER(registry_define_educators);
TD_HANDLER(registry_define_survey);
TD_HANDLER(registry_define_rubric);
TD_HANDLER(registry_define_measures);
TD_HANDLER(registry_define_activities);
TD_HANDLER(registry_define_price_index);
TD_HANDLER(registry_list_schools);
TD_HANDLER(registry_list_instruments);
TD_HANDLER(registry_import_roster);
TD_HANDLER(registry_list_districts);
TD_HANDLER(registry_list_educators);
/* The educator roles DefineEducators and ImportRoster accept (NULL-ended). */
extern const char *const registry_roles[];
TD_HANDLER(ingest_submit_survey_responses);
TD_HANDLER(ingest_submit_peer_feedback);
TD_HANDLER(ingest_submit_outcomes);
TD_HANDLER(ingest_submit_costs);
TD_HANDLER(ingest_submit_participation);
TD_HANDLER(ingest_submit_administrations);
TD_HANDLER(analysis_run_chart);
TD_HANDLER(analysis_control_chart);
TD_HANDLER(analysis_outliers);
TD_HANDLER(analysis_positive_deviance);
TD_HANDLER(analysis_compare);
TD_HANDLER(analysis_reliability);
TD_HANDLER(analysis_agreement);
TD_HANDLER(analysis_variance);
TD_HANDLER(analysis_completeness);
TD_HANDLER(analysis_roi);
TD_HANDLER(analysis_mdc);
TD_HANDLER(analysis_funnel);
TD_HANDLER(analysis_impact);
TD_HANDLER(admin_create_client);
TD_HANDLER(admin_list_clients);
TD_HANDLER(admin_revoke_client);
TD_HANDLER(admin_audit);
TD_HANDLER(improve_submit_pdsa_cycles);
TD_HANDLER(improve_list_pdsa_cycles);
TD_HANDLER(improve_pdsa);
TD_HANDLER(improve_discover);
TD_HANDLER(improve_isolation);
TD_HANDLER(review_submission);
TD_HANDLER(review_list_submissions);
TD_HANDLER(review_approve);
TD_HANDLER(review_accept);
TD_HANDLER(review_unapprove);
TD_HANDLER(review_list_approvals);
TD_HANDLER(export_page);

#endif /* TD_SERVICES_H */
