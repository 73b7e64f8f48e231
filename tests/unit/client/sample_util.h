/* SPDX-License-Identifier: MIT
 * What the sample-generator tests share (sample_util.c): the files a
 * sample network has, temporary directories, whole files, and CSV read
 * back into a table with an RFC 4180 reader of its own.
 */
#ifndef TD_TEST_SAMPLE_UTIL_H
#define TD_TEST_SAMPLE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every file with its exact header line. */
typedef struct sample_file {
	const char *name;
	const char *header;
} sample_file;
extern const sample_file files[];
extern const size_t      n_files;
#define N_FILES n_files

typedef struct table {
	char  **field; /* all fields, row after row */
	size_t  nfield, capfield;
	size_t *row0; /* first field of each row */
	size_t *ncol;
	size_t  nrow, caprow;
} table;

void        make_tmpdir(char *buf, size_t len);
void        remove_tree(const char *dir);
char       *slurp(const char *dir, const char *name, size_t *len);
int         parse_csv(const char *s, size_t len, table *t);
void        table_free(table *t);
const char *cell(const table *t, size_t row, size_t col);
size_t      col_of(const table *t, const char *name);
void        load(const char *dir, const char *name, table *t);
void        generate(const char *dir, uint64_t seed, int schools, int years);
int         acad_year(const char *date);
int         valid_utf8(const unsigned char *s, size_t n);

#endif /* TD_TEST_SAMPLE_UTIL_H */
