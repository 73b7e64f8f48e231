/* SPDX-License-Identifier: MIT
 * What the sample-generator tests share (sample_util.h): the files with
 * their exact headers, temporary directories, whole files and an RFC 4180
 * reader written here, not the generator's writer.
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
#include "sample_util.h"

/* Every file with its exact header line. */
const sample_file files[] = {
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
	{ "measures.csv", "measure,name,unit,direction,target,frequency" },
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
const size_t n_files = sizeof files / sizeof files[0];

/* ------------------------------------------------------------------ */
/* Helpers: temp dirs, whole files, an RFC 4180 reader. */

void
make_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/td_sample_test_XXXXXX");
	assert_non_null(mkdtemp(buf));
}

void
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

char *
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
int
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

void
table_free(table *t)
{
	for (size_t i = 0; i < t->nfield; i++) {
		free(t->field[i]);
	}
	free(t->field);
	free(t->row0);
	free(t->ncol);
}

const char *
cell(const table *t, size_t row, size_t col)
{
	assert_true(row < t->nrow);
	assert_true(col < t->ncol[row]);
	return t->field[t->row0[row] + col];
}

size_t
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

void
load(const char *dir, const char *name, table *t)
{
	size_t len;
	char  *buf = slurp(dir, name, &len);
	assert_non_null(buf);
	assert_int_equal(parse_csv(buf, len, t), 0);
	free(buf);
}

void
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
int
acad_year(const char *date)
{
	int y = atoi(date), m = atoi(date + 5);
	return m >= 8 ? y : y - 1;
}

int
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
