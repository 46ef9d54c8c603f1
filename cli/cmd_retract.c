/*
 * weft retract: take back a design, a revision, a comment or any record
 * of yours, or a library entry of a library you maintain (control op
 * "retract"). Every node that gets the retract stops listing and serving
 * it and deletes its files (docs/proto/records.md, "retract").
 * weft comment --delete is the same for a comment (cmd_social.c).
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

static const char retract_usage[] = "weft retract ID [--reason TEXT]";

int
weft__retract(struct weft_cli *cli, const char *id, const char *reason)
{
	struct weft_ctl_client	 c;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	const struct weft_obj	*r;
	int			 rc, err;

	if (!weft__id_ok(id))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", id);
	if (reason != NULL && (strlen(reason) > WEFT_REASON_MAX ||
	    !weft_utf8_valid(reason, strlen(reason))))
		return weft__usage_error("a reason is at most %d bytes of "
		    "UTF-8", WEFT_REASON_MAX);
	rc = weft__home(cli);
	if (rc)
		return rc;
	weft_buf_init(&req, 4096);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_RETRACT, 1 + (reason != NULL));
	weft_pack_str(&pk, WEFT_CTL_ARG_ID);
	weft_pack_str(&pk, id);
	if (reason != NULL) {
		weft_pack_str(&pk, "reason");
		weft_pack_str(&pk, reason);
	}
	err = weft_pack_error(&pk);
	if (err) {
		weft_buf_release(&req);
		return weft__fail(err, NULL, "cannot retract");
	}
	rc = weft_ctl_client_connect(&c, cli);
	if (rc) {
		weft_buf_release(&req);
		return rc;
	}
	err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot retract");
		goto out;
	}
	rc = out_made(cli, r, WEFT_CTL_OP_RETRACT, "retracted (retract ", ")");
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

int
cmd_retract(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char			*reason = NULL;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'r') {
			reason = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, retract_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(retract_usage);
	return weft__retract(cli, argv[optind], reason);
}
