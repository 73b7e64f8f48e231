/* SPDX-License-Identifier: MIT
 * Who is calling: bearer tokens (256 random bits from the OS, stored only
 * as SHA-256 hashes), their roles and scopes, and the check every method
 * goes through before its handler runs.
 */
#ifndef TD_AUTH_H
#define TD_AUTH_H

#include <stdbool.h>

#include "rpc.h"

#define AUTH_TOKEN_LEN 67 /* "td_" + 64 hex digits */

/* auth_new_token makes a token from the OS's random bytes, its hash and a
 * public client id ("cl_" + 12 hex). */
int auth_new_token(char token[AUTH_TOKEN_LEN + 1], unsigned char hash[32],
                   char id[16]) __attribute__((warn_unused_result));
/* auth_role_bit maps "school" … "admin" to RPC_ROLE_*; 0 if unknown. */
int auth_role_bit(const char *role);
/* auth_check authenticates the call's token for method m and checks the
 * role; sets call->who. Returns TD_CODE_OK or the status it set. */
int auth_check(rpc_call *call, const rpc_method *m);

#endif /* TD_AUTH_H */
