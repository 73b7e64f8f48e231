/* SPDX-License-Identifier: MIT
 * The dispatch table, built from protobuf-c's service descriptors so that
 * Reflection/ListMethods is true by construction; the services layer binds
 * handlers to paths (rpc_methods_init takes them), and a declared method
 * without one is UNIMPLEMENTED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "tandem/v1/admin.pb-c.h"
#include "tandem/v1/analysis.pb-c.h"
#include "tandem/v1/export.pb-c.h"
#include "tandem/v1/health.pb-c.h"
#include "tandem/v1/improvement.pb-c.h"
#include "tandem/v1/ingest.pb-c.h"
#include "tandem/v1/registry.pb-c.h"
#include "tandem/v1/review.pb-c.h"

static const ProtobufCServiceDescriptor *const services[] = {
	&tandem__v1__health__descriptor,
	&tandem__v1__reflection__descriptor,
	&tandem__v1__registry__descriptor,
	&tandem__v1__ingest__descriptor,
	&tandem__v1__analysis__descriptor,
	&tandem__v1__admin__descriptor,
	&tandem__v1__improvement__descriptor,
	&tandem__v1__review__descriptor,
	&tandem__v1__export__descriptor,
};

static rpc_method *table;
static size_t      n_table;

int
rpc_methods_init(const rpc_binding *b, size_t nb)
{
	size_t n = 0;
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++) {
		n += services[s]->n_methods;
	}
	table = calloc(n, sizeof(*table));
	if (table == NULL) {
		return TD_ENOMEM;
	}
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++) {
		const ProtobufCServiceDescriptor *sd = services[s];
		for (unsigned m = 0; m < sd->n_methods; m++) {
			rpc_method *e = &table[n_table++];
			char       *path;
			if (asprintf(&path, "/%s/%s", sd->name,
			             sd->methods[m].name)
			    < 0) {
				return TD_ENOMEM;
			}
			e->path    = path;
			e->desc    = &sd->methods[m];
			e->service = sd;
		}
	}
	for (size_t i = 0; i < nb; i++) {
		rpc_method *e = (rpc_method *) rpc_find(b[i].path);
		if (e == NULL) {
			/* A binding to a path the .proto does not declare is
			 * a build mistake; refuse to start. */
			fprintf(stderr,
			        "tandemd: handler bound to undeclared "
			        "method %s\n",
			        b[i].path);
			return TD_EINTERNAL;
		}
		e->handler = b[i].handler;
		e->roles   = b[i].roles;
		e->open    = b[i].open;
		e->reads   = b[i].reads;
	}
	return TD_OK;
}

int
rpc_methods_bind_fast(const char *path, rpc_handler fast)
{
	rpc_method *e = (rpc_method *) rpc_find(path);
	if (e == NULL || e->handler == NULL) {
		return TD_EINVAL;
	}
	e->fast = fast;
	return TD_OK;
}

const rpc_method *
rpc_methods(size_t *count)
{
	*count = n_table;
	return table;
}

const rpc_method *
rpc_find(const char *path)
{
	for (size_t i = 0; i < n_table; i++) {
		if (strcmp(table[i].path, path) == 0) {
			return &table[i];
		}
	}
	return NULL;
}
