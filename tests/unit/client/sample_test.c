/* SPDX-License-Identifier: MIT
 * Tests of the sample-network generator: reproducibility, the shape of
 * every CSV file (read back with an RFC 4180 parser written here, not the
 * generator's writer), and that the planted effects show up in crude
 * computations over the files.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

/* Every file with its exact header line. */
static const struct {
	const char *name;
	const char *header;
} files[] = {
	{ "districts.csv", "district,name" },
	{ "schools.csv",
	  "district,school,name,frl_rate,enrollment,locale,grades" },
	{ "educators.csv", "educator,school,name,role" },
	{ "oneroster/manifest.csv", "propertyName,value" },
	{ "oneroster/orgs.csv",
	  "sourcedId,status,dateLastModified,name,type,identifier,"
	  "parentSourcedId" },
	{ "oneroster/users.csv",
	  "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,"
	  "username,userIds,givenName,familyName,middleName,identifier,email,"
	  "sms,phone,agentSourcedIds,grades,password" },
	{ "measures.csv", "measure,name,unit,direction,target" },
	{ "outcomes.csv",
	  "school,measure,period_start,period_end,value,n,subgroup,sd" },
	{ "survey_climate.csv",
	  "item,construct,min,max,reverse_coded,favourable_at_least,text" },
	{ "survey_teacher.csv",
	  "item,construct,min,max,reverse_coded,favourable_at_least,text" },
	{ "responses_climate.csv",
	  "school,respondent,administered_on,grade,belong_1,belong_2,"
	  "belong_3,belong_4,safety_1,safety_2,safety_3,safety_4,engage_1,"
	  "engage_2,engage_3,engage_4" },
	{ "responses_teacher.csv",
	  "school,respondent,administered_on,grade,collab_1,collab_2,"
	  "collab_3,collab_4,collab_5,collab_6,collab_7,collab_8" },
	{ "administrations.csv", "survey,school,administered_on,invited" },
	{ "rubric_practice.csv", "criterion,min,max,text" },
	{ "observations.csv",
	  "observation,school,observer,observed,rubric,observed_on,"
	  "environment,questioning,feedback,rigor,discourse,notes" },
	{ "annotations.csv", "observation,t_seconds,criterion,note" },
	{ "activities.csv", "activity,kind,name,district" },
	{ "participation.csv",
	  "activity,school,educator,period_start,period_end,hours" },
	{ "costs.csv",
	  "activity,year,ingredient,category,quantity,unit_cost" },
	{ "price_index.csv", "year,index" },
	{ "planted.csv", "kind,code,detail" },
	{ "pdsa.csv",
	  "cycle,school,measure,activity,change_idea,prediction,"
	  "predicted_value,start,end,status,result" },
};
#define N_FILES (sizeof files / sizeof files[0])

/* ------------------------------------------------------------------ */
/* Helpers: temp dirs, whole files, an RFC 4180 reader. */

static void
make_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/td_sample_test_XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static void
remove_tree(const char *dir)
{
	char path[512];
	for (size_t i = 0; i < N_FILES; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/PLANTED.md", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/oneroster", dir);
	rmdir(path);
	rmdir(dir);
}

static char *
slurp(const char *dir, const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t) n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t) n;
	return buf;
}

typedef struct table {
	char  **field; /* all fields, row after row */
	size_t  nfield, capfield;
	size_t *row0; /* first field of each row */
	size_t *ncol;
	size_t  nrow, caprow;
} table;

static void
push_field(table *t, const char *s, size_t n)
{
	if (t->nfield == t->capfield) {
		t->capfield = t->capfield ? 2 * t->capfield : 1024;
		t->field = realloc(t->field, t->capfield * sizeof *t->field);
		assert_non_null(t->field);
	}
	char *c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, s, n);
	c[n]                  = '\0';
	t->field[t->nfield++] = c;
	t->ncol[t->nrow]++;
}

static void
start_row(table *t)
{
	if (t->nrow + 1 >= t->caprow) {
		t->caprow = t->caprow ? 2 * t->caprow : 256;
		t->row0   = realloc(t->row0, t->caprow * sizeof *t->row0);
		t->ncol   = realloc(t->ncol, t->caprow * sizeof *t->ncol);
		assert_non_null(t->row0);
		assert_non_null(t->ncol);
	}
	t->row0[t->nrow] = t->nfield;
	t->ncol[t->nrow] = 0;
}

/* Parses RFC 4180 with '\n' line ends. Returns 0, or -1 if a quote is
 * misplaced, a quoted field is unterminated, a CR appears, or the last
 * line lacks its '\n'. */
static int
parse_csv(const char *s, size_t len, table *t)
{
	memset(t, 0, sizeof *t);
	char  *fb = malloc(len + 1);
	size_t fl = 0, i = 0;
	assert_non_null(fb);
	if (len == 0 || s[len - 1] != '\n') {
		free(fb);
		return -1;
	}
	while (i < len) {
		start_row(t);
		for (;;) {
			fl = 0;
			if (s[i] == '"') {
				i++;
				for (;;) {
					if (i >= len) {
						free(fb);
						return -1;
					}
					if (s[i] == '"') {
						if (i + 1 < len
						    && s[i + 1] == '"') {
							fb[fl++] = '"';
							i += 2;
							continue;
						}
						i++;
						break;
					}
					fb[fl++] = s[i++];
				}
				if (s[i] != ',' && s[i] != '\n') {
					free(fb);
					return -1;
				}
			} else {
				while (s[i] != ',' && s[i] != '\n') {
					if (s[i] == '"' || s[i] == '\r') {
						free(fb);
						return -1;
					}
					fb[fl++] = s[i++];
				}
			}
			push_field(t, fb, fl);
			if (s[i++] == '\n') {
				break;
			}
		}
		t->nrow++;
	}
	free(fb);
	return 0;
}

static void
table_free(table *t)
{
	for (size_t i = 0; i < t->nfield; i++) {
		free(t->field[i]);
	}
	free(t->field);
	free(t->row0);
	free(t->ncol);
}

static const char *
cell(const table *t, size_t row, size_t col)
{
	assert_true(row < t->nrow);
	assert_true(col < t->ncol[row]);
	return t->field[t->row0[row] + col];
}

static size_t
col_of(const table *t, const char *name)
{
	for (size_t c = 0; c < t->ncol[0]; c++) {
		if (strcmp(cell(t, 0, c), name) == 0) {
			return c;
		}
	}
	fail_msg("no column %s", name);
	return 0;
}

static void
load(const char *dir, const char *name, table *t)
{
	size_t len;
	char  *buf = slurp(dir, name, &len);
	assert_non_null(buf);
	assert_int_equal(parse_csv(buf, len, t), 0);
	free(buf);
}

static void
generate(const char *dir, uint64_t seed, int schools, int years)
{
	sample_opts o;
	char        err[TD_ERRMSG_MAX];
	sample_opts_init(&o);
	o.seed    = seed;
	o.schools = schools;
	o.years   = years;
	int rv    = sample_generate(&o, dir, err);
	if (rv != 0) {
		fail_msg("sample_generate: %d %s", rv, err);
	}
}

/* Academic year (start year) of an ISO date. */
static int
acad_year(const char *date)
{
	int y = atoi(date), m = atoi(date + 5);
	return m >= 8 ? y : y - 1;
}

static int
valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int k = s[i] < 0x80         ? 0
		    : (s[i] & 0xE0) == 0xC0 ? 1
		    : (s[i] & 0xF0) == 0xE0 ? 2
		    : (s[i] & 0xF8) == 0xF0 ? 3
		                            : -1;
		if (k < 0 || i + (size_t) k >= n) {
			return 0;
		}
		for (int j = 1; j <= k; j++) {
			if ((s[i + (size_t) j] & 0xC0) != 0x80) {
				return 0;
			}
		}
		i += (size_t) k + 1;
	}
	return 1;
}

/* ------------------------------------------------------------------ */

static void
test_same_seed_gives_identical_bytes(void **state)
{
	(void) state;
	char a[64], b[64];
	make_tmpdir(a, sizeof a);
	make_tmpdir(b, sizeof b);
	generate(a, 7, 40, 3);
	generate(b, 7, 40, 3);
	for (size_t i = 0; i < N_FILES; i++) {
		size_t la, lb;
		char  *x = slurp(a, files[i].name, &la);
		char  *y = slurp(b, files[i].name, &lb);
		assert_non_null(x);
		assert_non_null(y);
		assert_int_equal(la, lb);
		assert_memory_equal(x, y, la);
		free(x);
		free(y);
	}
	remove_tree(a);
	remove_tree(b);
}

static void
test_different_seed_gives_different_files(void **state)
{
	(void) state;
	static const char *const which[]
	    = { "schools.csv", "outcomes.csv", "responses_climate.csv",
		"observations.csv" };
	char a[64], b[64];
	make_tmpdir(a, sizeof a);
	make_tmpdir(b, sizeof b);
	generate(a, 1, 40, 3);
	generate(b, 2, 40, 3);
	for (size_t i = 0; i < 4; i++) {
		size_t la, lb;
		char  *x = slurp(a, which[i], &la);
		char  *y = slurp(b, which[i], &lb);
		assert_true(la != lb || memcmp(x, y, la) != 0);
		free(x);
		free(y);
	}
	remove_tree(a);
	remove_tree(b);
}

static void
test_every_file_has_header_and_column_count(void **state)
{
	(void) state;
	char d[64];
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	for (size_t i = 0; i < N_FILES; i++) {
		size_t len;
		table  t;
		char  *buf = slurp(d, files[i].name, &len);
		assert_non_null(buf);
		size_t hl = strlen(files[i].header);
		/* exact header line, no BOM */
		assert_true(len > hl);
		assert_memory_equal(buf, files[i].header, hl);
		assert_int_equal(buf[hl], '\n');
		assert_true(valid_utf8((const unsigned char *) buf, len));
		if (parse_csv(buf, len, &t) != 0) {
			fail_msg("%s is not RFC 4180 CSV", files[i].name);
		}
		assert_true(t.nrow >= 2);
		for (size_t r = 1; r < t.nrow; r++) {
			if (t.ncol[r] != t.ncol[0]) {
				fail_msg(
				    "%s row %zu has %zu columns, header %zu",
				    files[i].name, r + 1, t.ncol[r],
				    t.ncol[0]);
			}
		}
		table_free(&t);
		free(buf);
	}
	size_t len;
	char  *md = slurp(d, "PLANTED.md", &len);
	assert_non_null(md);
	assert_non_null(strstr(md, "Positive deviants"));
	free(md);
	remove_tree(d);
}

static void
test_registry_values_in_range(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	generate(d, 3, 40, 3);

	load(d, "districts.csv", &t);
	assert_true(t.nrow - 1 >= 4 && t.nrow - 1 <= 6);
	assert_string_equal(cell(&t, 1, 0), "D01");
	table_free(&t);

	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow - 1, 40);
	assert_string_equal(cell(&t, 1, 1), "S001");
	for (size_t r = 1; r < t.nrow; r++) {
		double frl = atof(cell(&t, r, 3));
		int    en  = atoi(cell(&t, r, 4));
		assert_true(frl >= 0.0 && frl <= 1.0);
		assert_int_equal(strlen(strchr(cell(&t, r, 3), '.') + 1), 3);
		/* 150..2500, but for the very small (40..90) and very
		 * large (3000..4500) schools of the size plant */
		assert_true((en >= 150 && en <= 2500) || (en >= 40 && en <= 90)
		            || (en >= 3000 && en <= 4500));
		const char *loc = cell(&t, r, 5);
		assert_true(
		    strcmp(loc, "city") == 0 || strcmp(loc, "suburb") == 0
		    || strcmp(loc, "town") == 0 || strcmp(loc, "rural") == 0);
		const char *g = cell(&t, r, 6);
		assert_true(strcmp(g, "K-5") == 0 || strcmp(g, "6-8") == 0
		            || strcmp(g, "9-12") == 0);
	}
	table_free(&t);

	/* 8..15 educators per school, every school has a principal */
	load(d, "educators.csv", &t);
	int per[41] = { 0 }, principals[41] = { 0 };
	for (size_t r = 1; r < t.nrow; r++) {
		int s = atoi(cell(&t, r, 1) + 1);
		assert_true(s >= 1 && s <= 40);
		per[s]++;
		principals[s] += strcmp(cell(&t, r, 3), "principal") == 0;
	}
	for (int s = 1; s <= 40; s++) {
		assert_true(per[s] >= 8 && per[s] <= 15);
		assert_int_equal(principals[s], 1);
	}
	assert_string_equal(cell(&t, 1, 0), "E0001");
	table_free(&t);

	/* OneRoster: bulk manifest, orgs for districts and schools, users
	 * for every educator plus a few students */
	load(d, "oneroster/manifest.csv", &t);
	int seen = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		const char *k = cell(&t, r, 0), *v = cell(&t, r, 1);
		seen
		    += strcmp(k, "manifest.version") == 0 && !strcmp(v, "1.0");
		seen += strcmp(k, "oneroster.version") == 0
		    && !strcmp(v, "1.1");
		seen += strcmp(k, "file.orgs") == 0 && !strcmp(v, "bulk");
		seen += strcmp(k, "file.users") == 0 && !strcmp(v, "bulk");
		if (strncmp(k, "file.", 5) == 0 && strcmp(k, "file.orgs")
		    && strcmp(k, "file.users")) {
			assert_string_equal(v, "absent");
		}
	}
	assert_int_equal(seen, 4);
	table_free(&t);
	load(d, "oneroster/users.csv", &t);
	int students = 0, staff = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		students += strcmp(cell(&t, r, 5), "student") == 0;
		staff += strcmp(cell(&t, r, 5), "teacher") == 0
		    || strcmp(cell(&t, r, 5), "administrator") == 0;
	}
	assert_true(students >= 1 && students <= 20);
	int n_edu = 0;
	for (int s = 1; s <= 40; s++) {
		n_edu += per[s];
	}
	assert_int_equal(staff, n_edu);
	table_free(&t);
	load(d, "oneroster/orgs.csv", &t);
	int n_school_orgs = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		n_school_orgs += strcmp(cell(&t, r, 4), "school") == 0;
	}
	assert_int_equal(n_school_orgs, 40);
	table_free(&t);

	/* measures, activities (one per kind), survey instruments */
	load(d, "measures.csv", &t);
	static const char *const need[]
	    = { "ela_scale", "attendance", "chronic_absence", "retention" };
	for (int k = 0; k < 4; k++) {
		int found = 0;
		for (size_t r = 1; r < t.nrow; r++) {
			found |= strcmp(cell(&t, r, 0), need[k]) == 0;
		}
		assert_true(found);
	}
	table_free(&t);
	load(d, "activities.csv", &t);
	static const char *const kinds[]
	    = { "coaching",          "plc",
		"nic_convening",     "leadership_academy",
		"video_observation", "workshop" };
	for (int k = 0; k < 6; k++) {
		int found = 0;
		for (size_t r = 1; r < t.nrow; r++) {
			found |= strcmp(cell(&t, r, 1), kinds[k]) == 0;
		}
		assert_true(found);
	}
	table_free(&t);
	load(d, "survey_climate.csv", &t);
	int rev = 0;
	assert_int_equal(t.nrow - 1, 12);
	for (size_t r = 1; r < t.nrow; r++) {
		rev += strcmp(cell(&t, r, 4), "true") == 0;
		assert_string_equal(cell(&t, r, 5), "4");
	}
	assert_true(rev >= 2 && rev <= 3);
	table_free(&t);
	load(d, "survey_teacher.csv", &t);
	assert_int_equal(t.nrow - 1, 8);
	assert_string_equal(cell(&t, 1, 3), "4");
	table_free(&t);
	remove_tree(d);
}

static void
test_outcome_periods_and_suppressible_subgroups(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "outcomes.csv", &t);
	int small = 0, frl = 0, ell = 0, retention = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		const char *m = cell(&t, r, 1), *ps = cell(&t, r, 2),
		           *pe = cell(&t, r, 3), *sg = cell(&t, r, 6);
		int n = atoi(cell(&t, r, 5));
		assert_true(n >= 1);
		if (strcmp(m, "retention") == 0) {
			/* yearly: 1 Aug .. 31 Jul */
			assert_memory_equal(ps + 4, "-08-01", 6);
			assert_memory_equal(pe + 4, "-07-31", 6);
			assert_int_equal(atoi(pe), atoi(ps) + 1);
			retention++;
			continue;
		}
		/* monthly Sep..Jun, first to last day of the month */
		int mon = atoi(ps + 5);
		assert_true(mon >= 9 || mon <= 6);
		assert_memory_equal(ps + 7, "-01", 3);
		assert_memory_equal(pe, ps, 8);
		int last = atoi(pe + 8);
		assert_true(last >= 28 && last <= 31);
		if (mon == 2 && atoi(ps) == 2024) {
			assert_int_equal(last, 29); /* leap year */
		}
		frl += strcmp(sg, "frl") == 0;
		ell += strcmp(sg, "ell") == 0;
		if (*sg != '\0') {
			assert_string_equal(m, "ela_scale");
			small += n < 10;
		}
	}
	assert_int_equal(retention, 40 * 3);
	assert_true(frl > 0 && ell > 0);
	assert_true(small > 0); /* so suppression has something to do */
	table_free(&t);
	remove_tree(d);
}

/* Mean change of ela_scale (all students) from year 1 to later years, for
 * schools in `part` minus the others, in units of the between-school SD
 * of year-1 means. */
static double
did_in_sd(const table *o, const int *part, int ns)
{
	double pre[2001] = { 0 }, post[2001] = { 0 };
	int    npre[2001] = { 0 }, npost[2001] = { 0 };
	for (size_t r = 1; r < o->nrow; r++) {
		if (strcmp(cell(o, r, 1), "ela_scale") != 0
		    || cell(o, r, 6)[0] != '\0') {
			continue;
		}
		int    s = atoi(cell(o, r, 0) + 1);
		double v = atof(cell(o, r, 4));
		if (acad_year(cell(o, r, 2)) == 2023) {
			pre[s] += v;
			npre[s]++;
		} else {
			post[s] += v;
			npost[s]++;
		}
	}
	double sum_in = 0, sum_out = 0, m = 0, ss = 0;
	int    n_in = 0, n_out = 0;
	for (int s = 1; s <= ns; s++) {
		pre[s] /= npre[s];
		post[s] /= npost[s];
		m += pre[s] / ns;
		if (part[s]) {
			sum_in += post[s] - pre[s];
			n_in++;
		} else {
			sum_out += post[s] - pre[s];
			n_out++;
		}
	}
	for (int s = 1; s <= ns; s++) {
		ss += (pre[s] - m) * (pre[s] - m);
	}
	assert_true(n_in > 0 && n_out > 0);
	return (sum_in / n_in - sum_out / n_out) / sqrt(ss / (ns - 1));
}

static void
participants(const char *dir, const char *kind, int *part, double *hours)
{
	table a, p;
	char  code[16] = "";
	load(dir, "activities.csv", &a);
	for (size_t r = 1; r < a.nrow; r++) {
		if (strcmp(cell(&a, r, 1), kind) == 0) {
			snprintf(code, sizeof code, "%s", cell(&a, r, 0));
		}
	}
	assert_true(code[0] != '\0');
	load(dir, "participation.csv", &p);
	for (size_t r = 1; r < p.nrow; r++) {
		if (strcmp(cell(&p, r, 0), code) == 0) {
			int s   = atoi(cell(&p, r, 1) + 1);
			part[s] = 1;
			if (hours != NULL) {
				hours[s] += atof(cell(&p, r, 5));
			}
		}
	}
	table_free(&a);
	table_free(&p);
}

static void
test_planted_activity_effect_visible(void **state)
{
	(void) state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		char   d[64];
		table  o;
		int    coach[41] = { 0 }, shop[41] = { 0 };
		double hours[41] = { 0 };
		make_tmpdir(d, sizeof d);
		generate(d, seed, 40, 3);
		load(d, "outcomes.csv", &o);
		participants(d, "coaching", coach, hours);
		participants(d, "workshop", shop, NULL);
		double g_coach = did_in_sd(&o, coach, 40);
		double g_shop  = did_in_sd(&o, shop, 40);
		/* planted: +0.4 SD for coaching, 0 for the workshop */
		if (!(g_coach > 0.25 && g_coach < 0.6)) {
			fail_msg("seed %d: coaching %.3f SD", (int) seed,
			         g_coach);
		}
		if (!(fabs(g_shop) < 0.2)) {
			fail_msg("seed %d: workshop %.3f SD", (int) seed,
			         g_shop);
		}

		/* dose-response: among coached schools, more hours, more
		 * gain (positive correlation of hours with the change) */
		double pre[41] = { 0 }, post[41] = { 0 };
		int    npre[41] = { 0 }, npost[41] = { 0 };
		for (size_t r = 1; r < o.nrow; r++) {
			if (strcmp(cell(&o, r, 1), "ela_scale") != 0
			    || cell(&o, r, 6)[0] != '\0') {
				continue;
			}
			int s = atoi(cell(&o, r, 0) + 1);
			if (acad_year(cell(&o, r, 2)) == 2023) {
				pre[s] += atof(cell(&o, r, 4));
				npre[s]++;
			} else {
				post[s] += atof(cell(&o, r, 4));
				npost[s]++;
			}
		}
		double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
		int    n = 0;
		for (int s = 1; s <= 40; s++) {
			if (coach[s]) {
				mx += hours[s];
				my += post[s] / npost[s] - pre[s] / npre[s];
				n++;
			}
		}
		mx /= n;
		my /= n;
		for (int s = 1; s <= 40; s++) {
			if (coach[s]) {
				double dx = hours[s] - mx;
				double dy = post[s] / npost[s]
				    - pre[s] / npre[s] - my;
				sxy += dx * dy;
				sxx += dx * dx;
				syy += dy * dy;
			}
		}
		assert_true(sxy / sqrt(sxx * syy) > 0.2);
		table_free(&o);
		remove_tree(d);
	}
}

/* The size plant: 3 very small and 3 very large schools out of 40, as
 * planted.csv names them, none among the positive deviants; the funnel
 * outlier is one of the large ones, with far more chronic absence than
 * the network in every year. */
static void
test_planted_school_sizes(void **state)
{
	(void) state;
	char  d[64];
	table o, p, s;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "outcomes.csv", &o);
	load(d, "planted.csv", &p);
	load(d, "schools.csv", &s);
	int en[41] = { 0 }, kind[41] = { 0 }, small = 0, large = 0;
	int funnel = 0;
	for (size_t r = 1; r < s.nrow; r++) {
		en[atoi(cell(&s, r, 1) + 1)] = atoi(cell(&s, r, 4));
	}
	for (size_t r = 1; r < p.nrow; r++) {
		const char *k = cell(&p, r, 0);
		int         i = atoi(cell(&p, r, 1) + 1);
		if (strcmp(k, "small_school") == 0) {
			assert_true(en[i] >= 40 && en[i] <= 90);
			assert_int_equal(kind[i], 0);
			kind[i] = 1;
			small++;
		} else if (strcmp(k, "large_school") == 0) {
			assert_true(en[i] >= 3000 && en[i] <= 4500);
			assert_int_equal(kind[i], 0);
			kind[i] = 2;
			large++;
		} else if (strcmp(k, "funnel_outlier") == 0) {
			funnel = i;
		}
	}
	for (size_t r = 1; r < p.nrow; r++) {
		if (strcmp(cell(&p, r, 0), "positive_deviant") == 0) {
			assert_int_equal(kind[atoi(cell(&p, r, 1) + 1)], 0);
		}
	}
	assert_int_equal(small, 3);
	assert_int_equal(large, 3);
	assert_int_equal(kind[funnel], 2);
	for (int i = 1; i <= 40; i++) {
		assert_true(kind[i] != 0 || (en[i] >= 150 && en[i] <= 2500));
	}
	/* yearly chronic absence: the funnel school > 10 points above the
	 * mean of the other schools */
	double sum[3] = { 0 }, fs[3] = { 0 };
	int    cnt[3] = { 0 }, fc[3] = { 0 };
	for (size_t r = 1; r < o.nrow; r++) {
		if (strcmp(cell(&o, r, 1), "chronic_absence") != 0) {
			continue;
		}
		double v = atof(cell(&o, r, 4));
		int    y = acad_year(cell(&o, r, 2)) - 2023;
		if (atoi(cell(&o, r, 0) + 1) == funnel) {
			fs[y] += v;
			fc[y]++;
		} else {
			sum[y] += v;
			cnt[y]++;
		}
	}
	for (int y = 0; y < 3; y++) {
		assert_true(fc[y] > 0);
		assert_true(fs[y] / fc[y] - sum[y] / cnt[y] > 10.0);
	}
	table_free(&o);
	table_free(&p);
	table_free(&s);
	remove_tree(d);
}

static void
test_planted_shift_outlier_and_deviants(void **state)
{
	(void) state;
	char  d[64];
	table o, p, s;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "outcomes.csv", &o);
	load(d, "planted.csv", &p);
	load(d, "schools.csv", &s);

	/* level shift: network mean attendance, screened of the typo */
	double sum[3] = { 0 };
	int    cnt[3] = { 0 };
	for (size_t r = 1; r < o.nrow; r++) {
		double v = atof(cell(&o, r, 4));
		if (strcmp(cell(&o, r, 1), "attendance") == 0 && v > 50.0) {
			int y = acad_year(cell(&o, r, 2)) - 2023;
			sum[y] += v;
			cnt[y]++;
		}
	}
	assert_true(sum[1] / cnt[1] - sum[0] / cnt[0] > 1.0);

	/* the mistyped value is in outcomes.csv where planted.csv says */
	int outliers = 0, deviants = 0, pd[41] = { 0 };
	for (size_t r = 1; r < p.nrow; r++) {
		const char *k = cell(&p, r, 0);
		if (strcmp(k, "outlier") == 0) {
			const char *school = cell(&p, r, 1);
			const char *date
			    = strstr(cell(&p, r, 2), "attendance ") + 11;
			int hit = 0;
			for (size_t q = 1; q < o.nrow; q++) {
				hit += strcmp(cell(&o, q, 0), school) == 0
				    && strcmp(cell(&o, q, 1), "attendance")
				        == 0
				    && strncmp(cell(&o, q, 2), date, 10) == 0
				    && atof(cell(&o, q, 4)) < 20.0;
			}
			assert_int_equal(hit, 1);
			outliers++;
		}
		if (strcmp(k, "positive_deviant") == 0) {
			pd[atoi(cell(&p, r, 1) + 1)] = 1;
			deviants++;
		}
	}
	assert_int_equal(outliers, 1);
	assert_int_equal(deviants, 3);

	/* deviants beat a crude frl-only prediction of their first-year
	 * mean by more than one residual SD */
	double y[41] = { 0 }, x[41] = { 0 };
	int    ny[41] = { 0 };
	for (size_t r = 1; r < o.nrow; r++) {
		if (strcmp(cell(&o, r, 1), "ela_scale") == 0
		    && cell(&o, r, 6)[0] == '\0'
		    && acad_year(cell(&o, r, 2)) == 2023) {
			int k = atoi(cell(&o, r, 0) + 1);
			y[k] += atof(cell(&o, r, 4));
			ny[k]++;
		}
	}
	for (size_t r = 1; r < s.nrow; r++) {
		x[atoi(cell(&s, r, 1) + 1)] = atof(cell(&s, r, 3));
	}
	double mx = 0, my = 0, sxy = 0, sxx = 0, sse = 0;
	for (int k = 1; k <= 40; k++) {
		y[k] /= ny[k];
		mx += x[k] / 40;
		my += y[k] / 40;
	}
	for (int k = 1; k <= 40; k++) {
		sxy += (x[k] - mx) * (y[k] - my);
		sxx += (x[k] - mx) * (x[k] - mx);
	}
	double b = sxy / sxx, a = my - b * mx;
	for (int k = 1; k <= 40; k++) {
		double e = y[k] - a - b * x[k];
		sse += e * e;
	}
	double sd = sqrt(sse / 38);
	assert_true(b < 0); /* context matters: more FRL, lower scores */
	for (int k = 1; k <= 40; k++) {
		if (pd[k]) {
			assert_true(y[k] - a - b * x[k] > sd);
		}
	}
	table_free(&o);
	table_free(&p);
	table_free(&s);
	remove_tree(d);
}

static double
corr(const double *x, const double *y, int n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
	for (int i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (int i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxy / sqrt(sxx * syy);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void
test_survey_responses_realistic(void **state)
{
	(void) state;
	char  d[64];
	table r, a;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "responses_climate.csv", &r);
	load(d, "administrations.csv", &a);

	/* 20..80 respondents per school and administration, fewer than
	 * invited */
	for (size_t k = 1; k < a.nrow; k++) {
		if (strcmp(cell(&a, k, 0), "climate") != 0) {
			continue;
		}
		int n = 0;
		for (size_t q = 1; q < r.nrow; q++) {
			n += strcmp(cell(&r, q, 0), cell(&a, k, 1)) == 0
			    && strcmp(cell(&r, q, 2), cell(&a, k, 2)) == 0;
		}
		assert_true(n >= 20 && n <= 80);
		assert_true(n < atoi(cell(&a, k, 3)));
	}

	/* ids in the documented form, some seen more than once */
	size_t rows = r.nrow - 1, empty = 0, cells = 0;
	assert_memory_equal(cell(&r, 1, 1), "STU-S001-", 9);
	const char **ids = calloc(rows, sizeof *ids);
	assert_non_null(ids);
	for (size_t q = 1; q < r.nrow; q++) {
		ids[q - 1] = cell(&r, q, 1);
	}
	qsort(ids, rows, sizeof *ids, cmp_str);
	size_t repeats = 0;
	for (size_t q = 1; q < rows; q++) {
		repeats += strcmp(ids[q], ids[q - 1]) == 0;
	}
	assert_true(repeats > rows / 4); /* longitudinal linking possible */
	free(ids);

	/* ~3% empty cells; reverse-coded items really reversed */
	double *b1 = calloc(rows, sizeof *b1), *b2 = calloc(rows, sizeof *b2),
	       *b4 = calloc(rows, sizeof *b4);
	int    m   = 0;
	size_t c1 = col_of(&r, "belong_1"), c2 = col_of(&r, "belong_2"),
	       c4 = col_of(&r, "belong_4");
	for (size_t q = 1; q < r.nrow; q++) {
		for (size_t c = 4; c < 16; c++) {
			const char *v = cell(&r, q, c);
			cells++;
			if (*v == '\0') {
				empty++;
			} else {
				assert_true(atoi(v) >= 1 && atoi(v) <= 5);
			}
		}
		if (*cell(&r, q, c1) && *cell(&r, q, c2) && *cell(&r, q, c4)) {
			b1[m] = atof(cell(&r, q, c1));
			b2[m] = atof(cell(&r, q, c2));
			b4[m] = atof(cell(&r, q, c4));
			m++;
		}
	}
	double rate = (double) empty / (double) cells;
	assert_true(rate > 0.015 && rate < 0.05);
	assert_true(corr(b1, b2, m) > 0.3);
	assert_true(corr(b1, b4, m) < -0.3);
	free(b1);
	free(b2);
	free(b4);
	table_free(&r);
	table_free(&a);

	/* teacher respondents T-..., grade empty, values 1..4 */
	load(d, "responses_teacher.csv", &r);
	for (size_t q = 1; q < r.nrow; q++) {
		assert_memory_equal(cell(&r, q, 1), "T-", 2);
		assert_string_equal(cell(&r, q, 3), "");
		for (size_t c = 4; c < 12; c++) {
			const char *v = cell(&r, q, c);
			assert_true(*v == '\0'
			            || (atoi(v) >= 1 && atoi(v) <= 4));
		}
	}
	table_free(&r);
	remove_tree(d);
}

static void
test_double_scored_observations_agree_realistically(void **state)
{
	(void) state;
	char  d[64];
	table o;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "observations.csv", &o);
	size_t codes = 0, doubles = 0, pairs = 0, exact = 0, adjacent = 0;
	int    quoted_note = 0;
	for (size_t q = 1; q < o.nrow; q++) {
		const char *note = cell(&o, q, 11);
		quoted_note |= strchr(note, '"') != NULL;
		if (q > 1 && strcmp(cell(&o, q, 0), cell(&o, q - 1, 0)) == 0) {
			/* second scorer: same lesson, different observer */
			doubles++;
			assert_string_equal(cell(&o, q, 1),
			                    cell(&o, q - 1, 1));
			assert_string_equal(cell(&o, q, 3),
			                    cell(&o, q - 1, 3));
			assert_string_equal(cell(&o, q, 5),
			                    cell(&o, q - 1, 5));
			assert_string_not_equal(cell(&o, q, 2),
			                        cell(&o, q - 1, 2));
			for (size_t c = 6; c < 11; c++) {
				int x = atoi(cell(&o, q, c)),
				    y = atoi(cell(&o, q - 1, c));
				pairs++;
				exact += x == y;
				adjacent += abs(x - y) <= 1;
			}
		} else {
			codes++;
		}
		for (size_t c = 6; c < 11; c++) {
			int v = atoi(cell(&o, q, c));
			assert_true(v >= 1 && v <= 4);
		}
	}
	double share = (double) doubles / (double) codes;
	assert_true(share > 0.12 && share < 0.28);
	/* mostly equal or +-1, but not always equal */
	assert_true((double) exact / pairs > 0.4);
	assert_true((double) exact / pairs < 0.9);
	assert_true((double) adjacent / pairs > 0.9);
	assert_true(quoted_note);
	table_free(&o);
	remove_tree(d);
}

static void
test_rejects_bad_options(void **state)
{
	(void) state;
	sample_opts o;
	char        err[TD_ERRMSG_MAX];
	char        d[64];
	make_tmpdir(d, sizeof d);

	sample_opts_init(&o);
	o.schools = 0;
	assert_int_equal(sample_generate(&o, d, err), TD_EINVAL);
	assert_non_null(strstr(err, "schools 0"));

	sample_opts_init(&o);
	o.years = SAMPLE_MAX_YEARS + 1;
	assert_int_equal(sample_generate(&o, d, err), TD_EINVAL);
	assert_non_null(strstr(err, "years"));

	sample_opts_init(&o);
	o.schools = SAMPLE_MAX_SCHOOLS + 1;
	assert_int_equal(sample_generate(&o, d, NULL), TD_EINVAL);

	assert_int_equal(sample_generate(&o, "", err), TD_EINVAL);
	assert_int_equal(sample_generate(NULL, NULL, err), TD_EINVAL);

	assert_int_equal(sample_generate(NULL, "/nonexistent/dir/x", err),
	                 TD_EIO);
	assert_non_null(strstr(err, "/nonexistent/dir/x"));
	remove_tree(d);
}

static void
test_tiny_network_works(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	generate(d, 5, 1, 1);
	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow, 2);
	table_free(&t);
	load(d, "districts.csv", &t);
	assert_int_equal(t.nrow, 2); /* never more districts than schools */
	table_free(&t);
	load(d, "planted.csv", &t);
	for (size_t r = 1; r < t.nrow; r++) {
		/* no deviants among fewer than 4 schools, no shift in 1 year
		 */
		assert_string_not_equal(cell(&t, r, 0), "positive_deviant");
		assert_string_not_equal(cell(&t, r, 0), "level_shift");
	}
	table_free(&t);
	remove_tree(d);
}

static void
test_defaults_when_opts_null(void **state)
{
	(void) state;
	char  d[64], err[TD_ERRMSG_MAX];
	table t;
	make_tmpdir(d, sizeof d);
	assert_int_equal(sample_generate(NULL, d, err), 0);
	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow - 1, 40);
	table_free(&t);
	load(d, "price_index.csv", &t);
	assert_int_equal(t.nrow - 1, 3);
	assert_string_equal(cell(&t, 1, 0), "2023");
	assert_string_equal(cell(&t, 1, 1), "100.0");
	table_free(&t);
	remove_tree(d);
}

static void
test_large_network_in_seconds(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	time_t t0 = time(NULL);
	generate(d, 11, 2000, 2);
	assert_true(time(NULL) - t0 < 60);
	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow - 1, 2000);
	assert_string_equal(cell(&t, 1, 1), "S0001");
	assert_string_equal(cell(&t, 2000, 1), "S2000");
	table_free(&t);
	size_t len;
	char  *obs = slurp(d, "observations.csv", &len);
	assert_non_null(obs);
	assert_true(len > 1000000);
	free(obs);
	remove_tree(d);
}

/* The improvement plants: the isolated schools take part in nothing,
 * the deviants' observations score higher on the planted criterion only,
 * and pdsa.csv holds the network cycle planted.csv names. */
static void
test_planted_isolation_practice_and_cycles(void **state)
{
	(void) state;
	char  d[64];
	table p, part, obs, cyc;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "planted.csv", &p);
	load(d, "participation.csv", &part);
	load(d, "observations.csv", &obs);
	load(d, "pdsa.csv", &cyc);
	int  iso[41] = { 0 }, pd[41] = { 0 }, n_iso = 0;
	char crit[32] = "", cycle[32] = "";
	for (size_t r = 1; r < p.nrow; r++) {
		const char *k = cell(&p, r, 0);
		if (strcmp(k, "isolated_school") == 0) {
			iso[atoi(cell(&p, r, 1) + 1)] = 1;
			n_iso++;
		} else if (strcmp(k, "positive_deviant") == 0) {
			pd[atoi(cell(&p, r, 1) + 1)] = 1;
		} else if (strcmp(k, "deviant_practice") == 0) {
			snprintf(crit, sizeof crit, "%s", cell(&p, r, 1));
		} else if (strcmp(k, "pdsa_signal") == 0) {
			snprintf(cycle, sizeof cycle, "%s", cell(&p, r, 1));
		}
	}
	assert_int_equal(n_iso, 2);
	assert_string_equal(crit, "questioning");
	for (size_t r = 1; r < part.nrow; r++) {
		assert_false(iso[atoi(cell(&part, r, 1) + 1)]);
	}
	/* mean score per criterion column (6..10), deviants vs the rest */
	double sum[2][5] = { { 0 } };
	int    n[2]      = { 0 };
	for (size_t r = 1; r < obs.nrow; r++) {
		int side = pd[atoi(cell(&obs, r, 1) + 1)];
		n[side]++;
		for (int j = 0; j < 5; j++) {
			sum[side][j] += atof(cell(&obs, r, 6 + (size_t) j));
		}
	}
	for (int j = 0; j < 5; j++) {
		double diff = sum[1][j] / n[1] - sum[0][j] / n[0];
		if (strcmp(cell(&obs, 0, 6 + (size_t) j), crit) == 0) {
			assert_true(diff > 0.5);
		} else {
			assert_true(fabs(diff) < 0.3);
		}
	}
	/* the cycle is the network's, on attendance, from 2024-09-01 */
	bool found = false;
	for (size_t r = 1; r < cyc.nrow; r++) {
		const char *school = cell(&cyc, r, 1);
		if (strcmp(cell(&cyc, r, 0), cycle) == 0) {
			found = true;
			assert_string_equal(school, "");
			assert_string_equal(cell(&cyc, r, 2), "attendance");
			assert_string_equal(cell(&cyc, r, 7), "2024-09-01");
		} else if (school[0] != '\0') {
			assert_false(iso[atoi(school + 1)]);
		}
	}
	assert_true(found);
	table_free(&p);
	table_free(&part);
	table_free(&obs);
	table_free(&cyc);
	remove_tree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_gives_identical_bytes),
		cmocka_unit_test(test_different_seed_gives_different_files),
		cmocka_unit_test(test_every_file_has_header_and_column_count),
		cmocka_unit_test(test_registry_values_in_range),
		cmocka_unit_test(
		    test_outcome_periods_and_suppressible_subgroups),
		cmocka_unit_test(test_planted_activity_effect_visible),
		cmocka_unit_test(test_planted_shift_outlier_and_deviants),
		cmocka_unit_test(test_planted_school_sizes),
		cmocka_unit_test(test_planted_isolation_practice_and_cycles),
		cmocka_unit_test(test_survey_responses_realistic),
		cmocka_unit_test(
		    test_double_scored_observations_agree_realistically),
		cmocka_unit_test(test_rejects_bad_options),
		cmocka_unit_test(test_tiny_network_works),
		cmocka_unit_test(test_defaults_when_opts_null),
		cmocka_unit_test(test_large_network_in_seconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
