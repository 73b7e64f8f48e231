/* SPDX-License-Identifier: MIT
 * Sample-network generator for `tandem sample`: writes a reproducible,
 * realistic network of schools as CSV files (registry, OneRoster, outcomes,
 * surveys, observations, activities, costs) with planted effects that the
 * analyses are expected to find, for demos, tutorials and tests.
 */
#ifndef TANDEM_CLI_SAMPLE_H
#define TANDEM_CLI_SAMPLE_H

#include <stdint.h>

#include "tandem/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Upper limits on sample_opts (at the limits the files take a few GB). */
#define SAMPLE_MAX_SCHOOLS 20000
#define SAMPLE_MAX_YEARS   20
/* Academic years start on 1 August; the first generated one is 2023-24. */
#define SAMPLE_FIRST_YEAR 2023

typedef struct sample_opts {
	uint64_t seed; /* any value; same seed, same bytes (default 1) */
	int      schools; /* 1..SAMPLE_MAX_SCHOOLS (default 40) */
	int      years; /* academic years, 1..SAMPLE_MAX_YEARS (default 3) */
} sample_opts;

/* sample_opts_init fills opts with the defaults (seed 1, 40 schools,
 * 3 years). */
void sample_opts_init(sample_opts *opts);

/* sample_generate writes the sample network into outdir (created if it
 * does not exist, as is its `oneroster` subfolder; existing files of the
 * same names are overwritten). opts may be NULL for the defaults. The same
 * opts give byte-identical files on the same platform. The list of files,
 * their columns and the planted effects are described in PLANTED.md, which
 * is written alongside. errmsg (TD_ERRMSG_MAX bytes, may be NULL) receives a
 * sentence on failure. Returns 0, TD_EINVAL for bad options, TD_EIO when a
 * file cannot be written, TD_ENOMEM. */
int sample_generate(const sample_opts *opts, const char *outdir, char *errmsg)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_CLI_SAMPLE_H */
