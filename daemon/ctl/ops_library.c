/*
 * libraries: every library this node knows of, held or only heard of
 * (its lib record is here), with how many designs it holds now; with
 * "search", only those whose name or description contains the text
 * (ASCII letters compared without case). A list reply, in library id
 * order.
 */
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "store.h"

#define SEARCH_MAX	200

struct libs_walk {
	struct weft_lister	*l;
	const char		*q;	/* or NULL */
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s contains q, ASCII case folded. */
static bool
contains(const char *s, const char *q)
{
	size_t	n = strlen(q);

	for (; *s != '\0'; s++) {
		size_t	i = 0;

		while (i < n && s[i] != '\0' && lower(s[i]) == lower(q[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

static int
libs_cb(void *arg, const uint8_t lib[32], const uint8_t *env, size_t len,
    uint64_t designs, uint32_t maintainers)
{
	struct libs_walk	*w = arg;
	struct weft_record	 r;
	struct weft_pack	*pk = &w->l->pk;
	int			 err;

	err = weft_record_verify(env, len, &r, NULL);
	if (err || r.type != WEFT_REC_LIB) {
		weft_record_release(&r);
		return err ? err : WEFT_ECORRUPT;
	}
	if (w->q != NULL && !contains(r.name, w->q) &&
	    !contains(r.description != NULL ? r.description : "", w->q)) {
		weft_record_release(&r);
		return 0;
	}
	weft_pack_map(pk, 6);
	weft_pack_str(pk, "lib");
	weft_pack_bin(pk, lib, 32);
	weft_pack_str(pk, "name");
	weft_pack_str(pk, r.name);
	weft_pack_str(pk, "description");
	weft_pack_str(pk, r.description != NULL ? r.description : "");
	weft_pack_str(pk, "author");
	weft_pack_bin(pk, r.author, 32);
	weft_pack_str(pk, "maintainers");
	weft_pack_uint(pk, maintainers);	/* in force, not the record's */
	weft_pack_str(pk, "designs");
	weft_pack_uint(pk, designs);
	weft_record_release(&r);
	return weft__lister_item(w->l);
}

static void
op_libraries(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	 l;
	struct libs_walk	 w;
	char			*q = NULL;
	int			 err;

	if (weft__ctl_arg_str(c, req, "search", SEARCH_MAX, &q) != 0) {
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&l, c);
	w.l = &l;
	w.q = q;
	err = weft_store_libs(c->env->store, libs_cb, &w);
	if (err && l.err == 0)
		l.err = err;
	free(q);
	weft__lister_finish(&l);
}

const struct weft_ctl_op weft__op_libraries = { .name = "libraries",
	.fn = op_libraries };
