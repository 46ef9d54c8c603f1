/*
 * File changes between two revisions (filediff.h). Both lists are
 * sorted by path and walked together; a deleted and an added file with
 * the same content hash then become one rename. A revision holds at
 * most WEFT_FILES_MAX files, so the pairing's n*m is bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/record.h"

#include "filediff.h"
#include "output.h"

static int
by_path(const void *a, const void *b)
{
	const struct weft_file_ref	*x = *(const struct weft_file_ref *const *)a;
	const struct weft_file_ref	*y = *(const struct weft_file_ref *const *)b;

	return strcmp(x->path, y->path);
}

static const char *
chg_path(const struct weft_fchange *c)
{
	return c->to != NULL ? c->to->path : c->from->path;
}

static int
by_chg_path(const void *a, const void *b)
{
	return strcmp(chg_path(a), chg_path(b));
}

/* Pointers to r's files sorted by path; NULL (and *n 0) for none. */
static const struct weft_file_ref **
sorted(const struct weft_record *r, size_t *n, int *err)
{
	const struct weft_file_ref	**v;

	*n = r != NULL ? r->nfiles : 0;
	*err = 0;
	if (*n == 0)
		return NULL;
	v = calloc(*n, sizeof(*v));
	if (v == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < *n; i++)
		v[i] = &r->files[i];
	qsort(v, *n, sizeof(*v), by_path);
	return v;
}

/* Folds each deleted file whose content was added elsewhere into 'R'. */
static size_t
pair_renames(struct weft_fchange *v, size_t n)
{
	size_t	o = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].st != 'D')
			continue;
		for (size_t k = 0; k < n; k++) {
			if (v[k].st != 'A' || memcmp(v[k].to->hash,
			    v[i].from->hash, sizeof(v[i].from->hash)) != 0)
				continue;
			v[k].st = 'R';
			v[k].from = v[i].from;
			v[i].st = 0;	/* dropped below */
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].st != 0)
			v[o++] = v[i];
	return o;
}

int
weft__fdiff(const struct weft_record *a, const struct weft_record *b,
    struct weft_fchange **out, size_t *n)
{
	const struct weft_file_ref	**fa, **fb;
	struct weft_fchange		 *v;
	size_t				  na, nb, i = 0, k = 0, m = 0;
	int				  err, c;

	*out = NULL;
	*n = 0;
	fa = sorted(a, &na, &err);
	if (err)
		return err;
	fb = sorted(b, &nb, &err);
	if (err) {
		free(fa);
		return err;
	}
	v = calloc(na + nb + 1, sizeof(*v));
	if (v == NULL) {
		free(fa);
		free(fb);
		return -ENOMEM;
	}
	while (i < na || k < nb) {
		c = i == na ? 1 : k == nb ? -1 : strcmp(fa[i]->path,
		    fb[k]->path);
		if (c < 0) {
			v[m++] = (struct weft_fchange){ 'D', fa[i++], NULL };
		} else if (c > 0) {
			v[m++] = (struct weft_fchange){ 'A', NULL, fb[k++] };
		} else {
			if (memcmp(fa[i]->hash, fb[k]->hash,
			    sizeof(fa[i]->hash)) != 0)
				v[m++] = (struct weft_fchange){ 'M', fa[i],
				    fb[k] };
			i++;
			k++;
		}
	}
	free(fa);
	free(fb);
	if (a != NULL)
		m = pair_renames(v, m);
	qsort(v, m, sizeof(*v), by_chg_path);
	*out = v;
	*n = m;
	return 0;
}

void
weft__fdiff_print(const struct weft_fchange *v, size_t n, size_t max,
    const char *indent)
{
	char	size[OUT_SIZE_MAX];

	for (size_t i = 0; i < n && (max == 0 || i < max); i++) {
		printf("%s%c  ", indent, v[i].st);
		if (v[i].st == 'R') {
			out_text(stdout, v[i].from->path,
			    strlen(v[i].from->path), true);
			fputs(" -> ", stdout);
		}
		out_text(stdout, chg_path(&v[i]), strlen(chg_path(&v[i])),
		    true);
		if (v[i].to != NULL)
			printf(" (%s)", out_size(size, v[i].to->size));
		putchar('\n');
	}
	if (max != 0 && n > max)
		printf("%s... and %zu more\n", indent, n - max);
}

json_t *
weft__fdiff_json(const struct weft_fchange *v, size_t n)
{
	static const struct {
		char		 st;
		const char	*name;
	} names[] = {
		{ 'A', "added" }, { 'D', "deleted" }, { 'M', "modified" },
		{ 'R', "renamed" },
	};
	json_t	*a, *o;

	a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct weft_file_ref	*f = v[i].to != NULL ?
		    v[i].to : v[i].from;
		const char			*st = "";

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (names[k].st == v[i].st)
				st = names[k].name;
		o = json_object();
		json_object_set_new(o, "status", json_string(st));
		json_object_set_new(o, "path",
		    out_json_str(f->path, strlen(f->path)));
		if (v[i].st == 'R')
			json_object_set_new(o, "old_path",
			    out_json_str(v[i].from->path,
			    strlen(v[i].from->path)));
		json_object_set_new(o, "size",
		    json_integer((json_int_t)f->size));
		json_array_append_new(a, o);
	}
	return a;
}
