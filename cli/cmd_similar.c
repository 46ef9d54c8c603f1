/*
 * weft similar DESIGN: designs with identical geometry (an exact key in
 * common) or similar geometry (D2 signatures), control op "similar";
 * and the geometry part of weft show (control op "geom"): the facts of
 * the revision's meshes, the note "identical geometry to X, published
 * earlier by Y", and --thumbnail. The CLI checks the geom record's
 * signature and that the revision's author signed it: a stranger's facts
 * are never shown.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "geom_out.h"
#include "output.h"
#include "paths.h"

static const char usage[] =
    "weft similar DESIGN [--min-score PERCENT] [--limit N]";

#define OPT_MIN		0x2100
#define OPT_LIMIT	0x2101
#define NAME_MAX_	(4 * WEFT_PNAME_MAX + 1)

/*
 * Asks for the geom record of revision id (and the thumbnail), checks
 * it and that author signed it about rev into g; png gets the thumbnail
 * when asked and present (its hash checked). 0, WEFT_ENOTFOUND or an
 * error already reported (exit code in *rc).
 */
static int
geom_fetch(struct weft_ctl_client *c, const uint8_t rev[32],
    const uint8_t author[32], bool thumb, struct weft_record *g,
    uint8_t gid[32], struct weft_buf *png, int *rc)
{
	const struct weft_obj	*r;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	const uint8_t		*env, *p;
	size_t			 len, n;
	uint8_t			 h[32];
	char			 hex[65];
	int			 err;

	out_hex(hex, rev);
	weft_buf_init(&req, 256);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_GEOM, thumb ? 2 : 1);
	weft_pack_str(&pk, "id");
	weft_pack_str(&pk, hex);
	if (thumb) {
		weft_pack_str(&pk, "thumbnail");
		weft_pack_bool(&pk, true);
	}
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, &r);
	weft_buf_release(&req);
	if (err == WEFT_ENOTFOUND)
		return err;
	/* An older daemon knows no "geom": show goes without, quietly. */
	if (err && !thumb)
		return WEFT_ENOTFOUND;
	if (err) {
		*rc = weft__fail(err, c->error, "cannot read the geometry");
		return err;
	}
	if (weft_obj_bin(weft_obj_get(r, "record"), &env, &len) != 0) {
		*rc = weft__bad_reply(WEFT_EPROTO, "geom");
		return WEFT_EPROTO;
	}
	err = weft_record_verify(env, len, g, gid);
	if (err == 0 && (g->type != WEFT_REC_GEOM ||
	    sodium_memcmp(g->author, author, 32) != 0))
		err = WEFT_EBADSIG;
	if (err) {
		weft__fail(err, NULL, "the geometry facts of %s do not verify",
		    hex);
		*rc = WEFT_EXIT_VERIFY;
		return err;
	}
	if (thumb && weft_obj_bin(weft_obj_get(r, "thumbnail"), &p,
	    &n) == 0 && g->nfiles == 1 && n == g->files[0].size) {
		weft_hash(p, n, h);
		if (sodium_memcmp(h, g->files[0].hash, 32) == 0)
			err = weft_buf_add(png, p, n);
	}
	return err;
}

/* The "similar" list of design into *items (a reply kept in *r). */
static int
similar_call(struct weft_ctl_client *c, const char *design, uint64_t min,
    uint64_t limit, const struct weft_obj **r)
{
	struct weft_buf		req;
	struct weft_pack	pk;
	int			err;

	weft_buf_init(&req, 256);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_SIMILAR, 1 + (min > 0) +
	    (limit > 0));
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, design);
	if (min > 0) {
		weft_pack_str(&pk, "min_score");
		weft_pack_uint(&pk, min);
	}
	if (limit > 0) {
		weft_pack_str(&pk, "limit");
		weft_pack_uint(&pk, limit);
	}
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, r);
	weft_buf_release(&req);
	return err;
}

/* One item's fields; 0 or WEFT_EPROTO. */
struct sim_item {
	uint8_t		 design[32], author[32];
	uint64_t	 created, score;
	int		 shortn;	/* hex digits to print */
	bool		 identical;
	char		 relation[16];
	const char	*title;
	size_t		 title_len;
};

static int
sim_item(const struct weft_obj *o, struct sim_item *it)
{
	const struct weft_obj	*s;
	uint64_t		 sh;

	memset(it, 0, sizeof(*it));
	if (weft_obj_binn(weft_obj_get(o, "design"), it->design, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "author"), it->author, 32) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "created"), &it->created) != 0 ||
	    weft_obj_uint(weft_obj_get(o, "score"), &it->score) != 0 ||
	    weft_obj_bool(weft_obj_get(o, "identical"), &it->identical) != 0 ||
	    weft_obj_cstr(weft_obj_get(o, "relation"), it->relation,
	    sizeof(it->relation)) != 0)
		return WEFT_EPROTO;
	/* "short": the digits that tell the design from every other id. */
	it->shortn = 8;
	if (weft_obj_uint(weft_obj_get(o, "short"), &sh) == 0 && sh >= 8 &&
	    sh <= 64)
		it->shortn = (int)sh;
	s = weft_obj_get(o, "summary");
	if (s != NULL && weft_obj_str(weft_obj_get(s, "title"), &it->title,
	    &it->title_len) != 0)
		it->title = NULL;
	return 0;
}

/* "Ada (1f2e3d4c)", the name escaped, as comments show an author. */
static void
print_by(const char *name, const uint8_t author[32])
{
	char	hex[65];

	out_hex(hex, author);
	if (name[0] != '\0') {
		out_text(stdout, name, strlen(name), true);
		printf(" (%.8s)", hex);
	} else
		printf("%.8s", hex);
}

/*
 * show's notes: the earliest design with identical geometry published
 * before this one (created), unless this one remixes a design with
 * identical geometry.
 */
static void
show_notes(struct weft_ctl_client *c, const uint8_t design[32],
    uint64_t created, json_t *j)
{
	const struct weft_obj	*r, *items;
	struct sim_item		 it, best;
	bool			 have = false, parent = false;
	char			 hex[65], date[OUT_DATE_MAX], name[NAME_MAX_];
	json_t			*o;

	out_hex(hex, design);
	if (similar_call(c, hex, 999999, 100, &r) != 0)
		return;		/* an older daemon: no note */
	for (;;) {
		items = weft_obj_get(r, "items");
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			if (sim_item(weft_obj_at(items, i), &it) != 0 ||
			    !it.identical)
				continue;
			if (strcmp(it.relation, "parent") == 0) {
				parent = true;
				continue;
			}
			if (it.created > created || (it.created == created &&
			    memcmp(it.design, design, 32) >= 0))
				continue;
			if (!have || it.created < best.created) {
				best = it;
				have = true;
			}
		}
		if (!weft_ctl_more(r) || weft_ctl_client_recv(c, &r) != 0)
			break;
	}
	/* A remix of identical geometry explains it: no re-upload. */
	if (!have || parent) {
		if (parent && j == NULL)
			printf("%-12s %s\n", "", "identical geometry to the "
			    "design it remixes (a remix: not flagged)");
		if (parent && j != NULL)
			json_object_set_new(j, "remix_identical",
			    json_true());
		return;
	}
	if (weft__author_name(c, best.author, name, sizeof(name)) != 0)
		name[0] = '\0';
	out_hex(hex, best.design);
	out_date(date, best.created);
	if (j != NULL) {
		o = json_object();
		json_object_set_new(o, "design", out_json_id(best.design));
		json_object_set_new(o, "author", out_json_id(best.author));
		json_object_set_new(o, "name", out_json_str(name,
		    strlen(name)));
		json_object_set_new(o, "created",
		    json_integer((json_int_t)best.created));
		json_object_set_new(j, "identical_earlier", o);
		return;
	}
	printf("%-12s identical geometry to %.*s, published earlier by ",
	    "note", best.shortn, hex);
	print_by(name, best.author);
	printf(" on %s UTC\n", date);
}

int
weft__show_geom(struct weft_cli *cli, struct weft_ctl_client *c,
    const struct weft_record *rev, const uint8_t id[32],
    const uint8_t design[32], uint64_t created, json_t *j,
    const char *thumb_path)
{
	struct weft_record	 g;
	struct weft_buf		 png;
	uint8_t			 gid[32];
	int			 err, rc = WEFT_EXIT_OK;
	FILE			*f;

	weft_record_init(&g);
	weft_buf_init(&png, WEFT_THUMB_MAX);
	err = geom_fetch(c, id, rev->author, thumb_path != NULL, &g, gid,
	    &png, &rc);
	if (err == WEFT_ENOTFOUND) {
		if (thumb_path != NULL)
			rc = weft__fail(err, NULL, "this design has no "
			    "geometry facts, so no thumbnail");
		goto out;
	}
	if (err)
		goto out;
	if (thumb_path != NULL) {
		if (png.len == 0) {
			rc = weft__fail(WEFT_ENOTFOUND, NULL, g.nfiles == 0 ?
			    "this design has no thumbnail" : "the thumbnail "
			    "is not here yet");
			goto out;
		}
		f = fopen(thumb_path, "wb");
		if (f == NULL || fwrite(png.data, 1, png.len, f) != png.len ||
		    fclose(f) != 0) {
			rc = weft__fail(-errno, NULL, "cannot write '%s'",
			    thumb_path);
			goto out;
		}
		if (!cli->quiet && !cli->json)
			fprintf(stderr, "wrote %s (%zu bytes)\n", thumb_path,
			    png.len);
	}
	if (j != NULL) {
		json_object_set_new(j, "geometry",
		    weft__geom_facts_json(&g, gid));
		show_notes(c, design, created, j);
	} else if (!cli->quiet) {
		printf("%-12s %" PRIu32 " mesh file%s\n", "geometry",
		    g.ngfacts, g.ngfacts == 1 ? "" : "s");
		weft__geom_facts_print(stdout, &g);
		show_notes(c, design, created, NULL);
	}
out:
	weft_buf_release(&png);
	weft_record_release(&g);
	return rc;
}

static int
parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char			*e;
	unsigned long long	 x;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &e, 10);
	if (errno || *e != '\0' || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static const char *
relation_text(const char *rel)
{
	if (strcmp(rel, "parent") == 0)
		return "it remixes this one (not a re-upload)";
	if (strcmp(rel, "remix") == 0)
		return "a remix of this one (not a re-upload)";
	return NULL;
}

int
cmd_similar(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "min-score", required_argument, NULL, OPT_MIN },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r, *items;
	struct sim_item			 it, *v = NULL;
	size_t				 cap = 0;
	uint64_t			 min = 0, limit = 0, pct;
	char				 hex[65], date[OUT_DATE_MAX];
	char				 name[NAME_MAX_];
	const char			*rel;
	json_t				*arr = NULL, *o;
	size_t				 n = 0;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == OPT_MIN) {
			if (parse_num(optarg, 1, 100, &pct) != 0)
				return weft__usage_error("bad score '%s': give "
				    "a percentage from 1 to 100", optarg);
			min = pct * 10000;
			continue;
		}
		if (ch == OPT_LIMIT) {
			if (parse_num(optarg, 1, 1000, &limit) != 0)
				return weft__usage_error("bad limit '%s': give "
				    "1 to 1000", optarg);
			continue;
		}
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(usage);
	if (!weft__id_ok(argv[optind]))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", argv[optind]);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = similar_call(&c, argv[optind], min, limit, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot find similar designs");
		goto out;
	}
	/* Names are asked for after: another call reuses the reply. */
	for (;;) {
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY) {
			rc = weft__bad_reply(WEFT_EPROTO, "similar");
			goto out;
		}
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			if (n == cap) {
				void *np = realloc(v, (cap ? 2 * cap : 16) *
				    sizeof(*v));

				if (np == NULL) {
					rc = weft__fail(-ENOMEM, NULL, "similar");
					goto out;
				}
				v = np;
				cap = cap ? 2 * cap : 16;
			}
			if (sim_item(weft_obj_at(items, i), &v[n]) != 0) {
				rc = weft__bad_reply(WEFT_EPROTO, "similar");
				goto out;
			}
			v[n].title = v[n].title != NULL ?
			    strndup(v[n].title, v[n].title_len) : NULL;
			if (v[n].title != NULL)
				v[n].title_len = strlen(v[n].title);
			n++;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(&c, &r);
		if (err) {
			rc = weft__fail(err, c.error, "similar");
			goto out;
		}
	}
	if (cli->json)
		arr = json_array();
	for (size_t i = 0; i < n; i++) {
		it = v[i];
		if (weft__author_name(&c, it.author, name, sizeof(name)) != 0)
			name[0] = '\0';
		rel = relation_text(it.relation);
		if (arr != NULL) {
			o = json_object();
			json_object_set_new(o, "design",
			    out_json_id(it.design));
			json_object_set_new(o, "title", it.title ?
			    out_json_str(it.title, it.title_len) :
			    json_null());
			json_object_set_new(o, "author",
			    out_json_id(it.author));
			json_object_set_new(o, "name",
			    out_json_str(name, strlen(name)));
			json_object_set_new(o, "created",
			    json_integer((json_int_t)it.created));
			out_json_date(o, "date", it.created);
			json_object_set_new(o, "identical",
			    json_boolean(it.identical));
			json_object_set_new(o, "score",
			    json_real((double)it.score / 1e6));
			json_object_set_new(o, "relation",
			    json_string(it.relation));
			json_array_append_new(arr, o);
			continue;
		}
		out_hex(hex, it.design);
		if (cli->quiet) {
			puts(hex);
			continue;
		}
		out_date(date, it.created);
		if (it.identical)
			printf("identical  ");
		else
			printf("%5.1f%%     ", (double)it.score / 1e4);
		printf("%.*s  ", it.shortn, hex);
		if (it.title != NULL)
			out_text(stdout, it.title, it.title_len, true);
		printf("\n           by ");
		print_by(name, it.author);
		printf(", first published %s UTC\n", date);
		if (rel != NULL)
			printf("           %s\n", rel);
	}
	rc = WEFT_EXIT_OK;
	if (arr != NULL) {
		rc = out_json_print(arr);
		arr = NULL;
	} else if (n == 0 && !cli->quiet) {
		printf("no designs with identical or similar geometry\n");
	}
out:
	for (size_t i = 0; i < n; i++)
		free((char *)v[i].title);
	free(v);
	json_decref(arr);
	weft_ctl_client_close(&c);
	return rc;
}
