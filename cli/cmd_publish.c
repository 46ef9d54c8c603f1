/*
 * weft publish and weft update: collect the files, send the "publish"
 * request, then stream the files' bytes in "data" frames
 * (docs/proto/control.md). Whole frames of a file go by sendfile(), the
 * rest is read with read() through one WEFT_CTL_DATA_MAX buffer, never
 * whole; a file whose size differs from what was announced aborts the
 * operation (the daemon discards a stream that ends early). The daemon signs and stores the revision and answers
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
#include "weft/ignore.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "help.h"
#include "ctl_client.h"
#include "interrupt.h"
#include "output.h"
#include "paths.h"

static const char publish_usage[] =
    "weft publish [--title T] [--description D] [--license SPDX] "
    "[--tag T]... [--exclude PATTERN]... [--dry-run] [--yes] PATH...";
static const char update_usage[] =
    "weft update DESIGN [--message M] [--remix-of DESIGN]... [--title T] "
    "[--description D] [--license SPDX] [--tag T]... "
    "[--exclude PATTERN]... [--dry-run] [--yes] [PATH...]";

/* More files than this need a confirmation (or --yes). */
#define CONFIRM_FILES	200
#define EXCLUDE_MAX	256

struct publish_args {
	const char	*design;	/* update: the design, else NULL */
	const char	*title;
	const char	*description;
	const char	*license;	/* canonical spelling */
	const char	*message;
	const char	*tags[WEFT_TAGS_MAX];
	uint32_t	 ntags;
	char		*exclude[EXCLUDE_MAX];
	size_t		 nexclude;
	bool		 dry_run;
	bool		 yes;
	bool		 meta_only;	/* update without PATH */
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

/*
 * A tag is one word (docs/proto/records.md): say so, and offer the
 * hyphenated form, instead of the daemon's "malformed field".
 */
static int
check_tag_word(const char *tag)
{
	char	alt[WEFT_TAG_MAX + 1];
	size_t	n = 0;
	bool	space = false;

	for (const char *p = tag; *p != '\0' && n < WEFT_TAG_MAX; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = true;
			if (n > 0 && alt[n - 1] != '-')
				alt[n++] = '-';
		} else
			alt[n++] = *p;
	}
	while (n > 0 && alt[n - 1] == '-')
		n--;
	alt[n] = '\0';
	if (!space)
		return 0;
	if (n == 0)
		return weft__usage_error("a tag cannot be empty or blank");
	return weft__usage_error("tag '%s' has a space: a tag is one word "
	    "(try '%s', or give --tag once per word)", tag, alt);
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
		rc = check_tag_word(a->tags[i]);
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
	nargs += a->yes && a->design == NULL;
	if (a->meta_only)
		nargs--;	/* no "files": the head's are kept */
	nargs += a->nremix > 0;
	weft_pack_init(&pk, req);
	weft_ctl_request(&pk, WEFT_CTL_OP_PUBLISH, nargs);
	pack_opt_str(&pk, WEFT_CTL_ARG_DESIGN, a->design);
	pack_opt_str(&pk, WEFT_CTL_ARG_TITLE, a->title);
	pack_opt_str(&pk, WEFT_CTL_ARG_DESC, a->description);
	pack_opt_str(&pk, "license", a->license);
	pack_opt_str(&pk, "message", a->message);
	if (a->yes && a->design == NULL) {
		/* Publish even what is already one of our designs. */
		weft_pack_str(&pk, "duplicate");
		weft_pack_bool(&pk, true);
	}
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
	if (a->meta_only)
		return weft_pack_error(&pk);
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
	weft_pack_str(&pk, WEFT_CTL_OP_DATA);
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
 * Sends the next WEFT_CTL_DATA_MAX bytes of fd as one whole data frame,
 * the bytes by sendfile: the same frame flush_data() would send, without
 * reading them into our memory and packing them (on a 1 GiB publish
 * those two copies were a quarter of both cores' time).
 */
static int
send_whole(struct sender *s, int fd, bool *local)
{
	struct weft_pack	pk;
	uint8_t			bin[5];
	bool			sock;
	int			err;

	weft_buf_reset(&s->frame);
	weft_pack_init(&pk, &s->frame);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, WEFT_CTL_OP_DATA);
	weft_pack_str(&pk, "data");
	/* msgpack bin 32: the length, big-endian; the bytes follow. */
	bin[0] = 0xc6;
	bin[1] = (uint8_t)(WEFT_CTL_DATA_MAX >> 24);
	bin[2] = (uint8_t)(WEFT_CTL_DATA_MAX >> 16);
	bin[3] = (uint8_t)(WEFT_CTL_DATA_MAX >> 8);
	bin[4] = (uint8_t)WEFT_CTL_DATA_MAX;
	weft_pack_raw(&pk, bin, sizeof(bin));
	err = weft_pack_error(&pk);
	if (err)
		return err;
	err = weft_ctl_client_send_fd(s->c, s->frame.data, s->frame.len, fd,
	    WEFT_CTL_DATA_MAX, &sock);
	*local = !sock;
	if (err)
		return err;
	out_progress_add(&s->progress, WEFT_CTL_DATA_MAX);
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
		if (s->fill == 0 && left >= WEFT_CTL_DATA_MAX) {
			err = send_whole(s, fd, local);
			if (err)
				goto out;
			*local = true;
			left -= WEFT_CTL_DATA_MAX;
			continue;
		}
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
	struct weft_record	 rec;
	const uint8_t		*env;
	size_t			 len;
	uint8_t			 id[32], design[32];
	char			 hid[65], hdesign[65];
	json_t			*j;
	bool			 ok;

	if (weft_obj_binn(weft_obj_get(r, "id"), id, 32) != 0)
		return weft__bad_reply(WEFT_EPROTO, "publish");
	if (weft_obj_binn(weft_obj_get(r, "design"), design, 32) != 0) {
		/* A metadata-only update: the record names its design. */
		weft_record_init(&rec);
		ok = weft_obj_bin(weft_obj_get(r, "record"), &env, &len) == 0 &&
		    weft_record_verify(env, len, &rec, NULL) == 0 &&
		    rec.type == WEFT_REC_REV && rec.has_design;
		if (ok)
			memcpy(design, rec.design, 32);
		weft_record_release(&rec);
		if (!ok)
			return weft__bad_reply(WEFT_EPROTO, "update");
	}
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

static void
human_size(char *out, size_t outsz, uint64_t n)
{
	if (n < 1000)
		snprintf(out, outsz, "%llu bytes", (unsigned long long)n);
	else if (n < 1000 * 1000)
		snprintf(out, outsz, "%.1f kB", (double)n / 1e3);
	else if (n < 1000ull * 1000 * 1000)
		snprintf(out, outsz, "%.1f MB", (double)n / 1e6);
	else
		snprintf(out, outsz, "%.2f GB", (double)n / 1e9);
}

/* --dry-run: the exact list that would be published, and its size. */
static int
print_dry_run(const struct weft_cli *cli, const struct weft_src_list *l)
{
	char	size[32];
	json_t	*j, *a, *f;

	if (cli->json) {
		j = json_object();
		a = json_array();
		for (size_t i = 0; i < l->n; i++) {
			f = json_object();
			json_object_set_new(f, "path", out_json_str(
			    l->v[i].path, strlen(l->v[i].path)));
			json_object_set_new(f, "size",
			    json_integer((json_int_t)l->v[i].size));
			json_array_append_new(a, f);
		}
		json_object_set_new(j, "files", a);
		json_object_set_new(j, "count", json_integer((json_int_t)l->n));
		json_object_set_new(j, "total",
		    json_integer((json_int_t)l->total));
		a = json_array();
		for (size_t i = 0; i < l->nskipped; i++)
			json_array_append_new(a, out_json_str(l->skipped[i],
			    strlen(l->skipped[i])));
		json_object_set_new(j, "skipped", a);
		json_object_set_new(j, "skipped_count",
		    json_integer((json_int_t)l->nskipped_all));
		return out_json_print(j) == 0 ? WEFT_EXIT_OK : WEFT_EXIT_FAIL;
	}
	for (size_t i = 0; i < l->n; i++) {
		printf("%12llu  ", (unsigned long long)l->v[i].size);
		out_text(stdout, l->v[i].path, strlen(l->v[i].path), true);
		putchar('\n');
	}
	human_size(size, sizeof(size), l->total);
	printf("%zu file%s, %llu bytes%s%s%s: nothing was published "
	    "(--dry-run)\n", l->n, l->n == 1 ? "" : "s",
	    (unsigned long long)l->total, l->total < 1000 ? "" : " (",
	    l->total < 1000 ? "" : size, l->total < 1000 ? "" : ")");
	if (l->nskipped_all > 0 && !cli->quiet) {
		printf("skipped by the ignore rules:\n");
		for (size_t i = 0; i < l->nskipped; i++) {
			printf("  ");
			out_text(stdout, l->skipped[i], strlen(l->skipped[i]),
			    true);
			putchar('\n');
		}
		if (l->nskipped_all > l->nskipped)
			printf("  ... and %zu more\n",
			    l->nskipped_all - l->nskipped);
	}
	return WEFT_EXIT_OK;
}

/*
 * Many files, or a name that looks like a secret: ask on a terminal,
 * else require --yes. Returns 0 to go on, or an exit code.
 */
static int
confirm(const struct weft_cli *cli, const struct publish_args *a,
    const struct weft_src_list *l)
{
	const char	*secret = NULL;
	char		 line[16];
	FILE		*tty;
	bool		 ok;

	for (size_t i = 0; i < l->n && secret == NULL; i++)
		if (weft__src_secret(l->v[i].path))
			secret = l->v[i].path;
	if (a->yes || (l->n <= CONFIRM_FILES && secret == NULL))
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO) || cli->json) {
		if (secret != NULL)
			return weft__fail(0, NULL, "not publishing: '%s' looks "
			    "like a secret (a key or credentials); check the "
			    "list with --dry-run, exclude it with --exclude "
			    "or .weftignore, or add --yes", secret);
		return weft__fail(0, NULL, "not publishing: %zu files is "
		    "more than %d; check the list with --dry-run, then add "
		    "--yes", l->n, CONFIRM_FILES);
	}
	if (secret != NULL)
		weft__warn("'%s' looks like a secret (a key or credentials)",
		    secret);
	if (l->n > CONFIRM_FILES)
		weft__warn("this publishes %zu files (see them with "
		    "--dry-run)", l->n);
	fprintf(stderr, "Publish %zu file%s for every peer to copy? [y/N] ",
	    l->n, l->n == 1 ? "" : "s");
	fflush(stderr);
	tty = fdopen(dup(STDIN_FILENO), "r");
	ok = tty != NULL && fgets(line, sizeof(line), tty) != NULL &&
	    (line[0] == 'y' || line[0] == 'Y');
	if (tty != NULL)
		fclose(tty);
	if (!ok)
		return weft__fail(0, NULL, "nothing was published");
	return 0;
}

/* Warnings that do not stop a publish. */
static void
warn_files(const struct weft_cli *cli, const struct publish_args *a,
    const struct weft_src_list *l)
{
	if (cli->quiet)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].size == 0)
			weft__warn("warning: '%s' is empty (0 bytes)",
			    l->v[i].path);
	if (a->design == NULL && a->license == NULL)
		weft__warn("warning: no --license given: the design says "
		    "NOASSERTION, so others cannot tell whether they may "
		    "remix it (set one later with 'weft update DESIGN "
		    "--license SPDX')");
}

/*
 * After SIGINT, SIGTERM or SIGHUP: says so once (closing the connection
 * makes weftd drop the unfinished publish and its chunks).
 */
static bool
interrupted(const char *what, struct weft_progress *progress)
{
	if (!weft__intr_caught())
		return false;
	out_progress_end(progress);
	weft__warn("interrupted: the %s was not made; weftd drops what it "
	    "had received", what);
	return true;
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
	weft__intr_catch(c.fd);
	err = weft_ctl_client_call(&c, &req, &r);
	if (err) {
		rc = interrupted(what, &s.progress) ? WEFT_EXIT_FAIL :
		    weft__fail(err, c.error, "cannot %s", what);
		goto out;
	}
	if (a->meta_only) {
		/* The daemon made the revision at once. */
		rc = print_result(cli, r, true);
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
		if (err && interrupted(what, &s.progress)) {
			rc = WEFT_EXIT_FAIL;
			goto out;
		}
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
	if (interrupted(what, &s.progress)) {
		rc = WEFT_EXIT_FAIL;
		goto out;
	}
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
		rc = interrupted(what, &s.progress) ? WEFT_EXIT_FAIL :
		    weft__fail(err, c.error, "cannot %s", what);
		goto out;
	}
	rc = print_result(cli, r, a->design != NULL);
	warn_files(cli, a, l);
out:
	out_progress_end(&s.progress);
	free(s.buf);
	weft_buf_release(&s.frame);
	weft_buf_release(&req);
	weft_ctl_client_close(&c);
	if (rc == WEFT_EXIT_OK && weft__intr_caught()) {
		/* The revision was committed before the signal was seen. */
		weft__warn("interrupted, but the %s was complete", what);
	}
	weft__intr_release(rc != WEFT_EXIT_OK);
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
		{ "exclude",	 required_argument, NULL, 'x' },
		{ "dry-run",	 no_argument,	    NULL, 'n' },
		{ "yes",	 no_argument,	    NULL, 'y' },
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
	while ((ch = getopt_long(argc, argv, update ? ":hqnyt:d:l:T:x:m:R:" :
	    ":hqnyt:d:l:T:x:", update ? opts : opts + 2, NULL)) != -1) {
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
		case 'x':
			if (a.nexclude == EXCLUDE_MAX)
				return weft__usage_error("too many --exclude "
				    "patterns (at most %d)", EXCLUDE_MAX);
			if (strlen(optarg) > WEFT_IGNORE_LINE_MAX)
				return weft__usage_error("an --exclude pattern "
				    "is longer than %d bytes",
				    WEFT_IGNORE_LINE_MAX);
			a.exclude[a.nexclude++] = optarg;
			break;
		case 'n':
			a.dry_run = true;
			break;
		case 'y':
			a.yes = true;
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
	if (first >= argc && !update)
		return weft__usage(usage);
	if (first >= argc) {
		/* update DESIGN --title...: a revision with the same files. */
		if (a.title == NULL && a.description == NULL &&
		    license == NULL && a.ntags == 0 && a.message == NULL &&
		    a.nremix == 0)
			return weft__usage_error("nothing to update: give PATHs, "
			    "or --title, --description, --license, --tag, "
			    "--message or --remix-of to change only those");
		if (a.dry_run || a.nexclude > 0)
			return weft__usage_error("--dry-run and --exclude need "
			    "PATHs");
		a.meta_only = true;
	}
	rc = check_args(&a, license);
	if (rc)
		return rc;
	if (!a.dry_run) {
		rc = weft__home(cli);
		if (rc)
			return rc;
	}
	if (a.meta_only) {
		weft__src_init(&l);
		rc = run_publish(cli, &a, &l);
		goto out;
	}

	weft__src_init(&l);
	l.exclude = a.exclude;
	l.nexclude = a.nexclude;
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
		if (l.nskipped_all > 0)
			rc = weft__usage_error("nothing to publish: the ignore "
			    "rules skip all %zu names in the given paths (see "
			    "them with --dry-run)", l.nskipped_all);
		else
			rc = weft__usage_error("nothing to publish: no regular "
			    "files in the given paths");
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
	if (a.dry_run) {
		rc = print_dry_run(cli, &l);
		goto out;
	}
	rc = confirm(cli, &a, &l);
	if (rc)
		goto out;
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
