/*
 * weft fork: remix a design into a new one by the local author. The
 * daemon makes a new genesis revision that shares the source head's files
 * by reference (control op "fork").
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char usage[] = "weft fork DESIGN [--title T]";

int
cmd_fork(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "title", required_argument, NULL, 't' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	const char			*title = NULL, *design;
	uint8_t				 id[32];
	char				 hex[65];
	json_t				*j;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqt:", opts, NULL)) != -1) {
		if (ch == 't') {
			title = optarg;
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
	rc = weft_ctl_client_connect(&c, cli);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_FORK,
	    WEFT_CTL_ARG_DESIGN, design, "title", title, (const char *)NULL);
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
	weft_ctl_client_close(&c);
	return rc;
}
