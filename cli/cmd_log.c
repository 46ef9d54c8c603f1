/*
 * weft log: the revisions of a design, newest first (control op "log"),
 * each with the files it changed; weft diff: the file changes between
 * two of them. The daemon sends the envelopes oldest first, in one or
 * more frames; each one is verified here before anything is printed, so
 * a tampered store cannot show a forged history (exit code 5).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <jansson.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "filediff.h"
#include "output.h"
#include "paths.h"

static const char usage[] = "weft log DESIGN";
static const char diff_usage[] = "weft diff DESIGN [FROM [TO]]";

/* Change lines shown per revision by `weft log`; `weft diff` shows all. */
#define LOG_CHANGES_MAX	10

struct rev {
	uint8_t			id[32];
	struct weft_record	rec;
};

struct revs {
	struct rev	*v;
	size_t		 n;
	size_t		 cap;
	uint8_t		 design[32];
	uint8_t		(*heads)[32];
	uint32_t	 nheads;
};

static void
revs_release(struct revs *l)
{
	for (size_t i = 0; i < l->n; i++)
		weft_record_release(&l->v[i].rec);
	free(l->v);
	free(l->heads);
}

/* Verifies and appends one envelope. */
static int
revs_add(struct revs *l, const struct weft_obj *o, char bad[65])
{
	struct rev	*v;
	const uint8_t	*env, *sig;
	size_t		 len, cap;
	int		 err;

	err = weft_obj_bin(o, &env, &len);
	if (err)
		return WEFT_EPROTO;
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 16;
		v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	v = &l->v[l->n];
	weft_record_init(&v->rec);
	err = weft_record_verify(env, len, &v->rec, v->id);
	if (err == 0 && v->rec.type != WEFT_REC_REV)
		err = WEFT_EBADFIELD;
	if (err) {
		weft_record_release(&v->rec);
		/* Name the record by the hash of what was received. */
		if (weft_record_open(env, len, &env, &len, &sig) == 0) {
			weft_record_id(env, len, v->id);
			out_hex(bad, v->id);
		}
		return err;
	}
	l->n++;
	return 0;
}

static int
read_first(struct revs *l, const struct weft_obj *r)
{
	const struct weft_obj	*h = weft_obj_get(r, "heads");

	if (weft_obj_binn(weft_obj_get(r, "design"), l->design, 32) != 0 ||
	    weft_obj_type(h) != WEFT_OBJ_ARRAY)
		return WEFT_EPROTO;
	l->nheads = weft_obj_len(h);
	l->heads = calloc(l->nheads ? l->nheads : 1, 32);
	if (l->heads == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < l->nheads; i++)
		if (weft_obj_binn(weft_obj_at(h, i), l->heads[i], 32) != 0)
			return WEFT_EPROTO;
	return 0;
}

static bool
is_head(const struct revs *l, const uint8_t id[32])
{
	for (uint32_t i = 0; i < l->nheads; i++)
		if (memcmp(l->heads[i], id, 32) == 0)
			return true;
	return false;
}

/* The index of revision id in l, or -1. */
static ssize_t
find_rev(const struct revs *l, const uint8_t id[32])
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->v[i].id, id, 32) == 0)
			return (ssize_t)i;
	return -1;
}

/* The revision l->v[i] was made from (its first prev), or NULL. */
static const struct weft_record *
parent_of(const struct revs *l, size_t i)
{
	ssize_t	p;

	if (l->v[i].rec.prev.n == 0)
		return NULL;
	p = find_rev(l, l->v[i].rec.prev.ids[0]);
	return p < 0 ? NULL : &l->v[p].rec;
}

/*
 * True when the changes of l->v[i] are known: it is the first revision,
 * or the revision it was made from is here.
 */
static bool
has_parent_or_root(const struct revs *l, size_t i)
{
	return l->v[i].rec.prev.n == 0 || parent_of(l, i) != NULL;
}

static void
print_json(const struct revs *l)
{
	json_t	*j, *a, *o, *p;

	j = json_object();
	json_object_set_new(j, "design", out_json_id(l->design));
	a = json_array();
	for (uint32_t i = 0; i < l->nheads; i++)
		json_array_append_new(a, out_json_id(l->heads[i]));
	json_object_set_new(j, "heads", a);
	a = json_array();
	for (size_t i = l->n; i-- > 0;) {
		const struct weft_record	*r = &l->v[i].rec;

		o = json_object();
		json_object_set_new(o, "id", out_json_id(l->v[i].id));
		json_object_set_new(o, "ts", json_integer((json_int_t)r->ts));
		out_json_date(o, "date", r->ts);
		json_object_set_new(o, "author", out_json_id(r->author));
		json_object_set_new(o, "title",
		    out_json_str(r->title, strlen(r->title)));
		json_object_set_new(o, "message",
		    out_json_str(r->message, strlen(r->message)));
		json_object_set_new(o, "files", json_integer(r->nfiles));
		p = json_array();
		for (uint32_t k = 0; k < r->prev.n; k++)
			json_array_append_new(p, out_json_id(r->prev.ids[k]));
		json_object_set_new(o, "prev", p);
		json_object_set_new(o, "head",
		    json_boolean(is_head(l, l->v[i].id)));
		if (has_parent_or_root(l, i)) {
			struct weft_fchange	*ch;
			size_t			 nch;

			if (weft__fdiff(parent_of(l, i), r, &ch, &nch) == 0)
				json_object_set_new(o, "changes",
				    weft__fdiff_json(ch, nch));
			free(ch);
		}
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "revisions", a);
	out_json_print(j);
}

static void
print_human(const struct revs *l, bool quiet)
{
	char		 hex[65], date[OUT_DATE_MAX];
	const char	*text;

	for (size_t i = l->n; i-- > 0;) {
		const struct weft_record	*r = &l->v[i].rec;

		out_hex(hex, l->v[i].id);
		if (quiet) {
			printf("%s\n", hex);
			continue;
		}
		printf("revision %s%s\n", hex,
		    is_head(l, l->v[i].id) ? " (head)" : "");
		out_hex(hex, r->author);
		out_date(date, r->ts);
		printf("author   %s\ndate     %s UTC\nfiles    %" PRIu32 "\n\n"
		    "    ", hex, date, r->nfiles);
		text = r->message != NULL && r->message[0] != '\0' ?
		    r->message : r->title;
		out_text(stdout, text, strlen(text), true);
		putchar('\n');
		if (has_parent_or_root(l, i)) {
			struct weft_fchange	*ch;
			size_t			 nch;

			if (weft__fdiff(parent_of(l, i), r, &ch, &nch) == 0 &&
			    nch > 0) {
				putchar('\n');
				weft__fdiff_print(ch, nch, LOG_CHANGES_MAX,
				    "    ");
			}
			free(ch);
		}
		printf("%s", i > 0 ? "\n" : "");
	}
}

/* Reads and verifies the whole log of design into l; an exit code. */
static int
load_log(struct weft_ctl_client *c, const char *design, struct revs *l)
{
	const struct weft_obj	*r, *items;
	char			 bad[65] = "";
	int			 err;
	bool			 first = true;

	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LOG,
	    WEFT_CTL_ARG_DESIGN, design, (const char *)NULL);
	for (;;) {
		if (err)
			return weft__fail(err, c->error, "cannot read the log");
		if (first) {
			err = read_first(l, r);
			first = false;
		}
		items = weft_obj_get(r, "items");
		if (err == 0 && weft_obj_type(items) != WEFT_OBJ_ARRAY)
			err = WEFT_EPROTO;
		for (uint32_t i = 0; err == 0 && i < weft_obj_len(items); i++)
			err = revs_add(l, weft_obj_at(items, i), bad);
		if (err && bad[0] != '\0') {
			weft__fail(err, NULL, "revision %s does not verify",
			    bad);
			return WEFT_EXIT_VERIFY;
		}
		if (err)
			return weft__bad_reply(err, "log");
		if (!weft_ctl_more(r))
			return WEFT_EXIT_OK;
		err = weft_ctl_client_recv(c, &r);
	}
}

int
cmd_log(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct revs			 l;
	const char			*design;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
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
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	memset(&l, 0, sizeof(l));
	rc = load_log(&c, design, &l);
	if (rc == WEFT_EXIT_OK) {
		if (cli->json)
			print_json(&l);
		else
			print_human(&l, cli->quiet);
	}
	revs_release(&l);
	weft_ctl_client_close(&c);
	return rc;
}

/*
 * The revision of l a prefix names: sets *at, or prints why not and
 * returns an exit code.
 */
static int
pick_rev(const struct revs *l, const char *prefix, size_t *at)
{
	char	hex[65];
	size_t	len = strlen(prefix), found = 0;

	if (!weft__id_ok(prefix))
		return weft__usage_error("malformed revision id '%s': give 8 "
		    "to 64 hex digits", prefix);
	for (size_t i = 0; i < l->n; i++) {
		out_hex(hex, l->v[i].id);
		if (strncasecmp(hex, prefix, len) != 0)
			continue;
		*at = i;
		found++;
	}
	if (found == 0)
		return weft__failx(WEFT_EXIT_NOTFOUND, "%s is not a revision of "
		    "this design (see 'weft log')", prefix);
	if (found > 1)
		return weft__usage_error("revision prefix '%s' is ambiguous: "
		    "give more digits", prefix);
	return WEFT_EXIT_OK;
}

/* The newest head of l (heads are revisions with no successor). */
static size_t
newest_head(const struct revs *l)
{
	size_t	best = l->n - 1;
	bool	seen = false;

	for (size_t i = 0; i < l->n; i++) {
		if (!is_head(l, l->v[i].id))
			continue;
		if (!seen || l->v[i].rec.ts >= l->v[best].rec.ts)
			best = i;
		seen = true;
	}
	return best;
}

int
cmd_diff(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct revs			 l;
	struct weft_fchange		*v = NULL;
	char				 hex[65], hex2[65];
	size_t				 to, fi, n = 0;
	ssize_t				 from = -1;
	int				 ch, rc, nargs;
	json_t				*j;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, diff_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	nargs = argc - optind;
	if (nargs < 1 || nargs > 3)
		return weft__usage(diff_usage);
	if (!weft__id_ok(argv[optind]))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", argv[optind]);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	memset(&l, 0, sizeof(l));
	rc = load_log(&c, argv[optind], &l);
	if (rc == WEFT_EXIT_OK && l.n == 0)
		rc = weft__failx(WEFT_EXIT_NOTFOUND, "no revisions of %s are "
		    "here", argv[optind]);
	if (rc)
		goto out;
	/*
	 * weft diff D: the head against the revision it was made from;
	 * D FROM: FROM against the head; D FROM TO: FROM against TO.
	 */
	to = newest_head(&l);
	if (nargs == 3 && (rc = pick_rev(&l, argv[optind + 2], &to)) != 0)
		goto out;
	if (nargs >= 2) {
		if ((rc = pick_rev(&l, argv[optind + 1], &fi)) != 0)
			goto out;
		from = (ssize_t)fi;
	} else if (l.v[to].rec.prev.n > 0) {
		from = find_rev(&l, l.v[to].rec.prev.ids[0]);
		if (from < 0) {
			rc = weft__failx(WEFT_EXIT_NOTFOUND, "the revision "
			    "before the head is not here");
			goto out;
		}
	}
	if (weft__fdiff(from < 0 ? NULL : &l.v[from].rec, &l.v[to].rec,
	    &v, &n) != 0) {
		rc = weft__fail(-ENOMEM, NULL, "cannot compare the revisions");
		goto out;
	}
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "design", out_json_id(l.design));
		json_object_set_new(j, "from", from < 0 ? json_null() :
		    out_json_id(l.v[from].id));
		json_object_set_new(j, "to", out_json_id(l.v[to].id));
		json_object_set_new(j, "changes", weft__fdiff_json(v, n));
		out_json_print(j);
		goto out;
	}
	if (!cli->quiet) {
		out_hex(hex2, l.v[to].id);
		if (from < 0) {
			printf("%.12s is the first revision\n", hex2);
		} else {
			out_hex(hex, l.v[from].id);
			printf("from %.12s to %.12s\n", hex, hex2);
		}
	}
	if (n == 0 && !cli->quiet)
		printf("no file changes\n");
	weft__fdiff_print(v, n, 0, "");
out:
	free(v);
	revs_release(&l);
	weft_ctl_client_close(&c);
	return rc;
}
