/*
 * weft tree: a design's remix family (control op "tree"). What it was
 * remixed from is printed above it and what was remixed from it below,
 * both in the daemon's depth-first order, each line indented by its depth
 * (a source of a source is one step further in).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char usage[] = "weft tree DESIGN";

#define TREE_DEPTH_MAX	16

/* Checks one {design, rev, title, author, depth} entry. */
static int
entry_check(const struct weft_obj *o, uint64_t *depth)
{
	uint8_t		 id[32];
	const char	*s;
	size_t		 n;

	if (weft_obj_binn(weft_obj_get(o, "design"), id, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "rev"), id, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "author"), id, 32) != 0 ||
	    weft_obj_str(weft_obj_get(o, "title"), &s, &n) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "depth"), depth) != 0 ||
	    *depth < 1 || *depth > TREE_DEPTH_MAX)
		return WEFT_EPROTO;
	return 0;
}

static int
list_check(const struct weft_obj *a)
{
	uint64_t	depth;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EPROTO;
	for (uint32_t i = 0; i < weft_obj_len(a); i++)
		if (entry_check(weft_obj_at(a, i), &depth) != 0)
			return WEFT_EPROTO;
	return 0;
}

static json_t *
list_json(const struct weft_obj *a)
{
	static const char *const	 ids[] = { "design", "rev", "author" };
	json_t				*j, *o;
	const struct weft_obj		*e;
	const char			*s;
	size_t				 n;
	uint8_t				 id[32];
	uint64_t			 depth;

	j = json_array();
	for (uint32_t i = 0; i < weft_obj_len(a); i++) {
		e = weft_obj_at(a, i);
		o = json_object();
		for (size_t k = 0; k < 3; k++) {
			weft_obj_binn(weft_obj_get(e, ids[k]), id, 32);
			json_object_set_new(o, ids[k], out_json_id(id));
		}
		weft_obj_str(weft_obj_get(e, "title"), &s, &n);
		json_object_set_new(o, "title", out_json_str(s, n));
		if (weft_obj_str(weft_obj_get(e, "license"), &s, &n) != 0) {
			s = "";
			n = 0;
		}
		json_object_set_new(o, "license", out_json_str(s, n));
		json_object_set_new(o, "license_conflict",
		    json_boolean(out_summary_conflict(e)));
		weft_obj_uint(weft_obj_get(e, "depth"), &depth);
		json_object_set_new(o, "depth",
		    json_integer((json_int_t)depth));
		for (size_t k = 0; k < 4; k++) {
			static const char *const cn[] = {
				"likes", "comments", "makes", "remixes",
			};
			uint64_t	v;

			if (weft_obj_uint(weft_obj_get(e, cn[k]), &v) == 0)
				json_object_set_new(o, cn[k],
				    json_integer((json_int_t)v));
		}
		if (weft_obj_str(weft_obj_get(e, "author_name"), &s,
		    &n) == 0)
			json_object_set_new(o, "author_name",
			    out_json_str(s, n));
		json_array_append_new(j, o);
	}
	return j;
}

static void
entry_line(const struct weft_obj *e, uint64_t depth)
{
	const char	*s;
	size_t		 n;
	uint8_t		 id[32];
	char		 hex[65];

	weft_obj_binn(weft_obj_get(e, "design"), id, 32);
	weft_obj_str(weft_obj_get(e, "title"), &s, &n);
	out_hex(hex, id);
	printf("%*s%s  ", (int)(2 * depth), "", hex);
	if (n == 0)
		printf("(not in the store)");
	else
		out_text(stdout, s, n, true);
	/* The license, so that the family's terms show at a glance. */
	/* (NOASSERTION says nothing: it is left out.) */
	if (weft_obj_str(weft_obj_get(e, "license"), &s, &n) == 0 && n > 0 &&
	    !(n == 11 && memcmp(s, "NOASSERTION", 11) == 0)) {
		printf("  [");
		out_text(stdout, s, n, true);
		printf("%s]", out_summary_conflict(e) ?
		    ", license conflict" : "");
	}
	out_name_counts(stdout, e);
	putchar('\n');
}

static void
print_human(const struct weft_obj *r)
{
	const struct weft_obj	*src = weft_obj_get(r, "sources");
	const struct weft_obj	*rmx = weft_obj_get(r, "remixes");
	const struct weft_obj	*d = weft_obj_get(r, "design");
	uint64_t		 depth;
	const char		*s;
	size_t			 n;
	uint8_t			 id[32];
	char			 hex[65];

	if (weft_obj_len(src) > 0)
		printf("remixed from:\n");
	for (uint32_t i = 0; i < weft_obj_len(src); i++) {
		entry_check(weft_obj_at(src, i), &depth);
		entry_line(weft_obj_at(src, i), depth);
	}
	weft_obj_binn(weft_obj_get(d, "design"), id, 32);
	weft_obj_str(weft_obj_get(d, "title"), &s, &n);
	out_hex(hex, id);
	printf("%sthis design:\n  %s  ", weft_obj_len(src) > 0 ? "\n" : "",
	    hex);
	out_text(stdout, s, n, true);
	out_name_counts(stdout, d);
	printf("\n");
	if (weft_obj_len(rmx) > 0)
		printf("\nremixed into:\n");
	for (uint32_t i = 0; i < weft_obj_len(rmx); i++) {
		entry_check(weft_obj_at(rmx, i), &depth);
		entry_line(weft_obj_at(rmx, i), depth);
	}
}

int
cmd_tree(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	const char			*design;
	json_t				*j, *d;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(usage);
	design = argv[optind];
	if (!weft__id_ok(design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", design);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_TREE,
	    WEFT_CTL_ARG_DESIGN, design, (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "cannot show the tree");
		goto out;
	}
	d = out_summary_json(weft_obj_get(r, "design"));
	if (d == NULL || list_check(weft_obj_get(r, "sources")) != 0 ||
	    list_check(weft_obj_get(r, "remixes")) != 0) {
		json_decref(d);
		rc = weft__bad_reply(WEFT_EPROTO, "tree");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "design", d);
		json_object_set_new(j, "sources",
		    list_json(weft_obj_get(r, "sources")));
		json_object_set_new(j, "remixes",
		    list_json(weft_obj_get(r, "remixes")));
		out_json_print(j);
	} else {
		json_decref(d);
		if (!cli->quiet)
			print_human(r);
	}
out:
	weft_ctl_client_close(&c);
	return rc;
}
