/* SPDX-License-Identifier: MIT
 * The fuzz targets without libFuzzer: run each file of the directories
 * named on the command line once through LLVMFuzzerTestOneInput, so ctest
 * replays the seed corpus and every saved crasher with any compiler. A
 * directory that is missing counts as empty.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int
replay_file(const char *path)
{
	printf("%s\n", path); /* names the input if it crashes */
	fflush(stdout);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t   cap = 4096, n = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *b = realloc(buf, cap * 2);
			if (b == NULL) {
				free(buf);
			}
			buf = b;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t done = 0;
	for (int i = 1; i < argc; i++) {
		struct dirent **ents;
		int k = scandir(argv[i], &ents, visible, alphasort);
		if (k < 0 && errno == ENOENT) {
			printf("%s: missing, nothing to replay\n", argv[i]);
			continue;
		}
		if (k < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int j = 0; j < k; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			         ents[j]->d_name);
			if (replay_file(path) != 0) {
				return 1;
			}
			done++;
			free(ents[j]);
		}
		free(ents);
	}
	printf("%zu input(s) replayed without a crash\n", done);
	return done > 0 ? 0 : 1;
}
