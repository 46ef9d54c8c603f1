/*
 * weft follow / unfollow AUTHOR, weft mirror / unmirror LIB|--all: the
 * node's keeping policies (control ops "follow", "unfollow", "mirror",
 * "unmirror"). Following an author keeps that author's files; mirroring a
 * library keeps its entries, designs and files; --all keeps everything.
 * The daemon starts fetching what the policy now wants at once; weft
 * status shows what is still missing. Without an argument, follow and
 * mirror list the policies in force with their progress (op "policies"),
 * and weft pins lists the designs a one-off get keeps (op "pins").
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char follow_usage[] = "weft follow [AUTHOR]";
static const char unfollow_usage[] = "weft unfollow AUTHOR";
static const char mirror_usage[] = "weft mirror [LIB|--all]";
static const char unmirror_usage[] = "weft unmirror LIB|--all";
static const char pins_usage[] = "weft pins";

/* Sends op with key = value (or "all": true when value is NULL). */
static int
policy_call(struct weft_cli *cli, const char *op, const char *key,
    const char *value, const char *what)
{
	struct weft_ctl_client	 c;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	const struct weft_obj	*r;
	json_t			*j;
	int			 rc, err;

	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft_buf_init(&req, 256);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, op, 1);
	if (value != NULL) {
		weft_pack_str(&pk, key);
		weft_pack_str(&pk, value);
	} else {
		weft_pack_str(&pk, "all");
		weft_pack_bool(&pk, true);
	}
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot %s %s", op, what);
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_pack("{s:s, s:s, s:b}", "op", op, "target",
		    value != NULL ? value : "all", "ok", 1);
		if (j == NULL || out_json_print(j) != 0)
			rc = WEFT_EXIT_FAIL;
	} else if (!cli->quiet) {
		printf("%s: %s\n", op, what);
		if (strcmp(op, WEFT_CTL_OP_FOLLOW) == 0 && value != NULL)
			weft__warn_same_name(&c, value);
	}
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

static void
size_str(char *out, size_t outsz, uint64_t n)
{
	if (n < 1000 * 1000)
		snprintf(out, outsz, "%.1f kB", (double)n / 1e3);
	else if (n < 1000ull * 1000 * 1000)
		snprintf(out, outsz, "%.1f MB", (double)n / 1e6);
	else
		snprintf(out, outsz, "%.2f GB", (double)n / 1e9);
}

struct list_item {
	const char	*kind;		/* NULL for a pin */
	size_t		 kind_len;
	uint8_t		 id[32];
	bool		 has_id;
	uint64_t	 designs, designs_held, bytes, bytes_held;
};

static int
item_decode(const struct weft_obj *o, bool pin, struct list_item *it)
{
	memset(it, 0, sizeof(*it));
	if (pin) {
		it->designs = 1;
		if (weft_obj_binn(weft_obj_get(o, "design"), it->id, 32) != 0)
			return WEFT_EPROTO;
		it->has_id = true;
	} else {
		if (weft_obj_str(weft_obj_get(o, "kind"), &it->kind,
		    &it->kind_len) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "designs"),
		    &it->designs) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "designs_held"),
		    &it->designs_held) != 0)
			return WEFT_EPROTO;
		it->has_id = weft_obj_binn(weft_obj_get(o, "id"), it->id,
		    32) == 0;
	}
	if (weft_obj_uint(weft_obj_get(o, "bytes"), &it->bytes) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "bytes_held"),
	    &it->bytes_held) != 0 || it->bytes_held > it->bytes)
		return WEFT_EPROTO;
	if (pin)
		it->designs_held = it->bytes_held == it->bytes;
	return 0;
}

static bool
kind_is(const struct list_item *it, const char *k)
{
	return it->kind != NULL && it->kind_len == strlen(k) &&
	    memcmp(it->kind, k, it->kind_len) == 0;
}

static void
item_print(const struct weft_cli *cli, const struct list_item *it,
    json_t *arr)
{
	char	hex[65], held[24], all[24];
	json_t	*j;

	out_hex(hex, it->id);
	if (cli->json) {
		j = json_object();
		if (it->kind != NULL)
			json_object_set_new(j, "kind", json_stringn(it->kind,
			    it->kind_len));
		if (it->has_id)
			json_object_set_new(j, it->kind == NULL ? "design" :
			    "id", out_json_id(it->id));
		if (it->kind != NULL) {
			json_object_set_new(j, "designs",
			    json_integer((json_int_t)it->designs));
			json_object_set_new(j, "designs_held",
			    json_integer((json_int_t)it->designs_held));
		}
		json_object_set_new(j, "bytes",
		    json_integer((json_int_t)it->bytes));
		json_object_set_new(j, "bytes_held",
		    json_integer((json_int_t)it->bytes_held));
		json_array_append_new(arr, j);
		return;
	}
	if (cli->quiet) {
		printf("%s\n", it->has_id ? hex : "all");
		return;
	}
	size_str(held, sizeof(held), it->bytes_held);
	size_str(all, sizeof(all), it->bytes);
	if (it->kind == NULL)
		printf("%s  %s / %s%s\n", hex, held, all,
		    it->bytes_held == it->bytes ? "  complete" : "");
	else
		printf("%-6s %-64s  designs %llu/%llu  %s / %s\n",
		    kind_is(it, "follow") ? "follow" : "mirror",
		    it->has_id ? hex : "everything",
		    (unsigned long long)it->designs_held,
		    (unsigned long long)it->designs, held, all);
}

/*
 * Lists op's items ("policies" or "pins"); for policies only those whose
 * kind starts with prefix ("follow", "mirror").
 */
static int
list_call(struct weft_cli *cli, const char *op, const char *prefix)
{
	struct weft_ctl_client	 c;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	struct list_item	 it;
	const struct weft_obj	*r, *items;
	json_t			*arr = NULL;
	size_t			 shown = 0;
	bool			 pin = prefix == NULL;
	int			 rc, err;

	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	if (cli->json)
		arr = json_array();
	weft_buf_init(&req, 64);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, op, 0);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	while (err == 0) {
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY) {
			err = WEFT_EPROTO;
			break;
		}
		for (uint32_t i = 0; i < weft_obj_len(items) && err == 0;
		    i++) {
			err = item_decode(weft_obj_at(items, i), pin, &it);
			if (err || (!pin && (it.kind_len < strlen(prefix) ||
			    memcmp(it.kind, prefix, strlen(prefix)) != 0)))
				continue;
			item_print(cli, &it, arr);
			shown++;
		}
		if (err || !weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(&c, &r);
	}
	if (err == WEFT_EPROTO && c.error[0] == '\0')
		rc = weft__bad_reply(err, op);
	else if (err)
		rc = weft__fail(err, c.error, "cannot list the %s",
		    pin ? "pins" : "policies");
	else if (cli->json)
		rc = out_json_print(arr) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	else if (shown == 0 && !cli->quiet)
		printf("%s\n", pin ? "no pins: no design is kept by a get "
		    "alone" : strcmp(prefix, "follow") == 0 ?
		    "not following anyone" : "not mirroring anything");
	if (cli->json && err)
		json_decref(arr);
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

/*
 * Parses "[--all] [ARG]": exactly one of them when all_ok, or neither
 * when the usage makes the argument optional ("weft follow [AUTHOR]"):
 * then *arg is "" (list the policies).
 */
static int
parse(struct weft_cli *cli, int argc, char **argv, const char *usage,
    bool all_ok, const char **arg)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "all",	no_argument,	NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	bool				 all = false;
	int				 ch, rc;

	*arg = NULL;
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'a' && all_ok) {
			all = true;
			continue;
		}
		if (ch == 'a')
			ch = '?';
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (all && optind == argc)
		return WEFT_OPT_CONTINUE;
	if (!all && optind == argc && usage[strlen(usage) - 1] == ']') {
		*arg = "";	/* "weft follow", "weft mirror": list */
		return WEFT_OPT_CONTINUE;
	}
	if (all || optind + 1 != argc)
		return weft__usage(usage);
	*arg = argv[optind];
	return WEFT_OPT_CONTINUE;
}

static int
author_cmd(struct weft_cli *cli, int argc, char **argv, const char *op,
    const char *usage)
{
	const char	*a;
	char		 what[96];
	int		 rc;

	rc = parse(cli, argc, argv, usage, false, &a);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	if (a[0] == '\0')
		return list_call(cli, "policies", "follow");
	if (!weft__id_ok(a))
		return weft__usage_error("'%s' is not an author id (8 to 64 "
		    "hex characters of one, as 'weft id' prints)", a);
	snprintf(what, sizeof(what), "author %s", a);
	return policy_call(cli, op, WEFT_CTL_ARG_AUTHOR, a, what);
}

static int
lib_cmd(struct weft_cli *cli, int argc, char **argv, const char *op,
    const char *usage)
{
	const char	*lib;
	char		 what[96];
	int		 rc;

	rc = parse(cli, argc, argv, usage, true, &lib);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	if (lib == NULL)
		return policy_call(cli, op, WEFT_CTL_ARG_LIB, NULL,
		    "everything");
	if (lib[0] == '\0')
		return list_call(cli, "policies", "mirror");
	if (strlen(lib) > 64)
		return weft__usage_error("'%.64s...' is not a library id",
		    lib);
	snprintf(what, sizeof(what), "library %s", lib);
	return policy_call(cli, op, WEFT_CTL_ARG_LIB, lib, what);
}

int
cmd_follow(struct weft_cli *cli, int argc, char **argv)
{
	return author_cmd(cli, argc, argv, WEFT_CTL_OP_FOLLOW, follow_usage);
}

int
cmd_unfollow(struct weft_cli *cli, int argc, char **argv)
{
	return author_cmd(cli, argc, argv, WEFT_CTL_OP_UNFOLLOW,
	    unfollow_usage);
}

int
cmd_mirror(struct weft_cli *cli, int argc, char **argv)
{
	return lib_cmd(cli, argc, argv, WEFT_CTL_OP_MIRROR, mirror_usage);
}

int
cmd_unmirror(struct weft_cli *cli, int argc, char **argv)
{
	return lib_cmd(cli, argc, argv, WEFT_CTL_OP_UNMIRROR, unmirror_usage);
}

int
cmd_pins(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, pins_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(pins_usage);
	return list_call(cli, "pins", NULL);
}
