/*
 * weft seeds DESIGN [--rev R]: which nodes say, in seed receipts they
 * signed, that they hold a revision's files complete, and when each last
 * confirmed it; so that a publisher knows when it is safe to switch its
 * own node off (docs/proto/records.md, `receipt`).
 */
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

static const char seeds_usage[] = "weft seeds DESIGN [--rev R]";

/* A duration for people: 42s, 5m, 3h, 2d. */
static void
fmt_span(char *out, size_t size, uint64_t ms)
{
	uint64_t	s = ms / 1000;

	if (s < 120)
		snprintf(out, size, "%" PRIu64 "s", s);
	else if (s < 2 * 3600)
		snprintf(out, size, "%" PRIu64 "m", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, size, "%" PRIu64 "h", s / 3600);
	else
		snprintf(out, size, "%" PRIu64 "d", s / 86400);
}

struct seed_row {
	uint8_t		node[32];
	uint64_t	ts;
	uint64_t	expires;
	bool		self;
};

static int
seed_item(const struct weft_obj *o, struct seed_row *sr)
{
	if (weft_obj_binn(weft_obj_get(o, "node"), sr->node, 32) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "ts"), &sr->ts) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "expires"), &sr->expires) != 0 ||
	    weft_obj_bool(weft_obj_get(o, "self"), &sr->self) != 0)
		return WEFT_EPROTO;
	return 0;
}

static void
seed_print(const struct seed_row *sr, uint64_t now, json_t *arr)
{
	char	hex[65], age[16], left[16];
	json_t	*j;

	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, "node", out_json_id(sr->node));
		json_object_set_new(j, "self", json_boolean(sr->self));
		out_json_date(j, "confirmed", sr->ts);
		json_object_set_new(j, "age_ms", json_integer((json_int_t)
		    (now > sr->ts ? now - sr->ts : 0)));
		out_json_date(j, "expires", sr->expires);
		json_array_append_new(arr, j);
		return;
	}
	out_hex(hex, sr->node);
	fmt_span(age, sizeof(age), now > sr->ts ? now - sr->ts : 0);
	fmt_span(left, sizeof(left), sr->expires > now ?
	    sr->expires - now : 0);
	printf("  node %.16s  confirmed %s ago, expires in %s%s\n", hex, age,
	    left, sr->self ? "  (this node)" : "");
}

int
cmd_seeds(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "rev", required_argument, NULL, 'r' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r, *items;
	const char			*design, *rev = NULL;
	struct seed_row			 sr;
	json_t				*arr = NULL, *j;
	uint8_t				 did[32], rid[32];
	uint64_t			 now = 0, others = 0, all = 0;
	char				 hex[65];
	int				 ch, rc, err;
	bool				 first = true;

	while ((ch = getopt_long(argc, argv, ":hqr:", opts, NULL)) != -1) {
		if (ch == 'r') {
			rev = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, seeds_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(seeds_usage);
	design = argv[optind];
	if (!weft__id_ok(design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", design);
	if (rev != NULL && !weft__id_ok(rev))
		return weft__usage_error("malformed revision id '%s': give 8 "
		    "to 64 hex digits", rev);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	if (cli->json)
		arr = json_array();
	memset(did, 0, sizeof(did));
	memset(rid, 0, sizeof(rid));
	if (rev != NULL)
		err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_SEEDS,
		    WEFT_CTL_ARG_DESIGN, design, WEFT_CTL_ARG_REV, rev,
		    (const char *)NULL);
	else
		err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_SEEDS,
		    WEFT_CTL_ARG_DESIGN, design, (const char *)NULL);
	for (;;) {
		if (err) {
			rc = weft__fail(err, c.error, "cannot list seeds");
			goto out;
		}
		if (first) {
			if (weft_obj_binn(weft_obj_get(r, "design"), did,
			    32) != 0 ||
			    weft_obj_binn(weft_obj_get(r, "rev"), rid,
			    32) != 0 ||
			    weft_obj_uint(weft_obj_get(r, "now"), &now) != 0) {
				rc = weft__bad_reply(WEFT_EPROTO, "seeds");
				goto out;
			}
			if (arr == NULL && !cli->quiet) {
				out_hex(hex, rid);
				printf("revision %.16s\n", hex);
			}
			first = false;
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY)
			err = WEFT_EPROTO;
		for (uint32_t i = 0; err == 0 && i < weft_obj_len(items);
		    i++) {
			err = seed_item(weft_obj_at(items, i), &sr);
			if (err)
				break;
			all++;
			if (!sr.self)
				others++;
			if (!cli->quiet)
				seed_print(&sr, now, arr);
		}
		if (err) {
			rc = weft__bad_reply(err, "seeds");
			goto out;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(&c, &r);
	}
	rc = WEFT_EXIT_OK;
	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, "design", out_json_id(did));
		json_object_set_new(j, "rev", out_json_id(rid));
		json_object_set_new(j, "others", json_integer(
		    (json_int_t)others));
		json_object_set_new(j, "seeds", arr);
		arr = NULL;
		out_json_print(j);
	} else if (cli->quiet) {
		printf("%" PRIu64 "\n", others);
	} else {
		printf("held complete by %" PRIu64 " other node%s%s\n", others,
		    others == 1 ? "" : "s", all == others ? "" :
		    " (and this one)");
	}
out:
	json_decref(arr);
	weft_ctl_client_close(&c);
	return rc;
}
