/* SPDX-License-Identifier: MIT
 * Random numbers for the sample generator: xoshiro256** seeded through
 * splitmix64, one stream per purpose, plus the few distributions the model
 * draws from (uniform, Bernoulli, normal, truncated normal).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_internal.h"

/* ------------------------------------------------------------------ */
/* Random numbers: xoshiro256** seeded through splitmix64. Every purpose
 * (registry, one school's outcomes, one student's latent traits...) gets
 * its own stream keyed by (seed, stream, sub), so what one file draws
 * never shifts what another file gets. */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
sample_rng_init(rng *r, uint64_t seed, uint64_t stream, uint64_t sub)
{
	uint64_t x = mix64(seed + 0x9e3779b97f4a7c15ULL);
	x          = mix64(x ^ (stream * 0xd1b54a32d192ed03ULL));
	x          = mix64(x ^ (sub + 0x8cb92ba72f3d8dd7ULL));
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		r->s[i] = mix64(x);
	}
	r->has_spare = 0;
	r->spare     = 0.0;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(rng *r)
{
	uint64_t *s      = r->s;
	uint64_t  result = rotl(s[1] * 5, 7) * 9;
	uint64_t  t      = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform on [0, 1). */
double
sample_rng_unif(rng *r)
{
	return (double) (rng_next(r) >> 11) * 0x1.0p-53;
}

double
sample_rng_range(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sample_rng_unif(r);
}

/* Uniform integer in lo..hi inclusive (hi - lo < 2^32). */
int
sample_rng_int(rng *r, int lo, int hi)
{
	uint64_t span = (uint64_t) (hi - lo) + 1;
	return lo + (int) (((rng_next(r) >> 32) * span) >> 32);
}

int
sample_rng_bern(rng *r, double p)
{
	return sample_rng_unif(r) < p;
}

#define TWO_PI 6.283185307179586476925286766559

/* Standard normal by Box-Muller, keeping the second value. */
double
sample_rng_norm(rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	double u1    = 1.0 - sample_rng_unif(r); /* (0, 1]: log is finite */
	double u2    = sample_rng_unif(r);
	double rad   = sqrt(-2.0 * log(u1));
	r->spare     = rad * sin(TWO_PI * u2);
	r->has_spare = 1;
	return rad * cos(TWO_PI * u2);
}

/* Normal truncated to |z| <= lim, by rejection. */
double
sample_rng_trunc_norm(rng *r, double lim)
{
	double z;
	do {
		z = sample_rng_norm(r);
	} while (fabs(z) > lim);
	return z;
}
