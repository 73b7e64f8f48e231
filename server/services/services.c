/* SPDX-License-Identifier: MIT
 * The binding of handlers to method paths, with the roles each allows.
 * Health and Reflection are open to everyone.
 */
#include "services.h"

#define ALL_ROLES                                                             \
	(RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_COUNCIL               \
	 | RPC_ROLE_EVALUATOR | RPC_ROLE_ADMIN)

static const services_binding bindings[] = {
	{ TD_V1("Health", "Check"), health_check, ALL_ROLES, true, RPC_READ },
	{ TD_V1("Reflection", "ListMethods"), reflection_list_methods,
	  ALL_ROLES, true, RPC_READ },
	{ TD_V1("Admin", "Sleep"), admin_sleep, RPC_ROLE_ADMIN, false,
	  RPC_READ },
	{ TD_V1("Admin", "CreateClient"), admin_create_client, RPC_ROLE_ADMIN,
	  false, RPC_WRITES },
	{ TD_V1("Admin", "ListClients"), admin_list_clients, RPC_ROLE_ADMIN,
	  false, RPC_READ },
	{ TD_V1("Admin", "RevokeClient"), admin_revoke_client, RPC_ROLE_ADMIN,
	  false, RPC_WRITES },
	{ TD_V1("Admin", "Audit"), admin_audit, RPC_ROLE_ADMIN, false,
	  RPC_READ },
#define REG(m, fn)                                                            \
	{                                                                     \
		TD_V1("Registry", m), fn, RPC_ROLE_ADMIN, false, RPC_WRITES   \
	}
	REG("DefineDistricts", registry_define_districts),
	REG("DefineSchools", registry_define_schools),
	REG("DefineEducators", registry_define_educators),
	REG("DefineSurvey", registry_define_survey),
	REG("DefineRubric", registry_define_rubric),
	REG("DefineMeasures", registry_define_measures),
	REG("DefineActivities", registry_define_activities),
	REG("DefinePriceIndex", registry_define_price_index),
	{ TD_V1("Registry", "ListSchools"), registry_list_schools, ALL_ROLES,
	  false, RPC_READ },
	{ TD_V1("Registry", "ListInstruments"), registry_list_instruments,
	  ALL_ROLES, false, RPC_READ },
	REG("ImportRoster", registry_import_roster),
	{ TD_V1("Registry", "ListDistricts"), registry_list_districts,
	  ALL_ROLES, false, RPC_READ },
	/* Personnel: a school client sees its school's, a district its own. */
	{ TD_V1("Registry", "ListEducators"), registry_list_educators,
	  RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_ADMIN, false,
	  RPC_READ },
#define ING(m, fn)                                                            \
	{                                                                     \
		TD_V1("Ingest", m), fn,                                       \
		    RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_ADMIN,     \
		    false, RPC_WRITES                                         \
	}
	ING("SubmitSurveyResponses", ingest_submit_survey_responses),
	ING("SubmitPeerFeedback", ingest_submit_peer_feedback),
	ING("SubmitOutcomes", ingest_submit_outcomes),
	/* Costs are activity-level, not a school's: evaluators and admins. */
	{ TD_V1("Ingest", "SubmitCosts"), ingest_submit_costs,
	  RPC_ROLE_EVALUATOR | RPC_ROLE_ADMIN, false, RPC_WRITES },
	ING("SubmitParticipation", ingest_submit_participation),
	ING("SubmitAdministrations", ingest_submit_administrations),
#define ANA(m, fn)                                                            \
	{                                                                     \
		TD_V1("Analysis", m), fn,                                     \
		    RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_COUNCIL    \
		    | RPC_ROLE_EVALUATOR | RPC_ROLE_ADMIN,                    \
		    false, RPC_READ_CACHED                                    \
	}
	ANA("RunChart", analysis_run_chart),
	ANA("ControlChart", analysis_control_chart),
	ANA("Outliers", analysis_outliers),
	ANA("PositiveDeviance", analysis_positive_deviance),
	ANA("Compare", analysis_compare),
	ANA("Reliability", analysis_reliability),
	ANA("Agreement", analysis_agreement),
	ANA("Variance", analysis_variance),
	ANA("Completeness", analysis_completeness),
	ANA("Mdc", analysis_mdc),
	ANA("Funnel", analysis_funnel),
	{ TD_V1("Analysis", "Roi"), analysis_roi,
	  RPC_ROLE_EVALUATOR | RPC_ROLE_COUNCIL | RPC_ROLE_ADMIN, false,
	  RPC_READ_CACHED },
	/* Improvement: cycles are written like other school data; the reads
	 * limit rows to the caller's scope themselves (improve/improve.h). */
	{ TD_V1("Improvement", "SubmitPdsaCycles"), improve_submit_pdsa_cycles,
	  RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_ADMIN, false,
	  RPC_WRITES },
	{ TD_V1("Improvement", "ListPdsaCycles"), improve_list_pdsa_cycles,
	  ALL_ROLES, false, RPC_READ },
	{ TD_V1("Improvement", "Pdsa"), improve_pdsa, ALL_ROLES, false,
	  RPC_READ },
	{ TD_V1("Improvement", "Discover"), improve_discover, ALL_ROLES, false,
	  RPC_READ },
	{ TD_V1("Improvement", "Isolation"), improve_isolation, ALL_ROLES,
	  false, RPC_READ },
	{ TD_V1("Analysis", "Impact"), analysis_impact,
	  RPC_ROLE_EVALUATOR | RPC_ROLE_COUNCIL | RPC_ROLE_ADMIN, false,
	  RPC_READ_CACHED },
/* Review and approval: each level its own data (review.c checks the
 * unit); evaluators read analyses only. */
#define REV(m, fn)                                                            \
	{                                                                     \
		"/tandem.v1.Review/" m, fn,                                   \
		    RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_COUNCIL    \
		    | RPC_ROLE_ADMIN,                                         \
		    false, RPC_WRITES                                         \
	}
	REV("ReviewSubmission", review_submission),
	REV("ListSubmissions", review_list_submissions),
	REV("Approve", review_approve),
	REV("Accept", review_accept),
	REV("Unapprove", review_unapprove),
	REV("ListApprovals", review_list_approvals),
	/* Export: which role may export which kind is per kind (export/). */
	{ TD_V1("Export", "Page"), export_page, ALL_ROLES, false, RPC_READ },
};

int
services_bind_fast(void)
{
	return rpc_methods_bind_fast(TD_V1("Health", "Check"),
	                             health_check_known);
}

const services_binding *
services_bindings(size_t *count)
{
	*count = sizeof(bindings) / sizeof(bindings[0]);
	return bindings;
}
