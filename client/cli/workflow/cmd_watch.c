/* SPDX-License-Identifier: MIT
 * tandem watch: follow tandemd's events (batch.stored, signal.new,
 * approval.changed, deviant.new, pdsa.changed) as they are published, one
 * line per event: aligned text, or JSON lines.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static void
print_json(const Tandem__V1__Event *ev)
{
	json_t *o = json_pack("{s:s, s:s}", "topic", ev->topic, "at", ev->at);
	if (ev->batch_stored != NULL) {
		const Tandem__V1__BatchStored *b = ev->batch_stored;
		json_object_set_new(o, "method", json_string(b->method));
		json_object_set_new(o, "kind", json_string(b->kind));
		json_object_set_new(o, "school", json_string(b->school));
		json_object_set_new(o, "records",
		                    b->records_suppressed
		                        ? json_null()
		                        : json_integer(b->records));
		json_object_set_new(o, "records_suppressed",
		                    json_boolean(b->records_suppressed));
		json_object_set_new(o, "correction",
		                    json_boolean(b->correction));
	}
	if (ev->signal_new != NULL) {
		const Tandem__V1__SignalNew *s = ev->signal_new;
		json_object_set_new(o, "measure", json_string(s->measure));
		json_object_set_new(o, "unit", json_string(s->unit));
		json_object_set_new(o, "rule", json_string(s->rule));
		json_object_set_new(o, "rule_set", json_string(s->rule_set));
		json_object_set_new(o, "period", json_string(s->period));
		json_object_set_new(o, "period_start",
		                    json_string(s->period_start));
		json_object_set_new(o, "first_period",
		                    json_string(s->first_period));
	}
	if (ev->approval_changed != NULL) {
		const Tandem__V1__ApprovalChanged *a = ev->approval_changed;
		json_object_set_new(o, "measure", json_string(a->measure));
		json_object_set_new(o, "period", json_string(a->period));
		json_object_set_new(o, "level", json_string(a->level));
		json_object_set_new(o, "unit", json_string(a->unit));
		json_object_set_new(o, "action", json_string(a->action));
	}
	if (ev->deviant_new != NULL) {
		const Tandem__V1__DeviantNew *d = ev->deviant_new;
		json_object_set_new(o, "measure", json_string(d->measure));
		json_object_set_new(o, "school", json_string(d->school));
		json_object_set_new(o, "period", json_string(d->period));
	}
	if (ev->pdsa_changed != NULL) {
		const Tandem__V1__PdsaChanged *p = ev->pdsa_changed;
		json_object_set_new(o, "cycle", json_string(p->cycle));
		json_object_set_new(o, "school", json_string(p->school));
		json_object_set_new(o, "measure", json_string(p->measure));
		json_object_set_new(o, "action", json_string(p->action));
		json_object_set_new(o, "status", json_string(p->status));
		json_object_set_new(o, "previous_status",
		                    json_string(p->previous_status));
	}
	char *text = json_dumps(o, JSON_COMPACT);
	if (text != NULL) {
		printf("%s\n", text);
		free(text);
	}
	json_decref(o);
}

static void
print_line(const Tandem__V1__Event *ev)
{
	if (ev->batch_stored != NULL) {
		const Tandem__V1__BatchStored *b = ev->batch_stored;
		char                           n[32];
		snprintf(n, sizeof(n), "%lld", (long long) b->records);
		printf("%-20s  %-12s  %-12s  %s records=%s%s\n", ev->at,
		       ev->topic, b->school[0] ? b->school : "-", b->kind,
		       b->records_suppressed ? "<min_n" : n,
		       b->correction ? " correction" : "");
	} else if (ev->signal_new != NULL) {
		const Tandem__V1__SignalNew *s = ev->signal_new;
		printf("%-20s  %-12s  %-12s  %s %s (%s) %s..%s\n", ev->at,
		       ev->topic, s->unit, s->measure, s->rule, s->rule_set,
		       s->first_period, s->period);
	} else if (ev->approval_changed != NULL) {
		const Tandem__V1__ApprovalChanged *a = ev->approval_changed;
		printf("%-20s  %-12s  %-12s  %s %s %s %s\n", ev->at, ev->topic,
		       a->unit[0] ? a->unit : "network", a->measure, a->period,
		       a->level, a->action);
	} else if (ev->deviant_new != NULL) {
		const Tandem__V1__DeviantNew *d = ev->deviant_new;
		printf("%-20s  %-12s  %-12s  %s %s\n", ev->at, ev->topic,
		       d->school, d->measure, d->period);
	} else if (ev->pdsa_changed != NULL) {
		const Tandem__V1__PdsaChanged *p = ev->pdsa_changed;
		printf("%-20s  %-12s  %-12s  %s %s %s %s%s%s\n", ev->at,
		       ev->topic, p->school[0] ? p->school : "network",
		       p->cycle, p->measure, p->action,
		       p->previous_status[0] ? p->previous_status : "",
		       p->previous_status[0] ? " -> " : "", p->status);
	} else {
		printf("%-20s  %s\n", ev->at, ev->topic);
	}
}

int
cmd_watch(cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "topic", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL, *topic = "";
	long        count = 0;
	int         o;
	opterr = 0;
	optind = 0;
	while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (o) {
		case 'e':
			url = optarg;
			break;
		case 't':
			topic = optarg;
			break;
		case 'n':
			if (cli_parse_count("watch", "--count", optarg, 1,
			                    1000000000L, &count)
			    != 0) {
				return 2;
			}
			break;
		case 'h':
			printf(
			    "usage: tandem watch --events URL [--topic T] "
			    "[--count N]\n\n"
			    "Prints tandemd's events as they are published "
			    "(its --events-listen\nsocket: tcp://, ipc://, "
			    "tls+tcp:// with --tls-ca). --topic keeps\nthe "
			    "events whose topic starts with T (batch.stored, "
			    "signal.new,\napproval.changed, deviant.new, "
			    "pdsa.changed, or a prefix such as batch.);\n"
			    "--count exits after N "
			    "events. --format json prints one JSON object\n"
			    "a line; table and csv print one aligned line a "
			    "event.\n");
			return 0;
		default:
			return cli_option_error("watch", o, argv);
		}
	}
	if (url == NULL) {
		return cli_usage_error("watch", "--events URL is required");
	}
	if (optind < argc) {
		return cli_usage_error("watch", "unexpected argument '%s'",
		                       argv[optind]);
	}
	td_client_opts co = { 0 };
	co.tls_ca         = c->tls_ca;
	td_events *e;
	char       err[TD_ERRMSG_MAX];
	if (td_events_open(&e, url, topic, &co, err) != TD_OK) {
		fprintf(stderr, "tandem: watch: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	long seen = 0;
	int  rv   = 0;
	while (count == 0 || seen < count) {
		Tandem__V1__Event *ev = NULL;
		int                r  = td_events_recv(e, -1, &ev, err);
		if (r == TD_EPROTO) {
			fprintf(stderr, "tandem: watch: %s\n", err);
			continue;
		}
		if (r != TD_OK) {
			fprintf(stderr, "tandem: watch: %s\n", err);
			rv = 1;
			break;
		}
		if (c->format == OUT_JSON) {
			print_json(ev);
		} else {
			print_line(ev);
		}
		tandem__v1__event__free_unpacked(ev, NULL);
		seen++;
	}
	td_events_close(e);
	return rv;
}
