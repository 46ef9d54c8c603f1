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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char ls_usage[] =
    "weft ls [--author A] [--tag T] [--license L|CLASS] [--remixable] "
    "[--commercial-ok]";
static const char search_usage[] =
    "weft search [--license L|CLASS] [--remixable] [--commercial-ok] "
    "QUERY...";

/* The license filter options of ls and search (docs/licenses.md). */
struct lic_opts {
	const char	*license;
	char		 classes[64];
};

#define LIC_LONGOPTS							\
	{ "license", required_argument, NULL, 'l' },			\
	{ "remixable", no_argument, NULL, 'X' },			\
	{ "commercial-ok", no_argument, NULL, 'C' }

/* Takes one license option; 1 if ch was one, 0 if not, or an exit code. */
static int
lic_opt(struct lic_opts *lo, int ch, const char *arg)
{
	const char	*cls = NULL;

	switch (ch) {
	case 'l':
		if (weft_license_class_parse(arg) == 0 &&
		    weft_license_parse(arg) == NULL)
			return -weft__usage_error("'%s' is neither a license "
			    "(an SPDX id) nor a class (remixable, "
			    "commercial-ok, share-alike, no-derivatives)", arg);
		lo->license = arg;
		return 1;
	case 'X':
		cls = "remixable";
		break;
	case 'C':
		cls = "commercial-ok";
		break;
	default:
		return 0;
	}
	if (strstr(lo->classes, cls) == NULL)
		snprintf(lo->classes + strlen(lo->classes),
		    sizeof(lo->classes) - strlen(lo->classes), "%s%s",
		    lo->classes[0] ? "," : "", cls);
	return 1;
}

#define STDOUT_BUF	(1024 * 1024)
#define QUERY_MAX	1024

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

int
weft__print_summaries(struct weft_cli *cli, struct weft_ctl_client *c,
    const struct weft_obj *r, const char *what)
{
	const struct weft_obj	*items;
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

static int
list_main(struct weft_cli *cli, const char *op, const char *k1,
    const char *v1, const char *k2, const char *v2,
    const struct lic_opts *lo)
{
	static char			 outbuf[STDOUT_BUF];
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	int				 rc, err;

	rc = weft__home(cli);
	if (rc)
		return rc;
	/* Before any output: one write per megabyte, not per line. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = weft_ctl_client_connect(&c, cli);
	if (rc)
		return rc;
	/* k2 may be NULL, which ends the list: it goes last. */
	err = weft_ctl_client_op(&c, &r, op, k1, v1, "license", lo->license,
	    "classes", lo->classes[0] ? lo->classes : NULL, k2, v2,
	    (const char *)NULL);
	if (err)
		rc = weft__fail(err, c.error, "cannot %s", op);
	else
		rc = weft__print_summaries(cli, &c, r, op);
	/* stdout's buffer is static: flush before main's exit does. */
	fflush(stdout);
	weft_ctl_client_close(&c);
	return rc;
}

static bool
author_ok(const char *s)
{
	return strlen(s) == 64 && weft__id_ok(s);
}

int
cmd_ls(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "tag", required_argument, NULL, 't' },
		LIC_LONGOPTS,
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lic_opts			 lo;
	const char			*author = NULL, *tag = NULL;
	int				 ch, rc;

	memset(&lo, 0, sizeof(lo));
	while ((ch = getopt_long(argc, argv, ":hqa:t:l:", opts, NULL)) !=
	    -1) {
		rc = lic_opt(&lo, ch, optarg);
		if (rc < 0)
			return -rc;
		if (rc > 0)
			continue;
		switch (ch) {
		case 'a':
			author = optarg;
			break;
		case 't':
			tag = optarg;
			break;
		default:
			rc = weft__opt(cli, ch, argv, ls_usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	if (optind != argc)
		return weft__usage(ls_usage);
	if (author != NULL && !author_ok(author))
		return weft__usage_error("malformed author id '%s': give 64 "
		    "hex digits", author);
	if (tag != NULL && tag[0] == '\0')
		return weft__usage_error("the tag must not be empty");
	return list_main(cli, WEFT_CTL_OP_LS, WEFT_CTL_ARG_AUTHOR, author,
	    "tag", tag, &lo);
}

int
cmd_search(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		LIC_LONGOPTS,
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct lic_opts			 lo;
	char				 query[QUERY_MAX + 1];
	size_t				 n = 0, k;
	int				 ch, rc;

	memset(&lo, 0, sizeof(lo));
	while ((ch = getopt_long(argc, argv, ":hql:", opts, NULL)) != -1) {
		rc = lic_opt(&lo, ch, optarg);
		if (rc < 0)
			return -rc;
		if (rc > 0)
			continue;
		rc = weft__opt(cli, ch, argv, search_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
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
	return list_main(cli, WEFT_CTL_OP_SEARCH, "query", query, NULL, NULL,
	    &lo);
}
