/*
 * weft publish and weft update: collect the files, send the "publish"
 * request, then stream the files' bytes in "data" frames
 * (docs/proto/control.md). Files are read with read() through one
 * WEFT_CTL_DATA_MAX buffer, never whole; a file whose size differs from
 * what was announced aborts the operation (the daemon discards a stream
 * that ends early). The daemon signs and stores the revision and answers
 * with its id only after everything was committed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "help.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

static const char publish_usage[] =
    "weft publish [--title T] [--description D] [--license SPDX] "
    "[--tag T]... PATH...";
static const char update_usage[] =
    "weft update DESIGN [--message M] [--remix-of DESIGN]... [--title T] "
    "[--description D] [--license SPDX] [--tag T]... PATH...";

struct publish_args {
	const char	*design;	/* update: the design, else NULL */
	const char	*title;
	const char	*description;
	const char	*license;	/* canonical spelling */
	const char	*message;
	const char	*tags[WEFT_TAGS_MAX];
	uint32_t	 ntags;
	const char	*remix_of[WEFT_PREV_MAX];	/* update only */
	uint32_t	 nremix;
};

/* Checks a text option: UTF-8, length. Returns 0 or an exit code. */
static int
check_text(const char *what, const char *s, size_t max, bool nonempty)
{
	size_t	n = strlen(s);

	if (nonempty && n == 0)
		return weft__usage_error("the %s must not be empty", what);
	if (n > max)
		return weft__usage_error("the %s is too long (at most %zu "
		    "bytes)", what, max);
	if (!weft_utf8_valid(s, n))
		return weft__usage_error("the %s is not valid UTF-8 text",
		    what);
	return 0;
}

/* "unknown license", with the closest SPDX ids (help.c) if any. */
static int
unknown_license(const char *license)
{
	const char	*sug[3];
	char		 list[3 * (WEFT_LICENSE_MAX + 8)];
	size_t		 n, len = 0;

	n = weft_help_license_suggest(license, sug, 3);
	if (n == 0)
		return weft__usage_error("unknown license '%s': use an SPDX id "
		    "such as MIT or CC-BY-4.0", license);
	list[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		    "%s'%s'", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    sug[i]);
	return weft__usage_error("unknown license '%s': did you mean %s?",
	    license, list);
}

static int
check_args(struct publish_args *a, const char *license)
{
	int	rc;

	if (a->title != NULL) {
		rc = check_text("title", a->title, WEFT_TITLE_MAX, true);
		if (rc)
			return rc;
	}
	if (a->description != NULL) {
		rc = check_text("description", a->description, WEFT_DESC_MAX,
		    false);
		if (rc)
			return rc;
	}
	if (a->message != NULL) {
		rc = check_text("message", a->message, WEFT_MESSAGE_MAX,
		    false);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < a->ntags; i++) {
		rc = check_text("tag", a->tags[i], WEFT_TAG_MAX, true);
		if (rc)
			return rc;
	}
	if (license != NULL) {
		a->license = weft_license_parse(license);
		if (a->license == NULL)
			return unknown_license(license);
	}
	return 0;
}

static void
pack_opt_str(struct weft_pack *pk, const char *key, const char *val)
{
	if (val == NULL)
		return;
	weft_pack_str(pk, key);
	weft_pack_str(pk, val);
}

static int
build_request(const struct publish_args *a, const struct weft_src_list *l,
    struct weft_buf *req)
{
	struct weft_pack	pk;
	uint32_t		nargs = 1;

	nargs += a->design != NULL;
	nargs += a->title != NULL;
	nargs += a->description != NULL;
	nargs += a->license != NULL;
	nargs += a->message != NULL;
	nargs += a->ntags > 0;
	nargs += a->nremix > 0;
	weft_pack_init(&pk, req);
	weft_ctl_request(&pk, "publish", nargs);
	pack_opt_str(&pk, "design", a->design);
	pack_opt_str(&pk, "title", a->title);
	pack_opt_str(&pk, "description", a->description);
	pack_opt_str(&pk, "license", a->license);
	pack_opt_str(&pk, "message", a->message);
	if (a->ntags > 0) {
		weft_pack_str(&pk, "tags");
		weft_pack_array(&pk, a->ntags);
		for (uint32_t i = 0; i < a->ntags; i++)
			weft_pack_str(&pk, a->tags[i]);
	}
	if (a->nremix > 0) {
		weft_pack_str(&pk, "remix_of");
		weft_pack_array(&pk, a->nremix);
		for (uint32_t i = 0; i < a->nremix; i++)
			weft_pack_str(&pk, a->remix_of[i]);
	}
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, (uint32_t)l->n);
	for (size_t i = 0; i < l->n; i++) {
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, l->v[i].path);
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, l->v[i].size);
	}
	return weft_pack_error(&pk);
}

struct sender {
	struct weft_ctl_client	*c;
	struct weft_buf		 frame;
	uint8_t			*buf;		/* WEFT_CTL_DATA_MAX */
	size_t			 fill;
	struct weft_progress	 progress;
};

/* Sends the buffered bytes as one data frame. */
static int
flush_data(struct sender *s)
{
	struct weft_pack	pk;
	int			err;

	if (s->fill == 0)
		return 0;
	weft_buf_reset(&s->frame);
	weft_pack_init(&pk, &s->frame);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "data");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, s->buf, s->fill);
	err = weft_pack_error(&pk);
	if (err)
		return err;
	err = weft_ctl_client_send(s->c, s->frame.data, s->frame.len);
	if (err)
		return err;
	out_progress_add(&s->progress, s->fill);
	s->fill = 0;
	return 0;
}

/*
 * Streams one file. Returns 0, -errno for a local read or a socket write
 * failure (*local tells which), or WEFT_EBUSY when the file changed size.
 */
static int
send_file(struct sender *s, const struct weft_src_file *f, bool *local)
{
	struct stat	st;
	uint64_t	left = f->size;
	uint8_t		probe;
	ssize_t		r;
	size_t		want;
	int		fd, err = 0;

	*local = true;
	fd = open(f->src, O_RDONLY | O_CLOEXEC |
	    (f->nofollow ? O_NOFOLLOW : 0));
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != f->size) {
		err = WEFT_EBUSY;
		goto out;
	}
	while (left > 0) {
		want = WEFT_CTL_DATA_MAX - s->fill;
		if (want > left)
			want = (size_t)left;
		r = read(fd, s->buf + s->fill, want);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err = -errno;
			goto out;
		}
		if (r == 0) {
			err = WEFT_EBUSY;	/* shrank */
			goto out;
		}
		s->fill += (size_t)r;
		left -= (uint64_t)r;
		if (s->fill == WEFT_CTL_DATA_MAX) {
			*local = false;
			err = flush_data(s);
			if (err)
				goto out;
			*local = true;
		}
	}
	/* The announced size was reached: the file must end here. */
	do
		r = read(fd, &probe, 1);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		err = -errno;
	else if (r > 0)
		err = WEFT_EBUSY;	/* grew */
out:
	close(fd);
	return err;
}

static int
print_result(const struct weft_cli *cli, const struct weft_obj *r,
    bool update)
{
	uint8_t	id[32], design[32];
	char	hid[65], hdesign[65];
	json_t	*j;

	if (weft_obj_binn(weft_obj_get(r, "id"), id, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(r, "design"), design, 32) != 0)
		return weft__bad_reply(WEFT_EPROTO, "publish");
	out_hex(hid, id);
	out_hex(hdesign, design);
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "id", out_json_id(id));
		json_object_set_new(j, "design", out_json_id(design));
		out_json_print(j);
	} else if (cli->quiet)
		printf("%s\n", hid);
	else if (update)
		printf("updated %s with revision %s\n", hdesign, hid);
	else
		printf("published %s\n", hid);
	return WEFT_EXIT_OK;
}

static int
run_publish(struct weft_cli *cli, const struct publish_args *a,
    const struct weft_src_list *l)
{
	struct weft_ctl_client	 c;
	struct weft_buf		 req;
	struct sender		 s;
	const struct weft_obj	*r;
	const char		*what = a->design ? "update" : "publish";
	bool			 local = false;
	int			 rc, err;

	memset(&s, 0, sizeof(s));
	weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
	weft_buf_init(&s.frame, WEFT_CTL_FRAME_MAX);
	err = build_request(a, l, &req);
	if (err)
		return weft__fail(err, NULL, "cannot %s: too many files or "
		    "paths too long", what);
	rc = weft_ctl_client_connect(&c, cli);
	if (rc) {
		weft_buf_release(&req);
		return rc;
	}
	err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot %s", what);
		goto out;
	}
	s.c = &c;
	s.buf = malloc(WEFT_CTL_DATA_MAX);
	if (s.buf == NULL) {
		rc = weft__fail(-ENOMEM, NULL, "cannot %s", what);
		goto out;
	}
	out_progress_init(&s.progress, a->design ? "updating" : "publishing",
	    l->total, !cli->quiet && isatty(STDERR_FILENO));
	for (size_t i = 0; i < l->n && err == 0; i++) {
		err = send_file(&s, &l->v[i], &local);
		if (err && local) {
			out_progress_end(&s.progress);
			rc = weft__fail(err, err == WEFT_EBUSY ?
			    "it changed while it was being read" : NULL,
			    "cannot %s: cannot read '%s'", what, l->v[i].src);
			goto out;
		}
	}
	if (err == 0) {
		local = false;
		err = flush_data(&s);
	}
	out_progress_end(&s.progress);
	if (err && err != -EPIPE && err != -ECONNRESET) {
		rc = weft__fail(err, NULL, "cannot %s: cannot send to weftd",
		    what);
		goto out;
	}
	/*
	 * After a failed write the daemon has usually replied with the reason
	 * before it closed the connection: read and report it.
	 */
	err = weft_ctl_client_recv(&c, &r);
	if (err) {
		rc = weft__fail(err, c.error, "cannot %s", what);
		goto out;
	}
	rc = print_result(cli, r, a->design != NULL);
out:
	out_progress_end(&s.progress);
	free(s.buf);
	weft_buf_release(&s.frame);
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	return rc;
}

static int
publish_main(struct weft_cli *cli, int argc, char **argv, bool update)
{
	/* update takes --message too: publish starts after it. */
	static const struct option	 opts[] = {
		{ "message",	 required_argument, NULL, 'm' },
		{ "remix-of",	 required_argument, NULL, 'R' },
		{ "title",	 required_argument, NULL, 't' },
		{ "description", required_argument, NULL, 'd' },
		{ "license",	 required_argument, NULL, 'l' },
		{ "tag",	 required_argument, NULL, 'T' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char		*usage = update ? update_usage : publish_usage;
	struct publish_args	 a;
	struct weft_src_list	 l;
	struct stat		 st;
	const char		*license = NULL, *bad;
	char			 title[WEFT_TITLE_MAX + 1];
	int			 ch, rc, err, first;

	memset(&a, 0, sizeof(a));
	while ((ch = getopt_long(argc, argv, update ? ":hqt:d:l:T:m:R:" :
	    ":hqt:d:l:T:", update ? opts : opts + 2, NULL)) != -1) {
		switch (ch) {
		case 't':
			a.title = optarg;
			break;
		case 'd':
			a.description = optarg;
			break;
		case 'l':
			license = optarg;
			break;
		case 'T':
			if (a.ntags == WEFT_TAGS_MAX)
				return weft__usage_error("too many tags (at "
				    "most %d)", WEFT_TAGS_MAX);
			a.tags[a.ntags++] = optarg;
			break;
		case 'm':
			a.message = optarg;
			break;
		case 'R':
			if (a.nremix == WEFT_PREV_MAX)
				return weft__usage_error("too many designs "
				    "(at most %d)", WEFT_PREV_MAX);
			if (!weft__id_ok(optarg))
				return weft__usage_error("malformed design id "
				    "'%s': give 8 to 64 hex digits", optarg);
			a.remix_of[a.nremix++] = optarg;
			break;
		default:
			rc = weft__opt(cli, ch, argv, usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	first = optind;
	if (update) {
		if (first >= argc)
			return weft__usage(usage);
		a.design = argv[first++];
		if (!weft__id_ok(a.design))
			return weft__usage_error("malformed design id '%s': "
			    "give 8 to 64 hex digits", a.design);
	}
	if (first >= argc)
		return weft__usage(usage);
	rc = check_args(&a, license);
	if (rc)
		return rc;
	rc = weft__home(cli);
	if (rc)
		return rc;

	weft__src_init(&l);
	for (int i = first; i < argc; i++) {
		err = weft__src_add(&l, argv[i], cli->quiet, &bad);
		if (err) {
			rc = weft__fail(err, err == WEFT_ETOOBIG ?
			    weft__src_why(&l) : NULL, "cannot %s '%s'",
			    update ? "update with" : "publish", bad);
			/* DESIGN.md: a PATH that does not exist is "not found". */
			if (err == -ENOENT)
				rc = WEFT_EXIT_NOTFOUND;
			goto out;
		}
	}
	err = weft__src_finish(&l, &bad);
	if (err == WEFT_EUSAGE) {
		rc = weft__usage_error("nothing to publish: no regular files "
		    "in the given paths");
		goto out;
	} else if (err == WEFT_EEXISTS) {
		rc = weft__usage_error("the path '%s' is given twice", bad);
		goto out;
	} else if (err) {
		rc = weft__usage_error("cannot publish the path '%s': %s",
		    bad, weft__path_why(bad));
		goto out;
	}
	if (!update && a.title == NULL) {
		if (stat(argv[first], &st) == -1)
			st.st_mode = 0;
		weft__default_title(argv[first], S_ISDIR(st.st_mode), title,
		    sizeof(title));
		if (title[0] == '\0' || !weft_utf8_valid(title,
		    strlen(title))) {
			rc = weft__usage_error("cannot derive a title from "
			    "'%s': give one with --title", argv[first]);
			goto out;
		}
		a.title = title;
	}
	rc = run_publish(cli, &a, &l);
out:
	weft__src_release(&l);
	return rc;
}

int
cmd_publish(struct weft_cli *cli, int argc, char **argv)
{
	return publish_main(cli, argc, argv, false);
}

int
cmd_update(struct weft_cli *cli, int argc, char **argv)
{
	return publish_main(cli, argc, argv, true);
}
