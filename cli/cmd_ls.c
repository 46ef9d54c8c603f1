/*
 * weft ls and weft search: lists of design summaries (control ops "ls"
 * and "search"). Output is streamed: each summary is printed as soon as
 * it is decoded, JSON included ("[", one object per item, "]"), so a
 * node with 100,000 designs never holds one huge document, and stdout
 * gets a large buffer. The summaries' JSON is written by out_summary_buf()
 * without building jansson values: that alone made `ls --json` of 100,000
 * designs five times faster.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/license.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "geom_out.h"
#include "output.h"
#include "paths.h"

static const char ls_usage[] =
    "weft ls [FILTERS] [--sort oldest|recent|likes|makes|remixes] "
    "[--limit N] [--page N] [--all]";
static const char search_usage[] =
    "weft search [FILTERS] [--sort relevance|recent|likes|makes|remixes] "
    "[--limit N] [--page N] [--all] QUERY...";

#define STDOUT_BUF	(1024 * 1024)
#define QUERY_MAX	1024
#define TTY_LIMIT	20		/* default page on a terminal */
#define LIMIT_MAX	100000		/* the daemon's cap per page */
#define DAY_MS		UINT64_C(86400000)

/* What a listing asks for, from the options common to ls and search. */
struct list_opts {
	const char	*author, *tag, *license, *type, *lib, *remix_of;
	char		 classes[64];	/* license classes, comma-joined */
	const char	*sort;
	uint64_t	 since, until;	/* ms; 0: none */
	uint64_t	 limit;		/* 0: all */
	uint64_t	 page;		/* 1-based; 0: not given */
	bool		 all, has_limit, tty;
	/* Geometry (geom_out.c): um, 0.001 mm^3, triangles; 0: none. */
	uint64_t	 fits[3], max_volume, min_size, tri_min, tri_max;
	bool		 fits_on;
};

/* What the replies said. */
struct list_seen {
	size_t		n;
	uint64_t	total;
	bool		has_total, exact;
};

/*
 * Prints one summary. For JSON, *n counts the items printed so far (for
 * the commas). Returns 0 or WEFT_EPROTO.
 */
static int
print_item(const struct weft_cli *cli, const struct weft_obj *o, size_t *n,
    struct weft_buf *b)
{
	uint8_t	 id[32];
	char	 hex[65];
	int	 err;

	if (cli->json) {
		weft_buf_reset(b);
		if (*n > 0)
			weft_buf_add(b, ",", 1);
		err = out_summary_buf(b, o);
		if (err)
			return err;
		if (fwrite(b->data, 1, b->len, stdout) != b->len)
			return -EIO;
	} else if (cli->quiet) {
		if (weft_obj_binn(weft_obj_get(o, "design"), id, 32) != 0)
			return WEFT_EPROTO;
		out_hex(hex, id);
		puts(hex);
	} else if (out_summary_line(stdout, o) != 0)
		return WEFT_EPROTO;
	(*n)++;
	return 0;
}

static int
print_list(struct weft_cli *cli, struct weft_ctl_client *c,
    const struct weft_obj *r, const char *what, struct list_seen *seen)
{
	const struct weft_obj	*items, *t;
	struct weft_buf		 b;
	size_t			 n = 0;
	int			 err;

	/*
	 * An item is smaller than its frame, and escaping at most sextuples
	 * a string, so nothing written to b can reach this cap.
	 */
	weft_buf_init(&b, 8 * WEFT_CTL_FRAME_MAX);
	if (cli->json)
		putchar('[');
	for (;;) {
		/* The count comes in one frame: the first, or the last. */
		t = weft_obj_get(r, "total");
		if (t != NULL && seen != NULL) {
			if (weft_obj_uint(t, &seen->total) != 0 ||
			    weft_obj_bool(weft_obj_get(r, "total_exact"),
			    &seen->exact) != 0) {
				err = WEFT_EPROTO;
				goto fail;
			}
			seen->has_total = true;
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY) {
			err = WEFT_EPROTO;
			goto fail;
		}
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			err = print_item(cli, weft_obj_at(items, i), &n, &b);
			if (err)
				goto fail;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(c, &r);
		if (err)
			goto fail;
	}
	if (cli->json)
		puts("]");
	weft_buf_release(&b);
	if (seen != NULL)
		seen->n = n;
	return WEFT_EXIT_OK;
fail:
	weft_buf_release(&b);
	/* Whatever was printed is incomplete; end the line at least. */
	if (n > 0 || cli->json)
		putchar('\n');
	if (err == WEFT_EPROTO && c->error[0] == '\0')
		return weft__bad_reply(err, what);
	return weft__fail(err, c->error, "cannot %s", what);
}

int
weft__print_summaries(struct weft_cli *cli, struct weft_ctl_client *c,
    const struct weft_obj *r, const char *what)
{
	return print_list(cli, c, r, what, NULL);
}

/* "1234567" -> "1,234,567" */
static void
thousands(char *out, size_t outsz, uint64_t v)
{
	char	d[32];
	size_t	n, o = 0;

	n = (size_t)snprintf(d, sizeof(d), "%llu", (unsigned long long)v);
	for (size_t i = 0; i < n && o + 2 < outsz; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

/* The line after a page on a terminal: how many there are, what next. */
static void
print_footer(const struct list_opts *o, const struct list_seen *seen,
    const char *cmd)
{
	char		total[40];
	uint64_t	page = o->page ? o->page : 1;
	uint64_t	shown_to = (page - 1) * o->limit + seen->n;

	if (seen->n == 0) {
		if (page > 1 && seen->has_total && seen->total > 0)
			printf("no designs on page %llu\n",
			    (unsigned long long)page);
		else
			printf("%s\n", strcmp(cmd, "search") == 0 ?
			    "no designs match" : "no designs");
		return;
	}
	if (!seen->has_total || o->limit == 0 || seen->total <= shown_to)
		return;
	thousands(total, sizeof(total), seen->total);
	printf("-- %llu-%llu of %s%s; next: --page %llu, or --all\n",
	    (unsigned long long)(shown_to - seen->n + 1),
	    (unsigned long long)shown_to, seen->exact ? "" : "about ", total,
	    (unsigned long long)page + 1);
}

static void
pack_kv(struct weft_pack *pk, const char *k, const char *v, uint32_t *n)
{
	if (v == NULL)
		return;
	if (pk != NULL) {
		weft_pack_str(pk, k);
		weft_pack_str(pk, v);
	}
	(*n)++;
}

static void
pack_ku(struct weft_pack *pk, const char *k, uint64_t v, bool has,
    uint32_t *n)
{
	if (!has)
		return;
	if (pk != NULL) {
		weft_pack_str(pk, k);
		weft_pack_uint(pk, v);
	}
	(*n)++;
}

/* Packs the arguments (pk NULL: only counts them into *n). */
static void
pack_args(struct weft_pack *pk, const struct weft_cli *cli,
    const struct list_opts *o, const char *query, uint32_t *n)
{
	bool	paged = o->limit > 0;

	*n = 0;
	pack_kv(pk, "query", query, n);
	pack_kv(pk, WEFT_CTL_ARG_AUTHOR, o->author, n);
	pack_kv(pk, "tag", o->tag, n);
	pack_kv(pk, "license", o->license, n);
	pack_kv(pk, "classes", o->classes[0] != '\0' ? o->classes : NULL, n);
	pack_kv(pk, "type", o->type, n);
	pack_kv(pk, "lib", o->lib, n);
	pack_kv(pk, "remix_of", o->remix_of, n);
	pack_kv(pk, "sort", o->sort, n);
	pack_ku(pk, "since", o->since, o->since != 0, n);
	pack_ku(pk, "until", o->until, o->until != 0, n);
	if (o->fits_on) {
		if (pk != NULL) {
			weft_pack_str(pk, "fits");
			weft_pack_array(pk, 3);
			for (int i = 0; i < 3; i++)
				weft_pack_uint(pk, o->fits[i]);
		}
		(*n)++;
	}
	pack_ku(pk, "max_volume", o->max_volume, o->max_volume != 0, n);
	pack_ku(pk, "min_size", o->min_size, o->min_size != 0, n);
	pack_ku(pk, "triangles_min", o->tri_min, o->tri_min != 0, n);
	pack_ku(pk, "triangles_max", o->tri_max, o->tri_max != 0, n);
	pack_ku(pk, "limit", o->limit, paged, n);
	pack_ku(pk, "offset", (o->page - 1) * o->limit, paged && o->page > 1,
	    n);
	if (!cli->json && !cli->quiet) {
		if (pk != NULL) {
			weft_pack_str(pk, "short");
			weft_pack_bool(pk, true);
		}
		(*n)++;
	}
}

static int
list_main(struct weft_cli *cli, const char *op, const struct list_opts *o,
    const char *query)
{
	static char			 outbuf[STDOUT_BUF];
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	struct weft_buf			 req;
	struct weft_pack		 pk;
	struct list_seen		 seen;
	uint32_t			 nargs;
	int				 rc, err;

	rc = weft__home(cli);
	if (rc)
		return rc;
	/* Before any output: one write per megabyte, not per line. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	/*
	 * Each frame of a long listing is decoded into a zone of small
	 * chunks that is freed before the next: keep the heap between
	 * frames instead of giving it back and asking for it again (476
	 * brk calls and their page faults for 13,005 summaries).
	 */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 8 * 1024 * 1024);
	rc = weft_ctl_client_connect(&c, cli);
	if (rc)
		return rc;
	memset(&seen, 0, sizeof(seen));
	weft_buf_init(&req, 4096);
	weft_pack_init(&pk, &req);
	pack_args(NULL, cli, o, query, &nargs);
	weft_ctl_request(&pk, op, nargs);
	pack_args(&pk, cli, o, query, &nargs);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	weft_buf_release(&req);
	if (err)
		rc = weft__fail(err, c.error, "cannot %s", op);
	else
		rc = print_list(cli, &c, r, op, &seen);
	if (rc == WEFT_EXIT_OK && o->tty && !cli->json && !cli->quiet)
		print_footer(o, &seen, op);
	/* stdout's buffer is static: flush before main's exit does. */
	fflush(stdout);
	weft_ctl_client_close(&c);
	return rc;
}

/* YYYY-MM-DD (UTC) to ms since the epoch; end: the day's last ms. */
static int
parse_date(const char *s, bool end, uint64_t *ms)
{
	struct tm	tm;
	int		y, m, d, n = 0;
	time_t		t;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d,
	    &n) != 3 || n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (t < 0)
		return -1;
	*ms = (uint64_t)t * 1000 + (end ? DAY_MS - 1 : 0);
	return 0;
}

static int
parse_count(const char *s, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_LICENSE = 0x100, OPT_TYPE, OPT_LIBRARY, OPT_REMIX, OPT_SINCE,
	OPT_UNTIL, OPT_SORT, OPT_LIMIT, OPT_PAGE, OPT_ALL, OPT_REMIXABLE,
	OPT_COMMERCIAL, OPT_FITS, OPT_MAXVOL, OPT_MINSIZE, OPT_TRIS,
};

/* Adds a license class (docs/licenses.md) to what a listing asks for. */
static void
add_class(struct list_opts *o, const char *cls)
{
	size_t	n = strlen(o->classes);

	if (strstr(o->classes, cls) == NULL)
		snprintf(o->classes + n, sizeof(o->classes) - n, "%s%s",
		    n ? "," : "", cls);
}

#define LIST_OPTS							\
	{ "author", required_argument, NULL, 'a' },			\
	{ "tag", required_argument, NULL, 't' },			\
	{ "license", required_argument, NULL, OPT_LICENSE },		\
	{ "type", required_argument, NULL, OPT_TYPE },			\
	{ "library", required_argument, NULL, OPT_LIBRARY },		\
	{ "remix-of", required_argument, NULL, OPT_REMIX },		\
	{ "since", required_argument, NULL, OPT_SINCE },		\
	{ "until", required_argument, NULL, OPT_UNTIL },		\
	{ "sort", required_argument, NULL, OPT_SORT },			\
	{ "limit", required_argument, NULL, OPT_LIMIT },		\
	{ "page", required_argument, NULL, OPT_PAGE },			\
	{ "all", no_argument, NULL, OPT_ALL },				\
	{ "remixable", no_argument, NULL, OPT_REMIXABLE },		\
	{ "commercial-ok", no_argument, NULL, OPT_COMMERCIAL },		\
	{ "fits", required_argument, NULL, OPT_FITS },			\
	{ "max-volume", required_argument, NULL, OPT_MAXVOL },		\
	{ "min-size", required_argument, NULL, OPT_MINSIZE },		\
	{ "triangles", required_argument, NULL, OPT_TRIS }

/*
 * Parses the options common to ls and search. Returns WEFT_OPT_CONTINUE
 * when the option was one of them (or one weft__opt() took), else the
 * exit code to return.
 */
static int
list_opt(struct weft_cli *cli, int ch, char **argv, const char *usage,
    struct list_opts *o, bool search)
{
	switch (ch) {
	case 'a':
		if (!weft__id_ok(optarg))
			return weft__usage_error("'%s' is not an author id (8 "
			    "to 64 hex characters of one)", optarg);
		o->author = optarg;
		break;
	case 't':
		if (optarg[0] == '\0')
			return weft__usage_error("the tag must not be empty");
		o->tag = optarg;
		break;
	case OPT_LICENSE:
		/* A license, or a class of them (docs/licenses.md). */
		if (weft_license_class_parse(optarg) != 0) {
			add_class(o, optarg);
			break;
		}
		o->license = weft_license_parse(optarg);
		if (o->license == NULL)
			return weft__usage_error("'%s' is neither a license "
			    "(an SPDX id such as MIT or CC-BY-4.0) nor a class "
			    "(remixable, commercial-ok, share-alike, "
			    "no-derivatives)", optarg);
		break;
	case OPT_REMIXABLE:
		add_class(o, "remixable");
		break;
	case OPT_COMMERCIAL:
		add_class(o, "commercial-ok");
		break;
	case OPT_TYPE:
		if (optarg[0] == '.')
			optarg++;
		if (optarg[0] == '\0' || strlen(optarg) > 16 ||
		    strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(optarg))
			return weft__usage_error("bad file type '%s': give an "
			    "extension such as stl, 3mf, scad, svg or step",
			    optarg);
		o->type = optarg;
		break;
	case OPT_LIBRARY:
		o->lib = optarg;
		break;
	case OPT_REMIX:
		o->remix_of = optarg;
		break;
	case OPT_SINCE:
	case OPT_UNTIL:
		if (parse_date(optarg, ch == OPT_UNTIL, ch == OPT_SINCE ?
		    &o->since : &o->until) != 0)
			return weft__usage_error("bad date '%s': give "
			    "YYYY-MM-DD", optarg);
		break;
	case OPT_SORT:
		if (strcmp(optarg, "recent") != 0 &&
		    strcmp(optarg, "likes") != 0 &&
		    strcmp(optarg, "makes") != 0 &&
		    strcmp(optarg, "remixes") != 0 &&
		    strcmp(optarg, search ? "relevance" : "oldest") != 0)
			return weft__usage_error("unknown sort '%s': give %s, "
			    "recent, likes, makes or remixes", optarg,
			    search ? "relevance" : "oldest");
		o->sort = optarg;
		break;
	case OPT_LIMIT:
		if (parse_count(optarg, LIMIT_MAX, &o->limit) != 0)
			return weft__usage_error("bad limit '%s': give 1 to "
			    "%d", optarg, LIMIT_MAX);
		o->has_limit = true;
		break;
	case OPT_PAGE:
		if (parse_count(optarg, 10000000, &o->page) != 0)
			return weft__usage_error("bad page '%s': give a "
			    "number from 1", optarg);
		break;
	case OPT_ALL:
		o->all = true;
		break;
	case OPT_FITS:
		if (weft__geom_parse_box(optarg, o->fits) != 0)
			return weft__usage_error("bad size '%s': give "
			    "XxYxZ in mm, such as 220x220x250", optarg);
		o->fits_on = true;
		break;
	case OPT_MAXVOL:
		if (weft__geom_parse_volume(optarg, &o->max_volume) != 0)
			return weft__usage_error("bad volume '%s': give mm^3 "
			    "(50000) or cm3 (50cm3)", optarg);
		break;
	case OPT_MINSIZE:
		if (weft__geom_parse_len(optarg, &o->min_size) != 0)
			return weft__usage_error("bad size '%s': give a "
			    "length in mm", optarg);
		break;
	case OPT_TRIS:
		if (weft__geom_parse_range(optarg, &o->tri_min,
		    &o->tri_max) != 0)
			return weft__usage_error("bad triangle count '%s': "
			    "give MAX, MIN-MAX or MIN-", optarg);
		break;
	default:
		return weft__opt(cli, ch, argv, usage);
	}
	return WEFT_OPT_CONTINUE;
}

/*
 * The page: on a terminal 20 designs unless told (--limit, --all);
 * elsewhere everything (scripts, pipes) unless --limit or --page asks
 * for a page. --page without --limit pages by 20.
 */
static int
list_finish_opts(struct list_opts *o)
{
	if (o->all && (o->has_limit || o->page))
		return weft__usage_error("--all lists everything: it takes "
		    "no --limit or --page");
	if (o->since && o->until && o->since > o->until)
		return weft__usage_error("--since is after --until");
	o->tty = isatty(STDOUT_FILENO);
	if (!o->has_limit)
		o->limit = o->all || (!o->tty && o->page == 0) ? 0 :
		    TTY_LIMIT;
	if (o->page == 0)
		o->page = 1;
	if (o->limit > 0 && (o->page - 1) > 10000000 / o->limit)
		return weft__usage_error("--page is too far: at most "
		    "10,000,000 designs in");
	return WEFT_OPT_CONTINUE;
}

int
cmd_ls(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		LIST_OPTS,
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct list_opts		 o;
	int				 ch, rc;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, ":hqa:t:", opts, NULL)) != -1) {
		rc = list_opt(cli, ch, argv, ls_usage, &o, false);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (optind != argc)
		return weft__usage(ls_usage);
	rc = list_finish_opts(&o);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	return list_main(cli, WEFT_CTL_OP_LS, &o, NULL);
}

int
cmd_search(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		LIST_OPTS,
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct list_opts		 o;
	char				 query[QUERY_MAX + 1];
	size_t				 n = 0, k;
	int				 ch, rc;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, ":hqa:t:", opts, NULL)) != -1) {
		rc = list_opt(cli, ch, argv, search_usage, &o, true);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	/* Only geometry filters: a listing of what passes them. */
	if (optind == argc && (o.fits_on || o.max_volume || o.min_size ||
	    o.tri_min || o.tri_max)) {
		rc = list_finish_opts(&o);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
		return list_main(cli, WEFT_CTL_OP_LS, &o, NULL);
	}
	if (optind == argc)
		return weft__usage(search_usage);
	/* "weft search red bracket" searches for both words. */
	for (int i = optind; i < argc; i++) {
		k = strlen(argv[i]);
		if (n + k + 1 > QUERY_MAX)
			return weft__usage_error("the query is too long (at "
			    "most %d bytes)", QUERY_MAX);
		if (n > 0)
			query[n++] = ' ';
		memcpy(query + n, argv[i], k);
		n += k;
	}
	query[n] = '\0';
	if (strspn(query, " \t") == n)
		return weft__usage_error("the query must not be empty");
	rc = list_finish_opts(&o);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	return list_main(cli, WEFT_CTL_OP_SEARCH, &o, query);
}
