/*
 * weft verify: ask the daemon to re-check every stored record and chunk
 * (control op "verify") and report what is bad; exit code 5 if anything
 * is.
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

static const char usage[] = "weft verify";

static int
check_bad(const struct weft_obj *bad)
{
	const struct weft_obj	*o;
	const char		*s;
	size_t			 n;
	uint8_t			 id[32];

	if (weft_obj_type(bad) != WEFT_OBJ_ARRAY)
		return WEFT_EPROTO;
	for (uint32_t i = 0; i < weft_obj_len(bad); i++) {
		o = weft_obj_at(bad, i);
		if (weft_obj_str(weft_obj_get(o, "kind"), &s, &n) != 0 ||
		    weft_obj_binn(weft_obj_get(o, "id"), id, 32) != 0 ||
		    weft_obj_str(weft_obj_get(o, "error"), &s, &n) != 0)
			return WEFT_EPROTO;
	}
	return 0;
}

static void
print_json(uint64_t records, uint64_t chunks, const struct weft_obj *bad)
{
	const struct weft_obj	*o;
	const char		*s;
	size_t			 n;
	uint8_t			 id[32];
	json_t			*j, *a, *e;

	j = json_object();
	json_object_set_new(j, "records", json_integer((json_int_t)records));
	json_object_set_new(j, "chunks", json_integer((json_int_t)chunks));
	a = json_array();
	for (uint32_t i = 0; i < weft_obj_len(bad); i++) {
		o = weft_obj_at(bad, i);
		e = json_object();
		weft_obj_str(weft_obj_get(o, "kind"), &s, &n);
		json_object_set_new(e, "kind", out_json_str(s, n));
		weft_obj_binn(weft_obj_get(o, "id"), id, 32);
		json_object_set_new(e, "id", out_json_id(id));
		weft_obj_str(weft_obj_get(o, "error"), &s, &n);
		json_object_set_new(e, "error", out_json_str(s, n));
		json_array_append_new(a, e);
	}
	json_object_set_new(j, "bad", a);
	json_object_set_new(j, "ok", json_boolean(weft_obj_len(bad) == 0));
	out_json_print(j);
}

static void
print_human(uint64_t records, uint64_t chunks, const struct weft_obj *bad,
    bool quiet)
{
	const struct weft_obj	*o;
	const char		*s;
	size_t			 n;
	uint8_t			 id[32];
	char			 hex[65];

	if (!quiet)
		printf("checked %" PRIu64 " records and %" PRIu64 " chunks: "
		    "%" PRIu32 " bad\n", records, chunks, weft_obj_len(bad));
	/* Bad items are printed even with -q: they are the result. */
	for (uint32_t i = 0; i < weft_obj_len(bad); i++) {
		o = weft_obj_at(bad, i);
		weft_obj_str(weft_obj_get(o, "kind"), &s, &n);
		printf("bad ");
		out_text(stdout, s, n, true);
		weft_obj_binn(weft_obj_get(o, "id"), id, 32);
		out_hex(hex, id);
		printf(" %s: ", hex);
		weft_obj_str(weft_obj_get(o, "error"), &s, &n);
		out_text(stdout, s, n, true);
		putchar('\n');
	}
}

int
cmd_verify(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r, *bad;
	uint64_t			 records, chunks;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_VERIFY,
	    (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "cannot verify the store");
		goto out;
	}
	bad = weft_obj_get(r, "bad");
	if (weft_obj_uint(weft_obj_get(r, "records"), &records) != 0 ||
	    weft_obj_uint(weft_obj_get(r, "chunks"), &chunks) != 0 ||
	    check_bad(bad) != 0) {
		rc = weft__bad_reply(WEFT_EPROTO, "verify");
		goto out;
	}
	if (cli->json)
		print_json(records, chunks, bad);
	else
		print_human(records, chunks, bad, cli->quiet);
	rc = weft_obj_len(bad) > 0 ? WEFT_EXIT_VERIFY : WEFT_EXIT_OK;
	if (rc) {
		fflush(stdout);
		fprintf(stderr, "weft: verification failed: %" PRIu32 " bad "
		    "item%s\n", weft_obj_len(bad),
		    weft_obj_len(bad) == 1 ? "" : "s");
	}
out:
	weft_ctl_client_close(&c);
	return rc;
}
