/* SPDX-License-Identifier: MIT
 * The binding of handlers to method paths, with the roles each allows.
 * Health and Reflection are open to everyone.
 */
#include "services.h"

#define ALL_ROLES                                                             \
	(RPC_ROLE_SCHOOL | RPC_ROLE_DISTRICT | RPC_ROLE_COUNCIL               \
	 | RPC_ROLE_EVALUATOR | RPC_ROLE_ADMIN)

static const services_binding bindings[] = {
	{ "/tandem.v1.Health/Check", health_check, ALL_ROLES, true },
	{ "/tandem.v1.Reflection/ListMethods", reflection_list_methods,
	  ALL_ROLES, true },
	{ "/tandem.v1.Admin/Sleep", admin_sleep, RPC_ROLE_ADMIN, false },
};

const services_binding *
services_bindings(size_t *count)
{
	*count = sizeof(bindings) / sizeof(bindings[0]);
	return bindings;
}
