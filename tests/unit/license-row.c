/*
 * One row of docs/licenses.md against proto/license.c: CMake registers
 * this program once per row of the table (license/row/<id>), with the
 * page and the row's parent id. It parses the row itself (classes and
 * the "A remix may carry" cell with its named sets) and checks, for every
 * license in weft's table and for one SPDX id outside it, that
 * weft_license_allows() answers as the page says. With --all instead
 * of an id, it checks that every license of the code has a row. Exit 0
 * or 1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/license.h"
#include "weft/record.h"

#define OUTSIDE	"Zlib"	/* an SPDX id the table does not know */
#define NMAX	128

struct set {
	const char	*ids[NMAX];
	size_t		 n;
	bool		 outside;	/* holds ids outside the table */
};

static void
add(struct set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return;
	if (s->n < NMAX)
		s->ids[s->n++] = id;
}

static void
del(struct set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->ids[i], id) == 0) {
			s->ids[i] = s->ids[--s->n];
			return;
		}
	}
}

static bool
has(const struct set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return true;
	return false;
}

static bool
prefixed(const char *id, const char *p)
{
	return strncmp(id, p, strlen(p)) == 0;
}

/* Adds the table ids a named set holds; false for an unknown name. */
static bool
add_named(struct set *s, const char *name)
{
	const struct weft_license_info	*li;

	for (size_t i = 0; (li = weft_license_info_at(i)) != NULL; i++) {
		const char *id = li->id;
		bool in;

		if (strcmp(name, "{ANY}") == 0)
			in = true;
		else if (strcmp(name, "{BY*}") == 0)
			in = prefixed(id, "CC-BY-");
		else if (strcmp(name, "{NC*}") == 0)
			in = prefixed(id, "CC-BY-NC-");
		else if (strcmp(name, "{GPL}") == 0)
			in = prefixed(id, "GPL-");
		else if (strcmp(name, "{LGPL}") == 0)
			in = prefixed(id, "LGPL-");
		else
			return false;
		if (in)
			add(s, id);
	}
	if (strcmp(name, "{ANY}") == 0)
		s->outside = true;
	return true;
}

/* Splits "| a | b | c | d |" into its cells (in place). */
static int
cells(char *line, char **cell, int max)
{
	int	n = 0;
	char	*p = line, *q;

	if (*p != '|')
		return 0;
	p++;
	while (n < max && (q = strchr(p, '|')) != NULL) {
		*q = '\0';
		while (*p == ' ')
			p++;
		for (char *e = q - 1; e >= p && *e == ' '; e--)
			*e = '\0';
		cell[n++] = p;
		p = q + 1;
	}
	return n;
}

/* Parses the allowed cell into s; false if it holds anything unknown. */
static bool
parse_allowed(char *cell, struct set *s)
{
	char	*p, *tok, *save = NULL;
	bool	 except = false;

	if (strncmp(cell, "none", 4) == 0)
		return true;
	for (p = cell; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		char	*b, *e;

		while (*tok == ' ')
			tok++;
		if (strncmp(tok, "`{ANY}` except ", 15) == 0) {
			add_named(s, "{ANY}");
			except = true;
			tok += 14;
			while (*tok == ' ')
				tok++;
		}
		b = strchr(tok, '`');
		e = b != NULL ? strchr(b + 1, '`') : NULL;
		if (b == NULL || e == NULL) {
			fprintf(stderr, "cannot read '%s'\n", tok);
			return false;
		}
		*e = '\0';
		b++;
		if (b[0] == '{') {
			if (!add_named(s, b)) {
				fprintf(stderr, "unknown set %s\n", b);
				return false;
			}
		} else if (weft_license_find(b) == NULL) {
			fprintf(stderr, "unknown license %s\n", b);
			return false;
		} else if (except)
			del(s, weft_license_find(b));
		else
			add(s, weft_license_find(b));
	}
	return true;
}

static unsigned
parse_classes(const char *cell)
{
	char		 buf[256], *p, *tok, *save = NULL;
	unsigned	 c = 0;

	snprintf(buf, sizeof(buf), "%s", cell);
	for (p = buf; (tok = strtok_r(p, ", ", &save)) != NULL; p = NULL)
		c |= weft_license_class_parse(tok);
	return c;
}

/* True when the page has a row for id. */
static bool
page_has(const char *page, const char *id)
{
	char	 line[4096], want[128], *cell[8];
	FILE	*f;
	bool	 found = false;

	f = fopen(page, "r");
	if (f == NULL)
		return false;
	snprintf(want, sizeof(want), "`%s`", id);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		found = cells(line, cell, 8) == 4 &&
		    strcmp(cell[0], want) == 0;
	}
	fclose(f);
	return found;
}

int
main(int argc, char **argv)
{
	const struct weft_license_info	*li;
	struct set			 want = { .n = 0 };
	char				 line[4096], id[128], *cell[8];
	FILE				*f;
	int				 bad = 0, n;
	bool				 found = false;

	if (argc != 3) {
		fprintf(stderr, "usage: license-row LICENSES.md PARENT\n");
		return 2;
	}
	if (strcmp(argv[2], "--all") == 0) {
		/* Every license of the code's table has its row. */
		for (size_t i = 0; (li = weft_license_info_at(i)) != NULL;
		    i++) {
			if (!page_has(argv[1], li->id)) {
				fprintf(stderr, "%s has no row\n", li->id);
				bad++;
			}
		}
		return bad ? 1 : 0;
	}
	f = fopen(argv[1], "r");
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	snprintf(id, sizeof(id), "`%s`", argv[2]);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		n = cells(line, cell, 8);
		if (n != 4 || strcmp(cell[0], id) != 0)
			continue;
		found = true;
		break;
	}
	fclose(f);
	if (!found) {
		fprintf(stderr, "no row for %s\n", argv[2]);
		return 1;
	}
	li = weft_license_info(argv[2]);
	if (li == NULL) {
		fprintf(stderr, "%s is in the page, not in the code\n",
		    argv[2]);
		return 1;
	}
	if (parse_classes(cell[1]) != li->classes) {
		fprintf(stderr, "%s: classes '%s' in the page, 0x%x in the "
		    "code\n", argv[2], cell[1], li->classes);
		bad++;
	}
	if (!parse_allowed(cell[2], &want))
		return 1;
	for (size_t i = 0; (li = weft_license_info_at(i)) != NULL; i++) {
		bool code = weft_license_allows(argv[2], li->id, NULL);

		if (code != has(&want, li->id)) {
			fprintf(stderr, "%s -> %s: page says %s, code "
			    "says %s\n", argv[2], li->id, code ? "no" : "yes",
			    code ? "yes" : "no");
			bad++;
		}
	}
	if (weft_license_allows(argv[2], OUTSIDE, NULL) != want.outside) {
		fprintf(stderr, "%s -> %s (outside the table): page says %s\n",
		    argv[2], OUTSIDE, want.outside ? "yes" : "no");
		bad++;
	}
	return bad ? 1 : 0;
}
