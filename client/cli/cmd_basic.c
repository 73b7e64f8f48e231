/* SPDX-License-Identifier: MIT
 * tandem health and tandem methods.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *
serving_name(int s)
{
	switch (s) {
	case TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING:
		return "SERVING";
	case TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING:
		return "NOT_SERVING";
	case TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN:
		return "SERVICE_UNKNOWN";
	default:
		return "UNKNOWN";
	}
}

int
cmd_health(cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf(
		    "usage: tandem health [SERVICE]\n\n"
		    "Asks the server whether it is SERVING (its database "
		    "answers and holds\nthe schema). Exit status 0 only when "
		    "SERVING.\n");
		return 0;
	}
	if (argc > 2) {
		return cli_usage_error("health", "too many arguments");
	}
	Tandem__V1__HealthCheckRequest req
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *resp = NULL;
	td_status                        st   = { 0 };
	if (argc == 2) {
		req.service = argv[1];
	}
	if (td_health_check(cli_client(c), &req, &resp, &st) != TD_CODE_OK) {
		return cli_fail("health", &st);
	}
	static const char *cols[]
	    = { "status", "version", "schema_version", "detail", "protocol" };
	out_table *t = out_table_create("health", 5, cols);
	out_str(t, serving_name(resp->status));
	out_str(t, resp->version);
	out_int(t, resp->schema_version);
	out_str(t, resp->detail);
	out_int(t, resp->protocol_version);
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	int rv = resp->status
	        == TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
	    ? 0
	    : 1;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_status_reset(&st);
	return rv;
}

int
cmd_methods(cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("usage: tandem methods\n\n"
		       "Lists every method the server declares, with its "
		       "request and response\ntypes and whether this server "
		       "implements it.\n");
		return 0;
	}
	if (argc > 1) {
		return cli_usage_error("methods", "takes no arguments");
	}
	Tandem__V1__ListMethodsRequest req
	    = TANDEM__V1__LIST_METHODS_REQUEST__INIT;
	Tandem__V1__ListMethodsResponse *resp = NULL;
	td_status                        st   = { 0 };
	if (td_reflection_list_methods(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("methods", &st);
	}
	static const char *cols[]
	    = { "method", "request", "response", "implemented" };
	out_table *t = out_table_create("methods", 4, cols);
	for (size_t i = 0; i < resp->n_methods; i++) {
		out_str(t, resp->methods[i]->path);
		out_str(t, resp->methods[i]->request_type);
		out_str(t, resp->methods[i]->response_type);
		out_bool(t, resp->methods[i]->implemented);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return 0;
}
