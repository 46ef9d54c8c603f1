/*
 * weft follow / unfollow AUTHOR, weft mirror / unmirror LIB|--all: the
 * node's keeping policies (control ops "follow", "unfollow", "mirror",
 * "unmirror"). Following an author keeps that author's files; mirroring a
 * library keeps its entries, designs and files; --all keeps everything.
 * The daemon starts fetching what the policy now wants at once; weft
 * status shows what is still missing.
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

static const char follow_usage[] = "weft follow AUTHOR";
static const char unfollow_usage[] = "weft unfollow AUTHOR";
static const char mirror_usage[] = "weft mirror LIB|--all";
static const char unmirror_usage[] = "weft unmirror LIB|--all";

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

	rc = weft__home(cli);
	if (rc)
		return rc;
	rc = weft_ctl_client_connect(&c, cli);
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
	}
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

/* Parses "[--all] [ARG]": exactly one of them when all_ok. */
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
