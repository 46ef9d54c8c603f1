/*
 * weft gc [--dry-run], weft rm [--records] DESIGN, weft unwant DESIGN:
 * taking space back on this node (control ops "gc", "rm", "unwant").
 * Nothing is sent to peers: other nodes keep what they keep.
 */
#include <getopt.h>
#include <inttypes.h>
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

static const char gc_usage[] = "weft gc [--dry-run]";
static const char rm_usage[] = "weft rm [--records] DESIGN";
static const char unwant_usage[] = "weft unwant DESIGN";

static const char *const gc_keys[] = {
	"chunks", "kept", "freed", "bytes", "pending", NULL
};

/*
 * Prints what gc (or rm) did; files is UINT64_MAX for gc; records: rm
 * --records.
 */
static int
gc_print(struct weft_cli *cli, const struct weft_obj *r, bool dry,
    uint64_t files, bool records)
{
	uint64_t	 v[5];
	char		 sz[OUT_SIZE_MAX];
	json_t		*j;

	for (size_t i = 0; gc_keys[i] != NULL; i++)
		if (weft_obj_uint(weft_obj_get(r, gc_keys[i]), &v[i]) != 0)
			return weft__bad_reply(WEFT_EPROTO, "gc");
	if (cli->json) {
		j = json_object();
		for (size_t i = 0; gc_keys[i] != NULL; i++)
			json_object_set_new(j, gc_keys[i],
			    json_integer((json_int_t)v[i]));
		if (files != UINT64_MAX)
			json_object_set_new(j, "files",
			    json_integer((json_int_t)files));
		json_object_set_new(j, "dry_run", json_boolean(dry));
		if (records)
			json_object_set_new(j, "records", json_true());
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	if (cli->quiet)
		return WEFT_EXIT_OK;
	if (files != UINT64_MAX)
		printf("unwanted %" PRIu64 " file%s\n", files,
		    files == 1 ? "" : "s");
	printf("%s %" PRIu64 " chunk%s (%s), kept %" PRIu64 "\n",
	    dry ? "would free" : "freed", v[2], v[2] == 1 ? "" : "s",
	    out_size(sz, v[3]), v[1]);
	if (v[4] > 0)
		printf("spared %" PRIu64 " chunk%s of publishes under way "
		    "(less than an hour old)\n", v[4], v[4] == 1 ? "" : "s");
	return WEFT_EXIT_OK;
}

int
cmd_gc(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "dry-run",	no_argument,	NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_buf			 req;
	struct weft_pack		 pk;
	const struct weft_obj		*r;
	bool				 dry = false;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqn", opts, NULL)) != -1) {
		if (ch == 'n') {
			dry = true;
			continue;
		}
		rc = weft__opt(cli, ch, argv, gc_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(gc_usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft_buf_init(&req, 256);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_GC, 1);
	weft_pack_str(&pk, "dry_run");
	weft_pack_bool(&pk, dry);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err)
		rc = weft__fail(err, c.error, "gc failed");
	else
		rc = gc_print(cli, r, dry, UINT64_MAX, false);
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

static int
design_cmd(struct weft_cli *cli, int argc, char **argv, const char *op,
    const char *usage)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	uint64_t			 files;
	json_t				*j;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind + 1 != argc)
		return weft__usage(usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, op, "design", argv[optind],
	    (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "cannot %s %s", op,
		    argv[optind]);
		goto out;
	}
	if (weft_obj_uint(weft_obj_get(r, "files"), &files) != 0) {
		rc = weft__bad_reply(WEFT_EPROTO, op);
		goto out;
	}
	if (strcmp(op, WEFT_CTL_OP_RM) == 0) {
		rc = gc_print(cli, r, false, files, false);
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_pack("{s:I}", "files", (json_int_t)files);
		if (j == NULL || out_json_print(j) != 0)
			rc = WEFT_EXIT_FAIL;
	} else if (!cli->quiet)
		printf("unwanted %" PRIu64 " file%s; 'weft gc' frees what "
		    "nothing else keeps\n", files, files == 1 ? "" : "s");
out:
	weft_ctl_client_close(&c);
	return rc;
}

/* weft rm [--records] DESIGN: the files, and with --records the records. */
int
cmd_rm(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "records",	no_argument,	NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_buf			 req;
	struct weft_pack		 pk;
	const struct weft_obj		*r;
	uint64_t			 files;
	bool				 records = false;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'r') {
			records = true;
			continue;
		}
		rc = weft__opt(cli, ch, argv, rm_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind + 1 != argc)
		return weft__usage(rm_usage);
	if (!records)
		return design_cmd(cli, argc, argv, WEFT_CTL_OP_RM, rm_usage);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft_buf_init(&req, 256);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_RM, 2);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, argv[optind]);
	weft_pack_str(&pk, "records");
	weft_pack_bool(&pk, true);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err)
		rc = weft__fail(err, c.error, "cannot rm %s", argv[optind]);
	else if (weft_obj_uint(weft_obj_get(r, "files"), &files) != 0)
		rc = weft__bad_reply(WEFT_EPROTO, WEFT_CTL_OP_RM);
	else {
		rc = gc_print(cli, r, false, files, true);
		if (rc == WEFT_EXIT_OK && !cli->json && !cli->quiet)
			printf("removed its records from this node: they are "
			    "not fetched again\n");
	}
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

int
cmd_unwant(struct weft_cli *cli, int argc, char **argv)
{
	return design_cmd(cli, argc, argv, WEFT_CTL_OP_UNWANT, unwant_usage);
}

static const char du_usage[] =
    "weft du [--by design|author|library|policy]";

int
cmd_du(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "by",		required_argument,	NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r, *rows, *o;
	const char			*by = "design", *key;
	char				 sz[OUT_SIZE_MAX];
	uint64_t			 total, v[3], sh;
	size_t				 klen;
	bool				 more;
	json_t				*j, *a, *e;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hqb:", opts, NULL)) != -1) {
		if (ch == 'b') {
			by = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, du_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(du_usage);
	if (strcmp(by, "design") != 0 && strcmp(by, "author") != 0 &&
	    strcmp(by, "library") != 0 && strcmp(by, "policy") != 0)
		return weft__usage_error("--by: expected design, author, "
		    "library or policy");
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, WEFT_CTL_OP_DU, "by", by,
	    (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "du failed");
		goto out;
	}
	rows = weft_obj_get(r, "rows");
	if (weft_obj_uint(weft_obj_get(r, "total"), &total) != 0 ||
	    weft_obj_bool(weft_obj_get(r, "more"), &more) != 0 ||
	    weft_obj_type(rows) != WEFT_OBJ_ARRAY) {
		rc = weft__bad_reply(WEFT_EPROTO, "du");
		goto out;
	}
	for (uint32_t i = 0; i < weft_obj_len(rows); i++) {
		o = weft_obj_at(rows, i);
		if (weft_obj_str(weft_obj_get(o, "key"), &key, &klen) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "designs"), &v[0]) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "files"), &v[1]) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "bytes"), &v[2]) != 0) {
			rc = weft__bad_reply(WEFT_EPROTO, "du");
			goto out;
		}
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_object();
		a = json_array();
		for (uint32_t i = 0; i < weft_obj_len(rows); i++) {
			o = weft_obj_at(rows, i);
			e = json_object();
			weft_obj_str(weft_obj_get(o, "key"), &key, &klen);
			json_object_set_new(e, by, out_json_str(key, klen));
			weft_obj_uint(weft_obj_get(o, "designs"), &v[0]);
			weft_obj_uint(weft_obj_get(o, "files"), &v[1]);
			weft_obj_uint(weft_obj_get(o, "bytes"), &v[2]);
			json_object_set_new(e, "designs",
			    json_integer((json_int_t)v[0]));
			json_object_set_new(e, "files",
			    json_integer((json_int_t)v[1]));
			json_object_set_new(e, "bytes",
			    json_integer((json_int_t)v[2]));
			json_array_append_new(a, e);
		}
		json_object_set_new(j, "rows", a);
		json_object_set_new(j, "total", json_integer((json_int_t)total));
		json_object_set_new(j, "more", json_boolean(more));
		if (out_json_print(j) != 0)
			rc = WEFT_EXIT_FAIL;
		goto out;
	}
	for (uint32_t i = 0; i < weft_obj_len(rows); i++) {
		o = weft_obj_at(rows, i);
		weft_obj_str(weft_obj_get(o, "key"), &key, &klen);
		weft_obj_uint(weft_obj_get(o, "designs"), &v[0]);
		weft_obj_uint(weft_obj_get(o, "files"), &v[1]);
		weft_obj_uint(weft_obj_get(o, "bytes"), &v[2]);
		if (weft_obj_uint(weft_obj_get(o, "short"), &sh) != 0)
			sh = 8;
		printf("%10s  %6" PRIu64 " design%s %6" PRIu64 " file%s  ",
		    out_size(sz, v[2]), v[0], v[0] == 1 ? " " : "s", v[1],
		    v[1] == 1 ? " " : "s");
		if (klen == 0)
			printf("%s", strcmp(by, "library") == 0 ?
			    "(in no library)" : "(thumbnails, avatars)");
		else if (klen == 64)	/* an id, shortened as ls does */
			out_text(stdout, key, sh >= 8 && sh <= 64 ?
			    (size_t)sh : 8, true);
		else
			out_text(stdout, key, klen, true);
		putchar('\n');
	}
	if (more)
		printf("(more rows left out)\n");
	if (!cli->quiet)
		printf("%10s  in all\n", out_size(sz, total));
out:
	weft_ctl_client_close(&c);
	return rc;
}
