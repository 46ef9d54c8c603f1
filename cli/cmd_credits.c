/*
 * weft credits: the attribution chain of a design (control op
 * "credits"), as text, Markdown (what weft get writes to CREDITS.md) or
 * JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/err.h"

#include "cli.h"
#include "credits.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char usage[] =
    "weft credits DESIGN [--rev R] [--format text|md|json]";

int
cmd_credits(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "rev", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'F' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_credits		 cr;
	const char			*design, *rev = NULL, *fmt = "text";
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqr:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			rev = optarg;
			continue;
		case 'F':
			fmt = optarg;
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
	if (rev != NULL && !weft__id_ok(rev))
		return weft__usage_error("malformed revision id '%s': give 8 "
		    "to 64 hex digits", rev);
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "md") != 0 &&
	    strcmp(fmt, "json") != 0)
		return weft__usage_error("unknown format '%s': use text, md "
		    "or json", fmt);
	if (cli->json)
		fmt = "json";
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft__credits_get(&c, design, rev, &cr);
	if (err) {
		rc = c.error[0] != '\0' || err != WEFT_EPROTO ?
		    weft__fail(err, c.error, "cannot list the credits") :
		    weft__bad_reply(err, "credits");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (strcmp(fmt, "json") == 0)
		out_json_print(weft__credits_json(&cr));
	else if (strcmp(fmt, "md") == 0)
		weft__credits_md(stdout, &cr);
	else
		weft__credits_text(stdout, &cr);
out:
	weft__credits_release(&cr);
	weft_ctl_client_close(&c);
	return rc;
}
