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

#include "weft/ctl.h"
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/buf.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "geom_out.h"
#include "output.h"
#include "paths.h"

static const char usage[] = "weft show ID [--raw] [--thumbnail FILE]";

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
record_json(const struct weft_record *r, const uint8_t id[32],
    const struct weft_id_list *design_remix)
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
		if (design_remix != NULL)
			json_object_set_new(j, "design_remix_of",
			    ids_json(design_remix));
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
	case WEFT_REC_GEOM:
		json_object_set_new(j, "design", out_json_id(r->design));
		json_object_set_new(j, "geometry",
		    weft__geom_facts_json(r, id));
		break;
	case WEFT_REC_LIB:
		json_object_set_new(j, "name", cstr_json(r->name));
		json_object_set_new(j, "description",
		    cstr_json(r->description));
		json_object_set_new(j, "maintainers",
		    ids_json(&r->maintainers));
		break;
	case WEFT_REC_MAINT:
		json_object_set_new(j, "lib", out_json_id(r->lib));
		json_object_set_new(j, "prev", ids_json(&r->prev));
		json_object_set_new(j, "action", json_string(
		    r->action == WEFT_ENTRY_ADD ? "add" : "remove"));
		json_object_set_new(j, "key", out_json_id(r->maint_key));
		break;
	case WEFT_REC_ENTRY:
		json_object_set_new(j, "lib", out_json_id(r->lib));
		json_object_set_new(j, "design", out_json_id(r->entry_design));
		json_object_set_new(j, "action", json_string(
		    r->action == WEFT_ENTRY_ADD ? "add" : "remove"));
		break;
	case WEFT_REC_PROFILE:
		json_object_set_new(j, "name", cstr_json(r->name));
		json_object_set_new(j, "bio", cstr_json(r->bio));
		a = json_array();
		for (uint32_t i = 0; i < r->nlinks; i++)
			json_array_append_new(a, cstr_json(r->links[i]));
		json_object_set_new(j, "links", a);
		if (r->nfiles == 1) {
			f = json_object();
			json_object_set_new(f, "path",
			    cstr_json(r->files[0].path));
			json_object_set_new(f, "size",
			    json_integer((json_int_t)r->files[0].size));
			json_object_set_new(f, "hash",
			    out_json_id(r->files[0].hash));
			json_object_set_new(f, "index",
			    out_json_id(r->files[0].index));
			json_object_set_new(j, "avatar", f);
		}
		break;
	case WEFT_REC_COMMENT:
		json_object_set_new(j, "design", out_json_id(r->design));
		json_object_set_new(j, "rev", ids_json(&r->on_rev));
		json_object_set_new(j, "parent", ids_json(&r->parent));
		json_object_set_new(j, "replaces", ids_json(&r->replaces));
		json_object_set_new(j, "text", cstr_json(r->text));
		break;
	case WEFT_REC_REACTION:
		json_object_set_new(j, "design", out_json_id(r->design));
		json_object_set_new(j, "value", cstr_json(r->value));
		break;
	case WEFT_REC_MAKE:
		json_object_set_new(j, "design", out_json_id(r->design));
		json_object_set_new(j, "rev", out_json_id(r->on_rev.ids[0]));
		a = json_array();
		for (uint32_t i = 0; i < r->nfiles; i++) {
			f = json_object();
			json_object_set_new(f, "path",
			    cstr_json(r->files[i].path));
			json_object_set_new(f, "size",
			    json_integer((json_int_t)r->files[i].size));
			json_object_set_new(f, "hash",
			    out_json_id(r->files[i].hash));
			json_array_append_new(a, f);
		}
		json_object_set_new(j, "photos", a);
		json_object_set_new(j, "note", cstr_json(r->text));
		json_object_set_new(j, "printer", cstr_json(r->printer));
		json_object_set_new(j, "material", cstr_json(r->material));
		json_object_set_new(j, "settings", cstr_json(r->settings));
		break;
	case WEFT_REC_GRANT:
		json_object_set_new(j, "design", out_json_id(r->grant_design));
		json_object_set_new(j, "to", r->grant_anyone ? json_null() :
		    out_json_id(r->grant_to));
		json_object_set_new(j, "license", cstr_json(r->license));
		break;
	case WEFT_REC_LABEL:
		json_object_set_new(j, "on",
		    json_string(weft_label_on_name(r->label_on)));
		json_object_set_new(j, "target", out_json_id(r->label_target));
		json_object_set_new(j, "label", cstr_json(r->label));
		json_object_set_new(j, "reason", cstr_json(r->label_reason));
		break;
	case WEFT_REC_RETRACT:
		json_object_set_new(j, "scope", r->has_scope ?
		    out_json_id(r->scope) : json_null());
		json_object_set_new(j, "targets", ids_json(&r->targets));
		json_object_set_new(j, "reason", cstr_json(r->reason));
		break;
	case WEFT_REC_RECEIPT:
		json_object_set_new(j, "design", out_json_id(r->design));
		json_object_set_new(j, "rev", out_json_id(r->receipt_rev));
		json_object_set_new(j, "expires",
		    json_integer((json_int_t)r->expires));
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
    const char *name, const struct weft_id_list *design_remix, bool conflict)
{
	char	date[OUT_DATE_MAX], hex[65];

	field_id("id", id);
	field("type", weft_record_type_name(r->type));
	field_id("author", r->author);
	if (name != NULL && name[0] != '\0')
		field("name", name);
	out_date(date, r->ts);
	printf("%-12s %s UTC (%" PRIu64 ")\n", "date", date, r->ts);
	switch (r->type) {
	case WEFT_REC_REV:
		field_id("design", r->has_design ? r->design : id);
		field_ids("prev", &r->prev);
		/* A later revision: the design's first one says what it remixes. */
		field_ids("remix of", design_remix != NULL && r->has_design &&
		    r->remix_of.n == 0 ? design_remix : &r->remix_of);
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
	case WEFT_REC_GEOM:
		field_id("design", r->design);
		field_ids("revision", &r->on_rev);
		weft__geom_facts_print(stdout, r);
		break;
	case WEFT_REC_LIB:
		field("name", r->name);
		field_block("description", r->description);
		field_ids("maintainers", &r->maintainers);
		break;
	case WEFT_REC_MAINT:
		field_id("library", r->lib);
		field_ids("prev", &r->prev);
		field("action", r->action == WEFT_ENTRY_ADD ? "add" : "remove");
		field_id("maintainer", r->maint_key);
		break;
	case WEFT_REC_ENTRY:
		field_id("library", r->lib);
		field_id("design", r->entry_design);
		field("action", r->action == WEFT_ENTRY_ADD ? "add" : "remove");
		break;
	case WEFT_REC_PROFILE:
		field("name", r->name);
		field_block("bio", r->bio);
		for (uint32_t i = 0; i < r->nlinks; i++)
			field(i == 0 ? "links" : "", r->links[i]);
		if (r->nfiles == 1) {
			out_hex(hex, r->files[0].hash);
			printf("%-12s ", "avatar");
			out_text(stdout, r->files[0].path,
			    strlen(r->files[0].path), true);
			printf(" (%" PRIu64 " bytes, %s)\n", r->files[0].size,
			    hex);
		}
		break;
	case WEFT_REC_COMMENT:
		field_id("design", r->design);
		field_ids("revision", &r->on_rev);
		field_ids("reply to", &r->parent);
		field_ids("replaces", &r->replaces);
		field_block("text", r->text);
		break;
	case WEFT_REC_REACTION:
		field_id("design", r->design);
		field("value", r->value[0] != '\0' ? r->value :
		    "(taken back)");
		break;
	case WEFT_REC_MAKE:
		field_id("design", r->design);
		field_id("revision", r->on_rev.ids[0]);
		field("printer", r->printer);
		field("material", r->material);
		field_block("settings", r->settings);
		field_block("note", r->text);
		printf("%-12s %" PRIu32 "\n", "photos", r->nfiles);
		for (uint32_t i = 0; i < r->nfiles; i++) {
			printf("  ");
			out_text(stdout, r->files[i].path,
			    strlen(r->files[i].path), true);
			out_hex(hex, r->files[i].hash);
			printf("\n    size   %" PRIu64 "\n    hash   %s\n",
			    r->files[i].size, hex);
		}
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
	case WEFT_REC_LABEL:
		field("on", weft_label_on_name(r->label_on));
		field_id("target", r->label_target);
		field("label", r->label);
		field_block("reason", r->label_reason);
		break;
	case WEFT_REC_RETRACT:
		if (r->has_scope)
			field_id("scope", r->scope);
		field_ids("targets", &r->targets);
		field_block("reason", r->reason);
		break;
	case WEFT_REC_RECEIPT:
		field_id("design", r->design);
		field_id("revision", r->receipt_rev);
		out_date(date, r->expires);
		printf("%-12s %s UTC (%" PRIu64 ")\n", "expires", date,
		    r->expires);
		break;
	}
	field("signature", "good");
}

/*
 * Reads and verifies the genesis revision of design (the design id is its
 * id), for its remix_of. Returns 0 or an exit code.
 */
static int
design_remix_of(struct weft_ctl_client *c, const uint8_t design[32],
    struct weft_record *g)
{
	const struct weft_obj	*r;
	const uint8_t		*env;
	size_t			 len;
	uint8_t			 gid[32];
	char			 hex[65];
	int			 err;

	out_hex(hex, design);
	err = weft_ctl_client_op(c, &r, "show", "id", hex,
	    (const char *)NULL);
	if (err == WEFT_ENOTFOUND)
		return 0;	/* the first revision is not here */
	if (err)
		return weft__fail(err, c->error, "cannot show the design");
	if (weft_obj_bin(weft_obj_get(r, "record"), &env, &len) != 0)
		return weft__bad_reply(WEFT_EPROTO, "show");
	if (weft_record_verify(env, len, g, gid) != 0 ||
	    sodium_memcmp(gid, design, 32) != 0) {
		weft__fail(WEFT_EBADSIG, NULL, "record %s does not verify",
		    hex);
		return WEFT_EXIT_VERIFY;
	}
	return 0;
}

int
cmd_show(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "thumbnail", required_argument, NULL, 'T' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_record		 rec, genesis;
	struct weft_ctlmsg_show		 sh;
	struct weft_buf			 req;
	struct weft_pack		 pk;
	const struct weft_obj		*r;
	bool				 have_genesis = false;
	const uint8_t			*env;
	const char			*arg;
	size_t				 len;
	uint8_t				 id[32], rid[32];
	char				 hex[65];
	char				 name[4 * WEFT_PNAME_MAX + 1];
	struct weft_social		 sc = { 0, 0, 0, 0, false };
	bool				 raw = false, has_sc;
	const char			*thumb = NULL;
	json_t				*j = NULL;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'r') {
			raw = true;
			continue;
		}
		if (ch == 'T') {
			thumb = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(usage);
	arg = argv[optind];
	if (raw && thumb != NULL)
		return weft__usage_error("--raw and --thumbnail write "
		    "different things: give one");
	/* Binary msgpack would garble the terminal it was written to. */
	if (raw && isatty(STDOUT_FILENO))
		return weft__usage_error("--raw writes binary: redirect it to "
		    "a file (weft show --raw ID >FILE)");
	if (!weft__id_ok(arg))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", arg);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft_record_init(&rec);
	weft_record_init(&genesis);
	/* A design id shows its newest head; --raw the exact record. */
	weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_SHOW, raw ? 1 : 2);
	weft_pack_str(&pk, WEFT_CTL_ARG_ID);
	weft_pack_str(&pk, arg);
	if (!raw) {
		weft_pack_str(&pk, "head");
		weft_pack_bool(&pk, true);
	}
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot show");
		goto out;
	}
	err = weft_ctlmsg_show_decode(r, &sh);
	if (err) {
		rc = weft__bad_reply(err, "show");
		goto out;
	}
	memcpy(id, sh.id, 32);
	env = sh.record;
	len = sh.record_len;
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
	/* A later revision: what the design was remixed from. */
	if (rec.type == WEFT_REC_REV && rec.has_design) {
		rc = design_remix_of(&c, rec.design, &genesis);
		if (rc)
			goto out;
		have_genesis = true;
	}
	/*
	 * Who wrote it, and for a design what people made of it: extras,
	 * left out when the daemon cannot say (an older one).
	 */
	if (weft__author_name(&c, rec.author, name, sizeof(name)) != 0)
		name[0] = '\0';
	has_sc = rec.type == WEFT_REC_REV &&
	    weft__social_counts(&c, id, &sc) == 0;
	rc = WEFT_EXIT_OK;
	if (thumb != NULL && rec.type != WEFT_REC_REV) {
		rc = weft__usage_error("--thumbnail: %s is not a revision",
		    hex);
		goto out;
	}
	if (cli->json) {
		j = record_json(&rec, id,
		    have_genesis ? &genesis.remix_of : NULL);

		if (rec.type == WEFT_REC_REV)
			json_object_set_new(j, "license_conflict",
			    json_boolean(sh.conflict));
		if (sh.has_moderation)
			json_object_set_new(j, "moderation",
			    out_json_str(sh.moderation.s, sh.moderation.n));

		json_object_set_new(j, "name", out_json_str(name,
		    strlen(name)));
		if (has_sc) {
			json_object_set_new(j, "likes",
			    json_integer((json_int_t)sc.likes));
			json_object_set_new(j, "comments",
			    json_integer((json_int_t)sc.comments));
			json_object_set_new(j, "makes",
			    json_integer((json_int_t)sc.makes));
			json_object_set_new(j, "remixes",
			    json_integer((json_int_t)sc.remixes));
			json_object_set_new(j, "liked", json_boolean(sc.liked));
		}
		if (rec.type == WEFT_REC_REV)
			rc = weft__show_geom(cli, &c, &rec, id, rec.has_design ?
			    rec.design : id, have_genesis && genesis.ts ?
			    genesis.ts : rec.ts, j, thumb);
		if (rc == WEFT_EXIT_OK)
			out_json_print(j);
		else
			json_decref(j);
	} else {
		if (!cli->quiet) {
			record_human(&rec, id, name, have_genesis ?
			    &genesis.remix_of : NULL, sh.conflict);
			if (has_sc)
				printf("%-12s %" PRIu64 "%s\n%-12s %" PRIu64
				    "\n%-12s %" PRIu64 "\n%-12s %" PRIu64
				    "\n", "likes", sc.likes, sc.liked ?
				    " (you like it)" : "", "comments",
				    sc.comments, "makes", sc.makes, "remixes",
				    sc.remixes);
			if (sh.has_moderation) {
				printf("%-12s ", "moderation");
				out_text(stdout, sh.moderation.s,
				    sh.moderation.n, true);
				printf("\n");
			}
		}
		if (rec.type == WEFT_REC_REV && (!cli->quiet || thumb != NULL))
			rc = weft__show_geom(cli, &c, &rec, id, rec.has_design ?
			    rec.design : id, have_genesis && genesis.ts ?
			    genesis.ts : rec.ts, NULL, thumb);
	}
out:
	weft_record_release(&genesis);
	weft_record_release(&rec);
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}
