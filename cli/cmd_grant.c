/*
 * weft grant: sign a grant letting an author (or anyone) remix one of
 * your designs (control op "grant"); weft grants: list a design's grants
 * (control op "grants"). docs/licenses.md says how fork uses them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char grant_usage[] =
    "weft grant DESIGN --to AUTHOR|--anyone [--license L]";
static const char grants_usage[] = "weft grants DESIGN";

int
cmd_grant(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "to", required_argument, NULL, 'T' },
		{ "anyone", no_argument, NULL, 'A' },
		{ "license", required_argument, NULL, 'l' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_buf			 req;
	struct weft_pack		 pk;
	const struct weft_obj		*r;
	const char			*to = NULL, *license = NULL, *design;
	bool				 anyone = false;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hql:", opts, NULL)) != -1) {
		switch (ch) {
		case 'T':
			to = optarg;
			continue;
		case 'A':
			anyone = true;
			continue;
		case 'l':
			license = weft_license_parse(optarg);
			if (license == NULL)
				return weft__usage_error("unknown license "
				    "'%s': use an SPDX id such as MIT or "
				    "CC-BY-4.0", optarg);
			continue;
		}
		rc = weft__opt(cli, ch, argv, grant_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1 || (to == NULL) == !anyone)
		return weft__usage(grant_usage);
	design = argv[optind];
	if (!weft__id_ok(design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", design);
	if (to != NULL && !weft__id_ok(to))
		return weft__usage_error("'%s' is not an author id (8 to 64 "
		    "hex characters of one)", to);
	rc = weft__home(cli);
	if (rc)
		return rc;
	weft_buf_init(&req, 4096);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_GRANT, 2 + (license != NULL));
	weft_pack_str(&pk, WEFT_CTL_ARG_DESIGN);
	weft_pack_str(&pk, design);
	if (to != NULL) {
		weft_pack_str(&pk, "to");
		weft_pack_str(&pk, to);
	} else {
		weft_pack_str(&pk, "anyone");
		weft_pack_bool(&pk, true);
	}
	if (license != NULL) {
		weft_pack_str(&pk, "license");
		weft_pack_str(&pk, license);
	}
	err = weft_pack_error(&pk);
	if (err) {
		weft_buf_release(&req);
		return weft__fail(err, NULL, "cannot grant");
	}
	rc = weft_ctl_client_connect(&c, cli);
	if (rc) {
		weft_buf_release(&req);
		return rc;
	}
	err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot grant");
		goto out;
	}
	rc = out_made(cli, r, WEFT_CTL_OP_GRANT, "granted ", "");
out:
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

/* One grant of the list: human line or JSON object. */
static int
grant_item(const struct weft_obj *o, json_t *arr, bool quiet)
{
	const uint8_t	*to;
	const char	*lic;
	size_t		 tolen, liclen;
	uint8_t		 id[32], author[32];
	uint64_t	 ts;
	bool		 valid;
	char		 hex[65], ahex[65], thex[65], date[OUT_DATE_MAX];
	json_t		*j;

	if (weft_obj_binn(weft_obj_get(o, "id"), id, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "author"), author, 32) != 0 ||
	    weft_obj_bin(weft_obj_get(o, "to"), &to, &tolen) != 0 ||
	    (tolen != 0 && tolen != 32) ||
	    weft_obj_str(weft_obj_get(o, "license"), &lic, &liclen) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "ts"), &ts) != 0 ||
	    weft_obj_bool(weft_obj_get(o, "valid"), &valid) != 0)
		return WEFT_EPROTO;
	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, "id", out_json_id(id));
		json_object_set_new(j, "author", out_json_id(author));
		json_object_set_new(j, "to", tolen ? out_json_id(to) :
		    json_null());
		json_object_set_new(j, "anyone", json_boolean(tolen == 0));
		json_object_set_new(j, "license", out_json_str(lic, liclen));
		out_json_date(j, "date", ts);
		json_object_set_new(j, "valid", json_boolean(valid));
		json_array_append_new(arr, j);
		return 0;
	}
	out_hex(hex, id);
	if (quiet) {
		printf("%s\n", hex);
		return 0;
	}
	out_hex(ahex, author);
	if (tolen)
		out_hex(thex, to);
	out_date(date, ts);
	printf("grant %.16s by %.16s to %s, license ", hex, ahex,
	    tolen ? thex : "anyone");
	if (liclen)
		out_text(stdout, lic, liclen, true);
	else
		printf("any");
	printf(", %s UTC%s\n", date, valid ? "" :
	    " (not by the design's author: ignored)");
	return 0;
}

int
cmd_grants(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r, *items;
	const char			*design;
	json_t				*arr = NULL, *j;
	uint8_t				 did[32];
	int				 ch, rc, err;
	bool				 first = true;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, grants_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(grants_usage);
	design = argv[optind];
	if (!weft__id_ok(design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", design);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	if (cli->json)
		arr = json_array();
	memset(did, 0, sizeof(did));
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_GRANTS,
	    WEFT_CTL_ARG_DESIGN, design, (const char *)NULL);
	for (;;) {
		if (err) {
			rc = weft__fail(err, c.error, "cannot list grants");
			goto out;
		}
		if (first) {
			weft_obj_binn(weft_obj_get(r, "design"), did, 32);
			first = false;
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY)
			err = WEFT_EPROTO;
		for (uint32_t i = 0; err == 0 && i < weft_obj_len(items); i++)
			err = grant_item(weft_obj_at(items, i), arr,
			    cli->quiet);
		if (err) {
			rc = weft__bad_reply(err, "grants");
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
		json_object_set_new(j, "grants", arr);
		arr = NULL;
		out_json_print(j);
	}
out:
	json_decref(arr);
	weft_ctl_client_close(&c);
	return rc;
}
