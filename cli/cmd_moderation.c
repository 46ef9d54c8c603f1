/*
 * Moderation (docs/moderation.md): weft block, unblock and blocks (this
 * node's own blocks of authors, designs and nodes), weft moderators
 * add|rm|ls (whose labels act here), weft label and weft report (sign a
 * label record; a report is a label by someone who is not a moderator)
 * and weft reports (the labels of non-moderators stored here).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char block_usage[] =
    "weft block AUTHOR|DESIGN|NODE [--author|--design|--node] [--reason R]";
static const char unblock_usage[] = "weft unblock ID";
static const char blocks_usage[] = "weft blocks";
static const char moderators_usage[] = "weft moderators add|rm AUTHOR | "
    "weft moderators [ls]";
static const char label_usage[] =
    "weft label ID LABEL [--author|--design|--file] [--remove] [--reason R]";
static const char report_usage[] =
    "weft report ID --label LABEL [--author|--design|--file] [--reason R]";
static const char reports_usage[] = "weft reports [--all]";

/* Calls op with string arguments (key, value pairs, NULL key last). */
static int
call(struct weft_cli *cli, struct weft_ctl_client *c,
    const struct weft_obj **r, const char *op, const char *k1,
    const char *v1, const char *k2, const char *v2, const char *k3,
    const char *v3, const char *k4, const char *v4)
{
	int	rc;

	rc = weft__home(cli);
	if (rc)
		return rc;
	rc = weft_ctl_client_connect(c, cli);
	if (rc)
		return rc;
	return weft_ctl_client_op(c, r, op, k1, v1, k2, v2, k3, v3, k4, v4,
	    (const char *)NULL);
}

/*
 * The reply of block, unblock, moderators add|rm: {kind, target}. err is
 * what call() returned: > 0 an exit code, < 0 a weft error.
 */
static int
kind_target_reply(struct weft_cli *cli, struct weft_ctl_client *c,
    const struct weft_obj *r, int err, const char *what, const char *done)
{
	const char	*kind;
	size_t		 kn;
	uint8_t		 target[32];
	char		 hex[65];
	json_t		*j;
	int		 rc;

	if (err > 0)
		return err;
	if (err < 0) {
		rc = weft__fail(err, c->error, "%s", what);
		weft_ctl_client_close(c);
		return rc;
	}
	if (weft_obj_str(weft_obj_get(r, "kind"), &kind, &kn) != 0 ||
	    weft_obj_binn(weft_obj_get(r, "target"), target, 32) != 0) {
		weft_ctl_client_close(c);
		return weft__bad_reply(WEFT_EPROTO, what);
	}
	out_hex(hex, target);
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "kind", out_json_str(kind, kn));
		json_object_set_new(j, "target", out_json_id(target));
		out_json_print(j);
	} else if (!cli->quiet)
		printf("%s %.*s %s\n", done, (int)kn, kind, hex);
	weft_ctl_client_close(c);
	return WEFT_EXIT_OK;
}

int
cmd_block(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "author", no_argument, NULL, 'A' },
		{ "design", no_argument, NULL, 'D' },
		{ "node", no_argument, NULL, 'N' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r = NULL;
	const char			*reason = NULL, *kind = NULL;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hqr:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			continue;
		case 'A':
			kind = "author";
			continue;
		case 'D':
			kind = "design";
			continue;
		case 'N':
			kind = "node";
			continue;
		}
		rc = weft__opt(cli, ch, argv, block_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(block_usage);
	if (!weft__id_ok(argv[optind]))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", argv[optind]);
	rc = call(cli, &c, &r, WEFT_CTL_OP_BLOCK, "target", argv[optind],
	    "kind", kind, "reason", reason, NULL, NULL);
	return kind_target_reply(cli, &c, r, rc, "cannot block", "blocked");
}

int
cmd_unblock(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r = NULL;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, unblock_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(unblock_usage);
	if (!weft__id_ok(argv[optind]))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", argv[optind]);
	rc = call(cli, &c, &r, WEFT_CTL_OP_UNBLOCK, "target", argv[optind],
	    NULL, NULL, NULL, NULL, NULL, NULL);
	return kind_target_reply(cli, &c, r, rc, "cannot unblock",
	    "unblocked");
}

typedef int item_fn(const struct weft_obj *o, json_t *arr, bool quiet);

/* Runs a list op and prints each item with fn; JSON: {name: [...]}. */
static int
list_run(struct weft_cli *cli, const char *op, const char *k,
    const char *v, item_fn *fn, const char *name, const char *what)
{
	struct weft_ctl_client	 c;
	const struct weft_obj	*r = NULL, *items;
	json_t			*arr = NULL, *j;
	int			 rc, err;

	rc = call(cli, &c, &r, op, k, v, NULL, NULL, NULL, NULL, NULL, NULL);
	if (rc > 0)
		return rc;
	err = rc;
	if (cli->json)
		arr = json_array();
	for (;;) {
		if (err) {
			rc = weft__fail(err, c.error, "%s", what);
			goto out;
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY)
			err = WEFT_EPROTO;
		for (uint32_t i = 0; err == 0 && i < weft_obj_len(items); i++)
			err = fn(weft_obj_at(items, i), arr, cli->quiet);
		if (err) {
			rc = weft__bad_reply(err, op);
			goto out;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(&c, &r);
	}
	rc = WEFT_EXIT_OK;
	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, name, arr);
		arr = NULL;
		out_json_print(j);
	}
out:
	json_decref(arr);
	weft_ctl_client_close(&c);
	return rc;
}

static int
block_item(const struct weft_obj *o, json_t *arr, bool quiet)
{
	const char	*kind, *reason;
	size_t		 kn, rn;
	uint8_t		 target[32];
	uint64_t	 ts;
	char		 hex[65], date[OUT_DATE_MAX];
	json_t		*j;

	if (weft_obj_str(weft_obj_get(o, "kind"), &kind, &kn) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "target"), target, 32) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "ts"), &ts) != 0 ||
	    weft_obj_str(weft_obj_get(o, "reason"), &reason, &rn) != 0)
		return WEFT_EPROTO;
	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, "kind", out_json_str(kind, kn));
		json_object_set_new(j, "target", out_json_id(target));
		out_json_date(j, "date", ts);
		json_object_set_new(j, "reason", out_json_str(reason, rn));
		json_array_append_new(arr, j);
		return 0;
	}
	out_hex(hex, target);
	if (quiet) {
		printf("%s\n", hex);
		return 0;
	}
	out_date(date, ts);
	printf("%-6.*s %s  %s UTC", (int)kn, kind, hex, date);
	if (rn > 0) {
		printf("  ");
		out_text(stdout, reason, rn, true);
	}
	printf("\n");
	return 0;
}

int
cmd_blocks(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, blocks_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 0)
		return weft__usage(blocks_usage);
	return list_run(cli, WEFT_CTL_OP_BLOCKS, NULL, NULL, block_item,
	    "blocks", "cannot list blocks");
}

static int
moderator_item(const struct weft_obj *o, json_t *arr, bool quiet)
{
	uint8_t		 author[32];
	uint64_t	 ts;
	char		 hex[65], date[OUT_DATE_MAX];
	json_t		*j;

	if (weft_obj_binn(weft_obj_get(o, "author"), author, 32) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "ts"), &ts) != 0)
		return WEFT_EPROTO;
	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, "author", out_json_id(author));
		out_json_date(j, "since", ts);
		json_array_append_new(arr, j);
		return 0;
	}
	out_hex(hex, author);
	out_date(date, ts);
	if (quiet)
		printf("%s\n", hex);
	else
		printf("%s  since %s UTC\n", hex, date);
	return 0;
}

int
cmd_moderators(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r = NULL;
	const char			*verb = "ls", *op;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, moderators_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind >= 1)
		verb = argv[optind];
	if (strcmp(verb, "ls") == 0) {
		if (argc - optind > 1)
			return weft__usage(moderators_usage);
		return list_run(cli, WEFT_CTL_OP_MODERATORS, NULL, NULL,
		    moderator_item, "moderators", "cannot list moderators");
	}
	if (strcmp(verb, "add") == 0)
		op = WEFT_CTL_OP_MODERATOR_ADD;
	else if (strcmp(verb, "rm") == 0)
		op = WEFT_CTL_OP_MODERATOR_RM;
	else
		return weft__usage(moderators_usage);
	if (argc - optind != 2)
		return weft__usage(moderators_usage);
	if (!weft__id_ok(argv[optind + 1]))
		return weft__usage_error("malformed author id '%s': give 8 to "
		    "64 hex digits", argv[optind + 1]);
	rc = call(cli, &c, &r, op, "author", argv[optind + 1], NULL, NULL,
	    NULL, NULL, NULL, NULL);
	if (rc == WEFT_ENOTFOUND && verb[0] == 'r')
		snprintf(c.error, sizeof(c.error), "not a moderator here");
	return kind_target_reply(cli, &c, r, rc, verb[0] == 'a' ?
	    "cannot add the moderator" : "cannot remove the moderator",
	    verb[0] == 'a' ? "trusted" : "no longer trusted");
}

/* label and report: the same record; a report names its label by flag. */
static int
label_run(struct weft_cli *cli, int argc, char **argv, bool report)
{
	/* A report has no --remove: the same table, one entry short. */
	static const struct option	 opts[] = {
		{ "remove", no_argument, NULL, 'R' },
		{ "reason", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'l' },
		{ "author", no_argument, NULL, 'A' },
		{ "design", no_argument, NULL, 'D' },
		{ "file", no_argument, NULL, 'F' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r = NULL;
	const char			*reason = NULL, *on = NULL;
	const char			*label = NULL, *usage;
	char				 not[WEFT_LABEL_MAX + 1];
	bool				 remove = false;
	int				 ch, rc;

	usage = report ? report_usage : label_usage;
	while ((ch = getopt_long(argc, argv, ":hqr:l:", report ? opts + 1 :
	    opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			continue;
		case 'l':
			label = optarg;
			continue;
		case 'A':
			on = "author";
			continue;
		case 'D':
			on = "design";
			continue;
		case 'F':
			on = "file";
			continue;
		case 'R':
			remove = true;
			continue;
		}
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (!report && label == NULL && argc - optind == 2)
		label = argv[optind + 1];
	else if (argc - optind != 1 || label == NULL)
		return weft__usage(usage);
	if (!weft__id_ok(argv[optind]))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", argv[optind]);
	if (!weft_label_valid(label, strlen(label)))
		return weft__usage_error("'%s' is not a label: spam, nsfw, "
		    "illegal, copyright, stolen-design, or NS/NAME such as "
		    "org.example/name", label);
	/* A removal is the label weft.not/LABEL (docs/moderation.md). */
	if (remove && weft_label_removal(label, strlen(label), not) != 0)
		return weft__usage_error("cannot withdraw '%s' by a label: it "
		    "is a removal itself or longer than 55 bytes; retract the "
		    "label instead", label);
	if (remove)
		label = not;
	rc = call(cli, &c, &r, WEFT_CTL_OP_LABEL, "target", argv[optind],
	    "label", label, "on", on, "reason", reason);
	if (rc > 0)
		return rc;
	if (rc < 0) {
		rc = weft__fail(rc, c.error, report ? "cannot report" :
		    "cannot label");
		goto out;
	}
	rc = out_made(cli, r, WEFT_CTL_OP_LABEL, report ? "reported " :
	    remove ? "removed the label: " : "labelled ", "");
out:
	weft_ctl_client_close(&c);
	return rc;
}

int
cmd_label(struct weft_cli *cli, int argc, char **argv)
{
	return label_run(cli, argc, argv, false);
}

int
cmd_report(struct weft_cli *cli, int argc, char **argv)
{
	return label_run(cli, argc, argv, true);
}

static int
report_item(const struct weft_obj *o, json_t *arr, bool quiet)
{
	struct weft_record	 rec;
	const uint8_t		*env;
	size_t			 len;
	uint8_t			 id[32];
	char			 hex[65], ahex[65], thex[65];
	char			 date[OUT_DATE_MAX];
	json_t			*j;

	if (weft_obj_bin(o, &env, &len) != 0)
		return WEFT_EPROTO;
	weft_record_init(&rec);
	if (weft_record_verify(env, len, &rec, id) != 0 ||
	    rec.type != WEFT_REC_LABEL) {
		weft_record_release(&rec);
		return WEFT_EPROTO;
	}
	if (arr != NULL) {
		j = json_object();
		json_object_set_new(j, "id", out_json_id(id));
		json_object_set_new(j, "by", out_json_id(rec.author));
		json_object_set_new(j, "on", json_string(
		    weft_label_on_name(rec.label_on)));
		json_object_set_new(j, "target", out_json_id(rec.label_target));
		json_object_set_new(j, "label", out_json_str(rec.label,
		    strlen(rec.label)));
		json_object_set_new(j, "reason", out_json_str(rec.label_reason,
		    strlen(rec.label_reason)));
		out_json_date(j, "date", rec.ts);
		json_array_append_new(arr, j);
	} else if (quiet) {
		out_hex(hex, id);
		printf("%s\n", hex);
	} else {
		out_hex(hex, id);
		out_hex(ahex, rec.author);
		out_hex(thex, rec.label_target);
		out_date(date, rec.ts);
		printf("%.16s %s on %s %.16s by %.16s, %s UTC", hex,
		    rec.label, weft_label_on_name(rec.label_on), thex, ahex,
		    date);
		if (rec.label_reason[0] != '\0') {
			printf(": ");
			out_text(stdout, rec.label_reason,
			    strlen(rec.label_reason), true);
		}
		printf("\n");
	}
	weft_record_release(&rec);
	return 0;
}

int
cmd_reports(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "all", no_argument, NULL, 'a' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	bool				 all = false;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hqa", opts, NULL)) != -1) {
		if (ch == 'a') {
			all = true;
			continue;
		}
		rc = weft__opt(cli, ch, argv, reports_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 0)
		return weft__usage(reports_usage);
	return list_run(cli, WEFT_CTL_OP_REPORTS, all ? "all" : NULL,
	    all ? "1" : NULL, report_item, "reports",
	    "cannot list reports");
}
