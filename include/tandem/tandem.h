/* SPDX-License-Identifier: MIT
 * libtandem: the client library. Connects to one or more tandemd servers
 * over nng req/rep (tcp, ipc, tls+tcp), sends a method's request in a
 * RequestEnvelope with a deadline and token, and returns the reply with its
 * gRPC status. Typed stubs for every method are at the end of this file.
 */
#ifndef TANDEM_TANDEM_H
#define TANDEM_TANDEM_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "tandem/errors.h"
#include "tandem/wire.h"
#include "tandem/v1/admin.pb-c.h"
#include "tandem/v1/analysis.pb-c.h"
#include "tandem/v1/events.pb-c.h"
#include "tandem/v1/export.pb-c.h"
#include "tandem/v1/health.pb-c.h"
#include "tandem/v1/improvement.pb-c.h"
#include "tandem/v1/ingest.pb-c.h"
#include "tandem/v1/registry.pb-c.h"
#include "tandem/v1/review.pb-c.h"
#include "tandem/v1/rpc.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct td_client td_client;

typedef struct td_client_opts {
	const char *const *urls; /* servers to dial; NULL = TD_DEFAULT_URL */
	size_t             n_urls;
	const char        *token; /* bearer token, may be NULL */
	int                timeout_ms; /* per call; 0 = 30000 */
	const char        *tls_ca; /* CA file (PEM) for tls+tcp URLs */
	const char        *tls_server_name; /* NULL = host of the URL */
} td_client_opts;

/* One problem with one record, as the server reported it. */
typedef struct td_detail {
	int64_t record_index; /* -1 = the request as a whole */
	char   *field;
	char   *rule;
	char   *message;
} td_detail;

/* The outcome of a call: gRPC code and message, and per-record details.
 * Owned by the caller; td_status_reset frees the details. */
typedef struct td_status {
	int        code;
	char       message[1024];
	td_detail *details;
	size_t     n_details;
	int        details_omitted;
	char       request_id[40];
} td_status;

/* td_version: this library's version ("0.1.0"), the same as tandemd's of
 * the same build. Static storage. */
const char *td_version(void);
/* td_protocol_version: the wire protocol it speaks (TD_PROTOCOL_VERSION).
 * A call to a server that speaks another fails with FAILED_PRECONDITION
 * and a message naming both. */
int td_protocol_version(void);

/* A measure in its wire form (tandem.v1.MeasureKey) together with the
 * storage the key points into: do not copy it once parsed. */
typedef struct td_measure {
	Tandem__V1__MeasureKey    key;
	Tandem__V1__SurveyMeasure survey;
	char                      outcome[TD_MAX_CODE + 1];
	char                      survey_code[TD_MAX_CODE + 1];
	char                      construct[TD_MAX_CODE + 1];
} td_measure;

/* td_measure_parse reads a measure as users write it: an outcome code
 * ("ela_scale"), "survey:SURVEY/CONSTRUCT:mean" or
 * "survey:SURVEY/CONSTRUCT:favourable". Returns TD_OK with m->key ready for
 * SeriesQuery.measure, or TD_EINVAL with a sentence in errmsg
 * (TD_ERRMSG_MAX bytes). */
int td_measure_parse(td_measure *m, const char *text, char *errmsg)
    __attribute__((warn_unused_result));

/* td_client_create dials every URL (a server that is down is redialled in
 * the background). The caller owns *out. errmsg gets TD_ERRMSG_MAX bytes. */
int td_client_create(td_client **out, const td_client_opts *opts, char *errmsg)
    __attribute__((warn_unused_result));
void td_client_destroy(td_client *c);
/* td_client_set_timeout changes the per-call deadline (ms). */
void td_client_set_timeout(td_client *c, int timeout_ms);

/* td_call sends req to method (a gRPC path) and waits for the reply.
 * Returns the gRPC code (TD_CODE_OK = 0), also in st->code. On OK, *resp
 * is the unpacked reply, owned by the caller (free it with
 * protobuf_c_message_free_unpacked(*resp, NULL)). Safe to call from
 * several threads at once on one client. */
int td_call(td_client *c, const char *method, const ProtobufCMessage *req,
            const ProtobufCMessageDescriptor *resp_desc,
            ProtobufCMessage **resp, td_status *st);

/* Several calls in flight on one client, from one thread: td_call_begin
 * sends req and returns without waiting (each call has its own nng
 * context, so replies never mix); td_call_end waits for that call's reply
 * and answers as td_call does, freeing the pending call. On a failed
 * begin *out is NULL and st says why. Every begun call must be ended. */
typedef struct td_pending td_pending;
int                       td_call_begin(td_client *c, const char *method,
                                        const ProtobufCMessage           *req,
                                        const ProtobufCMessageDescriptor *resp_desc,
                                        td_pending **out, td_status *st)
    __attribute__((warn_unused_result));
int td_call_end(td_pending *p, ProtobufCMessage **resp, td_status *st);

/* td_call_bytes sends raw bytes as the whole request message (no envelope
 * is added) and returns the raw reply, malloc'd and owned by the caller.
 * For tests and diagnostics of the wire itself. */
int td_call_bytes(td_client *c, const void *buf, size_t len, void **reply,
                  size_t *reply_len, td_status *st);

/* td_status_reset frees a status's details and zeroes it. */
void td_status_reset(td_status *st);

/* A method of the wire contract: its gRPC path and its reply's type. */
typedef struct td_method {
	const char                       *path;
	const ProtobufCMessageDescriptor *reply;
} td_method;

/* Typed stubs: td_<service>_<method>(client, request, &reply, &status),
 * and td_<service>_<method>_method, the method itself, for callers that
 * wrap td_call (retries). The list below is the one place a client names
 * a method. */
#define TD_STUB(fn, PATH, Req, Resp, DESC)                                    \
	static const td_method fn##_method = { PATH, &DESC };                 \
	static inline int      fn(td_client *c, const Req *req, Resp **resp,  \
	                          td_status *st)                              \
	{                                                                     \
		return td_call(c, fn##_method.path, &req->base,               \
		               fn##_method.reply, (ProtobufCMessage **) resp, \
		               st);                                           \
	}

TD_STUB(td_health_check, TD_V1("Health", "Check"),
        Tandem__V1__HealthCheckRequest, Tandem__V1__HealthCheckResponse,
        tandem__v1__health_check_response__descriptor)
TD_STUB(td_reflection_list_methods, TD_V1("Reflection", "ListMethods"),
        Tandem__V1__ListMethodsRequest, Tandem__V1__ListMethodsResponse,
        tandem__v1__list_methods_response__descriptor)
TD_STUB(td_registry_define_districts, TD_V1("Registry", "DefineDistricts"),
        Tandem__V1__DefineDistrictsRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_schools, TD_V1("Registry", "DefineSchools"),
        Tandem__V1__DefineSchoolsRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_educators, TD_V1("Registry", "DefineEducators"),
        Tandem__V1__DefineEducatorsRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_survey, TD_V1("Registry", "DefineSurvey"),
        Tandem__V1__DefineSurveyRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_rubric, TD_V1("Registry", "DefineRubric"),
        Tandem__V1__DefineRubricRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_measures, TD_V1("Registry", "DefineMeasures"),
        Tandem__V1__DefineMeasuresRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_activities, TD_V1("Registry", "DefineActivities"),
        Tandem__V1__DefineActivitiesRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_define_price_index, TD_V1("Registry", "DefinePriceIndex"),
        Tandem__V1__DefinePriceIndexRequest, Tandem__V1__DefineResponse,
        tandem__v1__define_response__descriptor)
TD_STUB(td_registry_list_schools, TD_V1("Registry", "ListSchools"),
        Tandem__V1__ListSchoolsRequest, Tandem__V1__ListSchoolsResponse,
        tandem__v1__list_schools_response__descriptor)
TD_STUB(td_registry_list_instruments, TD_V1("Registry", "ListInstruments"),
        Tandem__V1__ListInstrumentsRequest,
        Tandem__V1__ListInstrumentsResponse,
        tandem__v1__list_instruments_response__descriptor)
TD_STUB(td_registry_import_roster, TD_V1("Registry", "ImportRoster"),
        Tandem__V1__ImportRosterRequest, Tandem__V1__ImportRosterResponse,
        tandem__v1__import_roster_response__descriptor)
TD_STUB(td_registry_list_districts, TD_V1("Registry", "ListDistricts"),
        Tandem__V1__ListDistrictsRequest, Tandem__V1__ListDistrictsResponse,
        tandem__v1__list_districts_response__descriptor)
TD_STUB(td_registry_list_educators, TD_V1("Registry", "ListEducators"),
        Tandem__V1__ListEducatorsRequest, Tandem__V1__ListEducatorsResponse,
        tandem__v1__list_educators_response__descriptor)
TD_STUB(td_ingest_submit_survey_responses,
        TD_V1("Ingest", "SubmitSurveyResponses"),
        Tandem__V1__SubmitSurveyResponsesRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_ingest_submit_peer_feedback, TD_V1("Ingest", "SubmitPeerFeedback"),
        Tandem__V1__SubmitPeerFeedbackRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_ingest_submit_outcomes, TD_V1("Ingest", "SubmitOutcomes"),
        Tandem__V1__SubmitOutcomesRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_ingest_submit_costs, TD_V1("Ingest", "SubmitCosts"),
        Tandem__V1__SubmitCostsRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_ingest_submit_participation, TD_V1("Ingest", "SubmitParticipation"),
        Tandem__V1__SubmitParticipationRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_ingest_submit_administrations,
        TD_V1("Ingest", "SubmitAdministrations"),
        Tandem__V1__SubmitAdministrationsRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_analysis_run_chart, TD_V1("Analysis", "RunChart"),
        Tandem__V1__RunChartRequest, Tandem__V1__SeriesResponse,
        tandem__v1__series_response__descriptor)
TD_STUB(td_analysis_control_chart, TD_V1("Analysis", "ControlChart"),
        Tandem__V1__ControlChartRequest, Tandem__V1__SeriesResponse,
        tandem__v1__series_response__descriptor)
TD_STUB(td_analysis_outliers, TD_V1("Analysis", "Outliers"),
        Tandem__V1__OutliersRequest, Tandem__V1__OutliersResponse,
        tandem__v1__outliers_response__descriptor)
TD_STUB(td_analysis_positive_deviance, TD_V1("Analysis", "PositiveDeviance"),
        Tandem__V1__PositiveDevianceRequest,
        Tandem__V1__PositiveDevianceResponse,
        tandem__v1__positive_deviance_response__descriptor)
TD_STUB(td_analysis_compare, TD_V1("Analysis", "Compare"),
        Tandem__V1__CompareRequest, Tandem__V1__CompareResponse,
        tandem__v1__compare_response__descriptor)
TD_STUB(td_analysis_reliability, TD_V1("Analysis", "Reliability"),
        Tandem__V1__ReliabilityRequest, Tandem__V1__ReliabilityResponse,
        tandem__v1__reliability_response__descriptor)
TD_STUB(td_analysis_agreement, TD_V1("Analysis", "Agreement"),
        Tandem__V1__AgreementRequest, Tandem__V1__AgreementResponse,
        tandem__v1__agreement_response__descriptor)
TD_STUB(td_analysis_variance, TD_V1("Analysis", "Variance"),
        Tandem__V1__VarianceRequest, Tandem__V1__VarianceResponse,
        tandem__v1__variance_response__descriptor)
TD_STUB(td_analysis_completeness, TD_V1("Analysis", "Completeness"),
        Tandem__V1__CompletenessRequest, Tandem__V1__CompletenessResponse,
        tandem__v1__completeness_response__descriptor)
TD_STUB(td_analysis_roi, TD_V1("Analysis", "Roi"), Tandem__V1__RoiRequest,
        Tandem__V1__RoiResponse, tandem__v1__roi_response__descriptor)
TD_STUB(td_analysis_mdc, TD_V1("Analysis", "Mdc"), Tandem__V1__MdcRequest,
        Tandem__V1__MdcResponse, tandem__v1__mdc_response__descriptor)
TD_STUB(td_analysis_impact, TD_V1("Analysis", "Impact"),
        Tandem__V1__ImpactRequest, Tandem__V1__ImpactResponse,
        tandem__v1__impact_response__descriptor)
TD_STUB(td_analysis_funnel, TD_V1("Analysis", "Funnel"),
        Tandem__V1__FunnelRequest, Tandem__V1__FunnelResponse,
        tandem__v1__funnel_response__descriptor)
TD_STUB(td_admin_create_client, TD_V1("Admin", "CreateClient"),
        Tandem__V1__CreateClientRequest, Tandem__V1__CreateClientResponse,
        tandem__v1__create_client_response__descriptor)
TD_STUB(td_admin_list_clients, TD_V1("Admin", "ListClients"),
        Tandem__V1__ListClientsRequest, Tandem__V1__ListClientsResponse,
        tandem__v1__list_clients_response__descriptor)
TD_STUB(td_admin_revoke_client, TD_V1("Admin", "RevokeClient"),
        Tandem__V1__RevokeClientRequest, Tandem__V1__RevokeClientResponse,
        tandem__v1__revoke_client_response__descriptor)
TD_STUB(td_admin_audit, TD_V1("Admin", "Audit"), Tandem__V1__AuditRequest,
        Tandem__V1__AuditResponse, tandem__v1__audit_response__descriptor)
TD_STUB(td_admin_sleep, TD_V1("Admin", "Sleep"), Tandem__V1__SleepRequest,
        Tandem__V1__SleepResponse, tandem__v1__sleep_response__descriptor)
TD_STUB(td_improvement_submit_pdsa_cycles,
        TD_V1("Improvement", "SubmitPdsaCycles"),
        Tandem__V1__SubmitPdsaCyclesRequest, Tandem__V1__SubmitResponse,
        tandem__v1__submit_response__descriptor)
TD_STUB(td_improvement_list_pdsa_cycles,
        TD_V1("Improvement", "ListPdsaCycles"),
        Tandem__V1__ListPdsaCyclesRequest, Tandem__V1__ListPdsaCyclesResponse,
        tandem__v1__list_pdsa_cycles_response__descriptor)
TD_STUB(td_improvement_pdsa, TD_V1("Improvement", "Pdsa"),
        Tandem__V1__PdsaRequest, Tandem__V1__PdsaResponse,
        tandem__v1__pdsa_response__descriptor)
TD_STUB(td_improvement_discover, TD_V1("Improvement", "Discover"),
        Tandem__V1__DiscoverRequest, Tandem__V1__DiscoverResponse,
        tandem__v1__discover_response__descriptor)
TD_STUB(td_improvement_isolation, TD_V1("Improvement", "Isolation"),
        Tandem__V1__IsolationRequest, Tandem__V1__IsolationResponse,
        tandem__v1__isolation_response__descriptor)
TD_STUB(td_review_submission, TD_V1("Review", "ReviewSubmission"),
        Tandem__V1__ReviewSubmissionRequest,
        Tandem__V1__ReviewSubmissionResponse,
        tandem__v1__review_submission_response__descriptor)
TD_STUB(td_review_list_submissions, TD_V1("Review", "ListSubmissions"),
        Tandem__V1__ListSubmissionsRequest,
        Tandem__V1__ListSubmissionsResponse,
        tandem__v1__list_submissions_response__descriptor)
TD_STUB(td_review_approve, TD_V1("Review", "Approve"),
        Tandem__V1__ApprovalRequest, Tandem__V1__ApprovalResponse,
        tandem__v1__approval_response__descriptor)
TD_STUB(td_review_accept, TD_V1("Review", "Accept"),
        Tandem__V1__ApprovalRequest, Tandem__V1__ApprovalResponse,
        tandem__v1__approval_response__descriptor)
TD_STUB(td_review_unapprove, TD_V1("Review", "Unapprove"),
        Tandem__V1__ApprovalRequest, Tandem__V1__ApprovalResponse,
        tandem__v1__approval_response__descriptor)
TD_STUB(td_review_list_approvals, TD_V1("Review", "ListApprovals"),
        Tandem__V1__ListApprovalsRequest, Tandem__V1__ListApprovalsResponse,
        tandem__v1__list_approvals_response__descriptor)
/* Export: one page of a kind's rows; see tandem.v1.ExportRequest. */
TD_STUB(td_export_page, TD_V1("Export", "Page"), Tandem__V1__ExportRequest,
        Tandem__V1__ExportPage, tandem__v1__export_page__descriptor)

/* Events: a subscriber to tandemd's --events-listen socket (nng sub0). */
typedef struct td_events td_events;

/* td_events_open dials url (TLS options from opts, which may be NULL) and
 * subscribes to topic, a prefix ("" or NULL = every event). It returns once
 * connected (TD_EINVAL naming the URL when the server is not there) and
 * redials by itself if the connection drops later; events published while
 * disconnected are lost. The caller owns *out. errmsg gets TD_ERRMSG_MAX
 * bytes. */
int td_events_open(td_events **out, const char *url, const char *topic,
                   const td_client_opts *opts, char *errmsg)
    __attribute__((warn_unused_result));
/* td_events_recv waits up to timeout_ms (< 0 = forever) for the next event.
 * TD_OK: *ev is the unpacked event, owned by the caller (free it with
 * tandem__v1__event__free_unpacked(*ev, NULL)). TD_ETIMEDOUT when none
 * came; TD_EPROTO for a message that is not an event (skipped). */
int  td_events_recv(td_events *e, int timeout_ms, Tandem__V1__Event **ev,
                    char *errmsg) __attribute__((warn_unused_result));
void td_events_close(td_events *e);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_TANDEM_H */
