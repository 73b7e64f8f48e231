/* SPDX-License-Identifier: MIT
 * What the rendering module's tests share: capturing a chart's output,
 * counting in it, and checking that it is well-formed XML (a small checker
 * here, and xmllint when it is installed).
 */
#ifndef TD_RENDER_UTIL_H
#define TD_RENDER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"

/* ------------------------------------------------------------------ */
/* Capturing output and checking it. */

typedef struct capture {
	FILE  *f;
	char  *buf;
	size_t len;
} capture;

static inline void
cap_open(capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f   = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static inline void
cap_close(capture *c)
{
	assert_int_equal(fclose(c->f), 0);
}

static inline size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p;
	     p             = strstr(p + 1, needle)) {
		n++;
	}
	return n;
}

/* A small well-formedness checker: one root element, properly nested and
 * closed tags, quoted attributes without '<', only the five predefined
 * entities or numeric references, no stray '<' in text. Returns NULL or
 * what is wrong. */
static inline const char *
check_entity(const char **pp)
{
	static const char *const ok[]
	    = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const char *p = *pp;
	for (int i = 0; i < 5; i++) {
		size_t n = strlen(ok[i]);
		if (strncmp(p, ok[i], n) == 0) {
			*pp = p + n;
			return NULL;
		}
	}
	if (p[1] == '#') {
		const char *q = p + 2;
		if (*q == 'x') {
			q++;
		}
		if (!isxdigit((unsigned char) *q)) {
			return "bad numeric reference";
		}
		while (isxdigit((unsigned char) *q)) {
			q++;
		}
		if (*q != ';') {
			return "unterminated numeric reference";
		}
		*pp = q + 1;
		return NULL;
	}
	return "unknown entity";
}

static inline const char *
xml_check(const char *s)
{
	char        stack[64][32];
	int         depth = 0, roots = 0;
	const char *p = s;
	const char *err;
	while (*p) {
		if (*p == '&') {
			if ((err = check_entity(&p)) != NULL) {
				return err;
			}
			continue;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		if (strncmp(p, "<?", 2) == 0) {
			p = strstr(p, "?>");
			if (p == NULL) {
				return "unterminated processing instruction";
			}
			p += 2;
			continue;
		}
		if (strncmp(p, "<!--", 4) == 0) {
			p = strstr(p, "-->");
			if (p == NULL) {
				return "unterminated comment";
			}
			p += 3;
			continue;
		}
		int closing = p[1] == '/';
		p += closing ? 2 : 1;
		char name[32];
		int  n = 0;
		while (isalnum((unsigned char) *p) || *p == '-' || *p == ':') {
			if (n < 31) {
				name[n++] = *p;
			}
			p++;
		}
		name[n] = '\0';
		if (n == 0) {
			return "'<' without a tag name";
		}
		if (closing) {
			while (*p == ' ') {
				p++;
			}
			if (*p != '>') {
				return "junk in closing tag";
			}
			p++;
			if (depth == 0
			    || strcmp(stack[depth - 1], name) != 0) {
				return "closing tag does not match";
			}
			depth--;
			continue;
		}
		/* attributes */
		for (;;) {
			while (*p == ' ' || *p == '\n' || *p == '\t') {
				p++;
			}
			if (*p == '>' || (p[0] == '/' && p[1] == '>')) {
				break;
			}
			if (!isalpha((unsigned char) *p)) {
				return "bad attribute name";
			}
			while (isalnum((unsigned char) *p) || *p == '-'
			       || *p == ':' || *p == '_') {
				p++;
			}
			if (*p++ != '=') {
				return "attribute without '='";
			}
			if (*p++ != '"') {
				return "attribute value not quoted";
			}
			while (*p != '"') {
				if (*p == '\0' || *p == '<') {
					return "bad attribute value";
				}
				if (*p == '&') {
					if ((err = check_entity(&p)) != NULL) {
						return err;
					}
				} else {
					p++;
				}
			}
			p++;
		}
		if (depth == 0) {
			roots++;
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		p++;
		if (depth == 64) {
			return "nested too deep";
		}
		snprintf(stack[depth++], sizeof stack[0], "%s", name);
	}
	if (depth != 0) {
		return "unclosed element";
	}
	if (roots != 1) {
		return "not exactly one root element";
	}
	return NULL;
}

/* Checks with the tiny checker, and with xmllint when it is installed. */
static inline void
assert_well_formed(const char *svg)
{
	const char *err = xml_check(svg);
	if (err != NULL) {
		fail_msg("not well-formed: %s", err);
	}
	assert_non_null(strstr(svg, "<?xml version=\"1.0\""));
	assert_non_null(strstr(svg, "viewBox=\"0 0 900 "));
	/* self-contained: nothing fetched from elsewhere */
	assert_null(strstr(svg, "href"));
	assert_null(strstr(svg, "@import"));
	assert_null(strstr(svg, "<script"));
	if (system("command -v xmllint >/dev/null 2>&1") == 0) {
		char path[] = "/tmp/td_svg_test_XXXXXX";
		int  fd     = mkstemp(path);
		assert_true(fd >= 0);
		FILE *f = fdopen(fd, "w");
		assert_non_null(f);
		fputs(svg, f);
		fclose(f);
		char cmd[128];
		snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
		int rc = system(cmd);
		unlink(path);
		assert_int_equal(rc, 0);
	}
}

/* Month labels of the fixtures: Sep 2023 - Jun 2024, Sep - Oct 2024. */
static const char *const months[] = {
	"2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02",
	"2024-03", "2024-04", "2024-05", "2024-06", "2024-09", "2024-10",
};

#endif /* TD_RENDER_UTIL_H */
