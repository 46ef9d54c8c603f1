/*
 * weft fork: remix a design (or several) into a new one by the local
 * author. The daemon makes a new genesis revision that shares the first
 * source head's files by reference (control op "fork"), names every
 * source in remix_of, and checks the license against the parents'
 * (docs/licenses.md): without --license it takes the least restrictive
 * license they all allow.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char usage[] =
    "weft fork DESIGN [--also DESIGN]... [--title T] [--license L]";

#define ALSO_MAX	(WEFT_PREV_MAX - 1)

static int
build(struct weft_buf *req, const char *design, const char *title,
    const char *license, const char *const *also, uint32_t nalso)
{
	struct weft_pack	pk;

	weft_pack_init(&pk, req);
	weft_ctl_request(&pk, WEFT_CTL_OP_FORK, 1 + (title != NULL) +
	    (license != NULL) + (nalso > 0));
	weft_pack_str(&pk, WEFT_CTL_ARG_DESIGN);
	weft_pack_str(&pk, design);
	if (title != NULL) {
		weft_pack_str(&pk, WEFT_CTL_ARG_TITLE);
		weft_pack_str(&pk, title);
	}
	if (license != NULL) {
		weft_pack_str(&pk, "license");
		weft_pack_str(&pk, license);
	}
	if (nalso > 0) {
		weft_pack_str(&pk, "also");
		weft_pack_array(&pk, nalso);
		for (uint32_t i = 0; i < nalso; i++)
			weft_pack_str(&pk, also[i]);
	}
	return weft_pack_error(&pk);
}

int
cmd_fork(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "license", required_argument, NULL, 'l' },
		{ "also", required_argument, NULL, 'a' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_buf			 req;
	const struct weft_obj		*r;
	const char			*title = NULL, *design;
	const char			*license = NULL;
	const char			*also[ALSO_MAX];
	uint32_t			 nalso = 0;
	uint8_t				 id[32];
	char				 hex[65];
	json_t				*j;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqt:l:a:", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 't':
			title = optarg;
			continue;
		case 'l':
			license = weft_license_parse(optarg);
			if (license == NULL)
				return weft__usage_error("unknown license "
				    "'%s': use an SPDX id such as MIT or "
				    "CC-BY-4.0, or all-rights-reserved",
				    optarg);
			continue;
		case 'a':
			if (nalso == ALSO_MAX)
				return weft__usage_error("too many designs "
				    "(at most %d)", ALSO_MAX);
			if (!weft__id_ok(optarg))
				return weft__usage_error("malformed design id "
				    "'%s': give 8 to 64 hex digits", optarg);
			also[nalso++] = optarg;
			continue;
		}
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
	if (title != NULL && (title[0] == '\0' ||
	    strlen(title) > WEFT_TITLE_MAX ||
	    !weft_utf8_valid(title, strlen(title))))
		return weft__usage_error("the title must be 1 to %d bytes of "
		    "UTF-8 text", WEFT_TITLE_MAX);
	rc = weft__home(cli);
	if (rc)
		return rc;
	weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
	err = build(&req, design, title, license, also, nalso);
	if (err) {
		weft_buf_release(&req);
		return weft__fail(err, NULL, "cannot fork");
	}
	rc = weft_ctl_client_connect(&c, cli);
	if (rc) {
		weft_buf_release(&req);
		return rc;
	}
	err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot fork");
		goto out;
	}
	if (weft_obj_binn(weft_obj_get(r, "id"), id, 32) != 0) {
		rc = weft__bad_reply(WEFT_EPROTO, "fork");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	out_hex(hex, id);
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "id", out_json_id(id));
		json_object_set_new(j, "design", out_json_id(id));
		out_json_print(j);
	} else if (cli->quiet)
		printf("%s\n", hex);
	else
		printf("forked %s\n", hex);
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}
