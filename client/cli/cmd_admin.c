/* SPDX-License-Identifier: MIT
 * tandem admin: API clients (create, list, revoke) and the audit log.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
client_row(out_table *t, const Tandem__V1__ApiClient *c)
{
	static const Tandem__V1__ApiClient none = TANDEM__V1__API_CLIENT__INIT;
	if (c == NULL) {
		c = &none; /* a reply without its client: an empty row */
	}
	out_str(t, c->id);
	out_str(t, c->name);
	out_str(t, c->role);
	out_str(t, c->school);
	out_str(t, c->district);
	out_str(t, c->created_at);
	out_str(t, c->revoked_at);
}

static out_table *
client_table(void)
{
	static const char *cols[]
	    = { "id",       "name",       "role",      "school",
		"district", "created_at", "revoked_at" };
	return out_table_create("clients", 7, cols);
}

/* print_client prints one client as a one-row table. */
static void
print_client(const cli *c, const Tandem__V1__ApiClient *client)
{
	out_table *t = client_table();
	client_row(t, client);
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
}

static int
client_create(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "school", required_argument, NULL, 's' },
		{ "district", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			req.name = optarg;
			break;
		case 'r':
			req.role = optarg;
			break;
		case 's':
			req.school = optarg;
			break;
		case 'd':
			req.district = optarg;
			break;
		default:
			return cli_usage_error("admin client create",
			                       "unknown option");
		}
	}
	if (req.name[0] == '\0' || req.role[0] == '\0') {
		return cli_usage_error("admin client create",
		                       "--name and --role are required");
	}
	Tandem__V1__CreateClientResponse *resp = NULL;
	td_status                         st   = { 0 };
	if (td_admin_create_client(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("admin client create", &st);
	}
	print_client(c, resp->client);
	/* The token goes to stderr's reader once; stdout stays a table. */
	fprintf(stderr,
	        "token (shown once; store it now, it cannot be shown "
	        "again):\n%s\n",
	        resp->token);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return 0;
}

static int
client_list(cli *c, int argc, char **argv)
{
	Tandem__V1__ListClientsRequest req
	    = TANDEM__V1__LIST_CLIENTS_REQUEST__INIT;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) {
			req.include_revoked = true;
		} else {
			return cli_usage_error("admin client list",
			                       "unknown argument %s", argv[i]);
		}
	}
	Tandem__V1__ListClientsResponse *resp = NULL;
	td_status                        st   = { 0 };
	if (td_admin_list_clients(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("admin client list", &st);
	}
	out_table *t = client_table();
	for (size_t i = 0; i < resp->n_clients; i++) {
		client_row(t, resp->clients[i]);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return 0;
}

static int
client_revoke(cli *c, int argc, char **argv)
{
	if (argc != 2) {
		return cli_usage_error("admin client revoke",
		                       "give one client id");
	}
	Tandem__V1__RevokeClientRequest req
	    = TANDEM__V1__REVOKE_CLIENT_REQUEST__INIT;
	req.id                                 = argv[1];
	Tandem__V1__RevokeClientResponse *resp = NULL;
	td_status                         st   = { 0 };
	if (td_admin_revoke_client(cli_client(c), &req, &resp, &st)
	    != TD_CODE_OK) {
		return cli_fail("admin client revoke", &st);
	}
	print_client(c, resp->client);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return 0;
}

static int
audit(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "client", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	Tandem__V1__AuditRequest req = TANDEM__V1__AUDIT_REQUEST__INIT;
	int                      o;
	long                     lim;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			req.since = optarg;
			break;
		case 'c':
			req.client = optarg;
			break;
		case 'l':
			if (cli_parse_count("admin audit", "--limit", optarg,
			                    1, 100000, &lim)
			    != 0) {
				return 2;
			}
			req.limit = (int32_t) lim;
			break;
		default:
			return cli_usage_error("admin audit",
			                       "unknown option");
		}
	}
	Tandem__V1__AuditResponse *resp = NULL;
	td_status                  st   = { 0 };
	if (td_admin_audit(cli_client(c), &req, &resp, &st) != TD_CODE_OK) {
		return cli_fail("admin audit", &st);
	}
	static const char *cols[]
	    = { "id",         "at",      "client",      "method", "status",
		"request_id", "records", "duration_us", "detail" };
	out_table *t = out_table_create("audit", 9, cols);
	for (size_t i = 0; i < resp->n_rows; i++) {
		const Tandem__V1__AuditRow *a = resp->rows[i];
		out_int(t, a->id);
		out_str(t, a->at);
		out_str(t, a->client);
		out_str(t, a->method);
		out_str(t, a->status);
		out_str(t, a->request_id);
		out_int(t, a->records);
		out_int(t, a->duration_us);
		out_str(t, a->detail);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return 0;
}

int
cmd_admin(cli *c, int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		printf(
		    "usage: tandem admin client create --name N --role "
		    "school|district|council|evaluator|admin\n"
		    "                           [--school S] [--district D]\n"
		    "       tandem admin client list [--all]\n"
		    "       tandem admin client revoke ID\n"
		    "       tandem admin audit [--since TIME] [--client "
		    "ID|NAME] [--limit N]\n\n"
		    "API clients and the audit log (admin role). A new "
		    "client's token is printed\nonce, on stderr; only its "
		    "hash is kept.\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "audit") == 0) {
		return audit(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "client") == 0 && argc >= 3) {
		if (strcmp(argv[2], "create") == 0) {
			return client_create(c, argc - 2, argv + 2);
		}
		if (strcmp(argv[2], "list") == 0) {
			return client_list(c, argc - 2, argv + 2);
		}
		if (strcmp(argv[2], "revoke") == 0) {
			return client_revoke(c, argc - 2, argv + 2);
		}
	}
	return cli_usage_error("admin", "unknown subcommand %s", argv[1]);
}
