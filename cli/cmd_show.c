/*
 * weft show: fetch one record (control op "show") and print it. The CLI
 * does not trust the daemon's copy: it decodes the envelope and checks
 * the signature and the id itself (weft_record_verify), and a record that
 * fails is reported with exit code 5. --raw writes the exact envelope
 * bytes, for other tools to verify.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <jansson.h>

#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char usage[] = "weft show ID [--raw]";

static json_t *
ids_json(const struct weft_id_list *l)
{
	json_t	*a = json_array();

	for (uint32_t i = 0; a != NULL && i < l->n; i++)
		json_array_append_new(a, out_json_id(l->ids[i]));
	return a;
}

static json_t *
cstr_json(const char *s)
{
	if (s == NULL)
		s = "";
	return out_json_str(s, strlen(s));
}

static json_t *
record_json(const struct weft_record *r, const uint8_t id[32])
{
	json_t	*j, *a, *f;

	j = json_object();
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "id", out_json_id(id));
	json_object_set_new(j, "type",
	    json_string(weft_record_type_name(r->type)));
	json_object_set_new(j, "author", out_json_id(r->author));
	json_object_set_new(j, "ts", json_integer((json_int_t)r->ts));
	out_json_date(j, "date", r->ts);
	switch (r->type) {
	case WEFT_REC_REV:
		json_object_set_new(j, "design",
		    out_json_id(r->has_design ? r->design : id));
		json_object_set_new(j, "genesis",
		    json_boolean(!r->has_design));
		json_object_set_new(j, "prev", ids_json(&r->prev));
		json_object_set_new(j, "remix_of", ids_json(&r->remix_of));
		json_object_set_new(j, "title", cstr_json(r->title));
		json_object_set_new(j, "description",
		    cstr_json(r->description));
		json_object_set_new(j, "license", cstr_json(r->license));
		json_object_set_new(j, "message", cstr_json(r->message));
		a = json_array();
		for (uint32_t i = 0; i < r->ntags; i++)
			json_array_append_new(a, cstr_json(r->tags[i]));
		json_object_set_new(j, "tags", a);
		a = json_array();
		for (uint32_t i = 0; i < r->nfiles; i++) {
			f = json_object();
			json_object_set_new(f, "path",
			    cstr_json(r->files[i].path));
			json_object_set_new(f, "size",
			    json_integer((json_int_t)r->files[i].size));
			json_object_set_new(f, "hash",
			    out_json_id(r->files[i].hash));
			json_object_set_new(f, "index",
			    out_json_id(r->files[i].index));
			json_array_append_new(a, f);
		}
		json_object_set_new(j, "files", a);
		break;
	case WEFT_REC_LIB:
		json_object_set_new(j, "name", cstr_json(r->name));
		json_object_set_new(j, "description",
		    cstr_json(r->description));
		json_object_set_new(j, "maintainers",
		    ids_json(&r->maintainers));
		break;
	case WEFT_REC_ENTRY:
		json_object_set_new(j, "lib", out_json_id(r->lib));
		json_object_set_new(j, "design", out_json_id(r->entry_design));
		json_object_set_new(j, "action", json_string(
		    r->action == WEFT_ENTRY_ADD ? "add" : "remove"));
		break;
	case WEFT_REC_GRANT:
		json_object_set_new(j, "design", out_json_id(r->grant_design));
		json_object_set_new(j, "to", r->grant_anyone ? json_null() :
		    out_json_id(r->grant_to));
		json_object_set_new(j, "license", cstr_json(r->license));
		break;
	}
	json_object_set_new(j, "verified", json_true());
	return j;
}

static void
field(const char *name, const char *val)
{
	printf("%-12s ", name);
	out_text(stdout, val ? val : "", val ? strlen(val) : 0, true);
	putchar('\n');
}

static void
field_id(const char *name, const uint8_t id[32])
{
	char	hex[65];

	out_hex(hex, id);
	printf("%-12s %s\n", name, hex);
}

static void
field_ids(const char *name, const struct weft_id_list *l)
{
	char	hex[65];

	if (l->n == 0)
		printf("%-12s -\n", name);
	for (uint32_t i = 0; i < l->n; i++) {
		out_hex(hex, l->ids[i]);
		printf("%-12s %s\n", i == 0 ? name : "", hex);
	}
}

/* A multi-line text, each line indented under its label. */
static void
field_block(const char *name, const char *val)
{
	const char	*p = val ? val : "", *nl;

	if (*p == '\0') {
		printf("%s\n", name);
		return;
	}
	printf("%-12s", name);
	for (bool first = true; ; first = false) {
		nl = strchr(p, '\n');
		printf("%s ", first ? "" : "            ");
		out_text(stdout, p, nl ? (size_t)(nl - p) : strlen(p), true);
		putchar('\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void
record_human(const struct weft_record *r, const uint8_t id[32],
    bool conflict)
{
	char	date[OUT_DATE_MAX], hex[65];

	field_id("id", id);
	field("type", weft_record_type_name(r->type));
	field_id("author", r->author);
	out_date(date, r->ts);
	printf("%-12s %s UTC (%" PRIu64 ")\n", "date", date, r->ts);
	switch (r->type) {
	case WEFT_REC_REV:
		field_id("design", r->has_design ? r->design : id);
		field_ids("prev", &r->prev);
		field_ids("remix of", &r->remix_of);
		field("title", r->title);
		field("license", r->license);
		if (conflict)
			printf("%-12s %s\n", "", "license conflict: the "
			    "parents' licenses do not allow this one "
			    "(docs/licenses.md)");
		printf("%-12s", "tags");
		for (uint32_t i = 0; i < r->ntags; i++) {
			printf("%s", i ? ", " : " ");
			out_text(stdout, r->tags[i], strlen(r->tags[i]), true);
		}
		putchar('\n');
		field_block("message", r->message);
		field_block("description", r->description);
		printf("%-12s %" PRIu32 "\n", "files", r->nfiles);
		for (uint32_t i = 0; i < r->nfiles; i++) {
			printf("  ");
			out_text(stdout, r->files[i].path,
			    strlen(r->files[i].path), true);
			out_hex(hex, r->files[i].hash);
			printf("\n    size   %" PRIu64 "\n    hash   %s\n",
			    r->files[i].size, hex);
			out_hex(hex, r->files[i].index);
			printf("    index  %s\n", hex);
		}
		break;
	case WEFT_REC_LIB:
		field("name", r->name);
		field_block("description", r->description);
		field_ids("maintainers", &r->maintainers);
		break;
	case WEFT_REC_ENTRY:
		field_id("library", r->lib);
		field_id("design", r->entry_design);
		field("action", r->action == WEFT_ENTRY_ADD ? "add" : "remove");
		break;
	case WEFT_REC_GRANT:
		field_id("design", r->grant_design);
		if (r->grant_anyone)
			field("to", "anyone");
		else
			field_id("to", r->grant_to);
		field("license", r->license[0] ? r->license :
		    "any (the grantee chooses)");
		break;
	}
	field("signature", "good");
}

int
cmd_show(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_record		 rec;
	const struct weft_obj		*r;
	const uint8_t			*env;
	const char			*arg;
	size_t				 len;
	uint8_t				 id[32], rid[32];
	char				 hex[65];
	bool				 raw = false, conflict;
	json_t				*j;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'r') {
			raw = true;
			continue;
		}
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(usage);
	arg = argv[optind];
	/* Binary msgpack would garble the terminal it was written to. */
	if (raw && isatty(STDOUT_FILENO))
		return weft__usage_error("--raw writes binary: redirect it to "
		    "a file (weft show --raw ID >FILE)");
	if (!weft__id_ok(arg))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", arg);
	rc = weft__home(cli);
	if (rc)
		return rc;
	rc = weft_ctl_client_connect(&c, cli);
	if (rc)
		return rc;
	weft_record_init(&rec);
	err = weft_ctl_client_op(&c, &r, "show", "id", arg,
	    (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "cannot show");
		goto out;
	}
	if (weft_obj_binn(weft_obj_get(r, "id"), id, 32) != 0 ||
	    weft_obj_bin(weft_obj_get(r, "record"), &env, &len) != 0) {
		rc = weft__bad_reply(WEFT_EPROTO, "show");
		goto out;
	}
	if (raw) {
		rc = WEFT_EXIT_OK;
		if (fwrite(env, 1, len, stdout) != len)
			rc = weft__fail(-EIO, NULL, "cannot write the record");
		goto out;
	}
	out_hex(hex, id);
	err = weft_record_verify(env, len, &rec, rid);
	if (err) {
		weft__fail(err, NULL, "record %s does not verify", hex);
		rc = WEFT_EXIT_VERIFY;
		goto out;
	}
	if (sodium_memcmp(id, rid, 32) != 0) {
		weft__fail(WEFT_EBADHASH, NULL, "record %s does not verify",
		    hex);
		rc = WEFT_EXIT_VERIFY;
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (weft_obj_bool(weft_obj_get(r, "conflict"), &conflict) != 0)
		conflict = false;
	if (cli->json) {
		j = record_json(&rec, id);
		if (j != NULL && rec.type == WEFT_REC_REV)
			json_object_set_new(j, "license_conflict",
			    json_boolean(conflict));
		out_json_print(j);
	} else if (!cli->quiet)
		record_human(&rec, id, conflict);
out:
	weft_record_release(&rec);
	weft_ctl_client_close(&c);
	return rc;
}
