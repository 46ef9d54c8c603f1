/*
 * The community commands: weft profile set|show, weft comment, weft
 * comments, weft like, weft unlike (control ops profile_set, profile,
 * names, comment, comments, react; docs/proto/control.md). Everything a
 * profile or a comment holds was written by a stranger and is printed
 * through out_text(), which escapes it; a name is always shown with the
 * author's key prefix, since names are not unique.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/imgmeta.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "ctl_client.h"
#include "output.h"
#include "paths.h"

/* Comments one "weft comments" shows at most. */
#define COMMENTS_MAX	100000
/* Replies deeper than this are drawn at this depth. */
#define INDENT_MAX	6

static const char profile_usage[] =
    "weft profile set --name NAME [--bio TEXT] [--link URL]... "
    "[--avatar FILE]\n"
    "       weft profile show [AUTHOR] [--avatar OUT]";
static const char set_usage[] =
    "weft profile set --name NAME [--bio TEXT] [--link URL]... "
    "[--avatar FILE]";
static const char show_usage[] = "weft profile show [AUTHOR] [--avatar OUT]";
static const char comment_usage[] =
    "weft comment DESIGN [TEXT|-] [--reply-to COMMENT] [--edit COMMENT]\n"
    "       weft comment --delete COMMENT";
static const char comments_usage[] = "weft comments DESIGN";
static const char like_usage[] = "weft like DESIGN";
static const char make_usage[] =
    "weft make DESIGN --photo FILE... [--note TEXT] [--printer P] "
    "[--material M] [--settings S] [--rev REV]";
static const char makes_usage[] = "weft makes DESIGN";
static const char unlike_usage[] = "weft unlike DESIGN";

/* "Ada (1f2e3d4c)", the name escaped; "1f2e3d4c" alone without a name. */
static void
print_who(FILE *f, const char *name, const uint8_t author[32])
{
	char	hex[65];

	out_hex(hex, author);
	if (name != NULL && name[0] != '\0') {
		out_text(f, name, strlen(name), true);
		fprintf(f, " (%.8s)", hex);
	} else
		fprintf(f, "%.8s", hex);
}

/*
 * Reads a photo (at most WEFT_PHOTO_MAX bytes) and strips its metadata
 * into out, saying on stderr what was removed.
 */
static int
read_photo(const struct weft_cli *cli, const char *path, struct weft_buf *out)
{
	struct weft_buf	raw;
	FILE		*f;
	size_t		 k;
	unsigned	 rm = 0;
	int		 err = 0;

	f = fopen(path, "rb");
	if (f == NULL)
		return weft__fail(-errno, NULL, "cannot open '%s'", path);
	/* One byte more than allowed tells a file that is too big. */
	weft_buf_init(&raw, WEFT_PHOTO_MAX + 1);
	err = weft_buf_reserve(&raw, WEFT_PHOTO_MAX + 1);
	while (err == 0 && raw.len <= WEFT_PHOTO_MAX) {
		k = fread(raw.data + raw.len, 1, WEFT_PHOTO_MAX + 1 - raw.len,
		    f);
		raw.len += k;
		if (k == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	if (err == 0 && raw.len > WEFT_PHOTO_MAX)
		err = WEFT_ETOOBIG;
	fclose(f);
	if (err == 0) {
		weft_buf_init(out, raw.len);
		err = weft_img_strip(raw.data, raw.len, out, &rm);
	}
	weft_buf_release(&raw);
	if (err == WEFT_ETOOBIG)
		return weft__usage_error("'%s' is over %u MiB", path,
		    WEFT_PHOTO_MAX >> 20);
	if (err == WEFT_EBADFIELD)
		return weft__usage_error("'%s' is not a JPEG, PNG or WebP "
		    "image", path);
	if (err)
		return weft__fail(err, NULL, "cannot read '%s'", path);
	if (rm > 0 && !cli->quiet)
		weft__warn("removed %u metadata block%s (location, camera, "
		    "time) from '%s' before publishing it", rm,
		    rm == 1 ? "" : "s", path);
	return 0;
}

/*
 * Parses a command that takes one DESIGN and only the common options:
 * WEFT_OPT_CONTINUE with *design, or the exit code to return.
 */
static int
design_arg(struct weft_cli *cli, int argc, char **argv, const char *usage,
    const char **design)
{
	static const struct option	 opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		rc = weft__opt(cli, ch, argv, usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1)
		return weft__usage(usage);
	*design = argv[optind];
	if (!weft__id_ok(*design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", *design);
	return WEFT_OPT_CONTINUE;
}

/* profile set */

static int
profile_set(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "name",	required_argument,	NULL, 'n' },
		{ "bio",	required_argument,	NULL, 'b' },
		{ "link",	required_argument,	NULL, 'l' },
		{ "avatar",	required_argument,	NULL, 'a' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	const char			*name = NULL, *bio = NULL;
	const char			*avatar = NULL, *base;
	struct weft_buf			 img = { NULL, 0, 0, 0 };
	const char			*links[WEFT_LINKS_MAX];
	struct weft_buf			 req;
	struct weft_pack		 pk;
	uint32_t			 nlinks = 0;
	int				 ch, rc, err;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			continue;
		case 'b':
			bio = optarg;
			continue;
		case 'a':
			avatar = optarg;
			continue;
		case 'l':
			if (nlinks == WEFT_LINKS_MAX)
				return weft__usage_error("at most %d links",
				    WEFT_LINKS_MAX);
			links[nlinks++] = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, set_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc != optind || name == NULL)
		return weft__usage(set_usage);
	if (name[0] == '\0' || strlen(name) > WEFT_PNAME_MAX)
		return weft__usage_error("a name is 1 to %d bytes",
		    WEFT_PNAME_MAX);
	if (bio != NULL && strlen(bio) > WEFT_BIO_MAX)
		return weft__usage_error("a bio is at most %d bytes",
		    WEFT_BIO_MAX);
	for (uint32_t i = 0; i < nlinks; i++)
		if (strncmp(links[i], "https://", 8) != 0 &&
		    strncmp(links[i], "http://", 7) != 0)
			return weft__usage_error("link '%s' does not start "
			    "with https:// or http://", links[i]);
	if (avatar != NULL) {
		rc = read_photo(cli, avatar, &img);
		if (rc)
			return rc;
		if (img.len > WEFT_AVATAR_MAX) {
			weft_buf_release(&img);
			return weft__usage_error("an avatar is at most %u KiB "
			    "('%s' is larger)", WEFT_AVATAR_MAX >> 10, avatar);
		}
	}
	rc = weft__connect(cli, &c);
	if (rc) {
		weft_buf_release(&img);
		return rc;
	}
	weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, "profile_set", 2 + (bio != NULL) +
	    2 * (avatar != NULL));
	if (avatar != NULL) {
		base = strrchr(avatar, '/');
		base = base != NULL ? base + 1 : avatar;
		weft_pack_str(&pk, "avatar");
		weft_pack_bin(&pk, img.data, img.len);
		weft_pack_str(&pk, "avatar_name");
		weft_pack_str(&pk, base);
	}
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, name);
	if (bio != NULL) {
		weft_pack_str(&pk, "bio");
		weft_pack_str(&pk, bio);
	}
	weft_pack_str(&pk, "links");
	weft_pack_array(&pk, nlinks);
	for (uint32_t i = 0; i < nlinks; i++)
		weft_pack_str(&pk, links[i]);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	if (err)
		rc = weft__fail(err, c.error, "cannot set the profile");
	else
		rc = out_made(cli, r, WEFT_CTL_OP_PROFILE, "profile ", "");
	weft_buf_release(&req);
	weft_buf_release(&img);
	weft_ctl_client_close(&c);
	return rc;
}

/* profile show */

/* Writes the author's avatar to path (a new file). */
static int
save_avatar(struct weft_ctl_client *c, const char *who, const char *path)
{
	const struct weft_obj	*r;
	const uint8_t		*data;
	size_t			 len;
	FILE			*f;
	int			 err;

	err = weft_ctl_client_op(c, &r, "avatar", "author", who,
	    (const char *)NULL);
	if (err)
		return weft__fail(err, c->error, "cannot get the avatar");
	if (weft_obj_bin(weft_obj_get(r, "data"), &data, &len) != 0)
		return weft__bad_reply(WEFT_EPROTO, "avatar");
	f = fopen(path, "wbx");
	if (f == NULL)
		return weft__fail(-errno, NULL, "cannot create '%s'", path);
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		unlink(path);
		return weft__fail(-EIO, NULL, "cannot write '%s'", path);
	}
	return 0;
}

static int
profile_show(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "avatar",	required_argument,	NULL, 'a' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct weft_record		 rec;
	const struct weft_obj		*r;
	const uint8_t			*env;
	const char			*who = NULL, *save = NULL;
	size_t				 len;
	char				 hex[65], date[OUT_DATE_MAX];
	json_t				*j, *a;
	int				 ch, rc, err;

	optind = 0;
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'a') {
			save = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, show_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind > 1)
		return weft__usage(show_usage);
	if (argc - optind == 1) {
		who = argv[optind];
		if (!weft__id_ok(who))
			return weft__usage_error("malformed author id '%s': "
			    "give 8 to 64 hex digits", who);
	}
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft_record_init(&rec);
	err = weft_ctl_client_op(&c, &r, "profile", "author", who,
	    (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "cannot show the profile");
		goto out;
	}
	if (weft_obj_bin(weft_obj_get(r, "record"), &env, &len) != 0) {
		rc = weft__bad_reply(WEFT_EPROTO, "profile");
		goto out;
	}
	err = weft_record_verify(env, len, &rec, NULL);
	if (err == 0 && rec.type != WEFT_REC_PROFILE)
		err = WEFT_EPROTO;
	if (err) {
		rc = weft__fail(err, NULL, "the profile does not verify");
		goto out;
	}
	out_hex(hex, rec.author);
	if (save != NULL) {
		rc = save_avatar(&c, hex, save);
		if (rc)
			goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "author", out_json_id(rec.author));
		json_object_set_new(j, "name",
		    out_json_str(rec.name, strlen(rec.name)));
		json_object_set_new(j, "bio",
		    out_json_str(rec.bio, strlen(rec.bio)));
		a = json_array();
		for (uint32_t i = 0; i < rec.nlinks; i++)
			json_array_append_new(a, out_json_str(rec.links[i],
			    strlen(rec.links[i])));
		json_object_set_new(j, "links", a);
		if (rec.nfiles == 1) {
			a = json_object();
			json_object_set_new(a, "name", out_json_str(
			    rec.files[0].path, strlen(rec.files[0].path)));
			json_object_set_new(a, "size",
			    json_integer((json_int_t)rec.files[0].size));
			json_object_set_new(a, "hash",
			    out_json_id(rec.files[0].hash));
			json_object_set_new(j, "avatar", a);
		}
		json_object_set_new(j, "ts", json_integer((json_int_t)rec.ts));
		out_json_date(j, "date", rec.ts);
		out_json_print(j);
		goto out;
	}
	printf("%-8s ", "name");
	out_text(stdout, rec.name, strlen(rec.name), true);
	printf("\n%-8s %s\n", "author", hex);
	if (rec.bio[0] != '\0') {
		const char	*p = rec.bio, *nl;

		printf("%-8s", "bio");
		for (bool first = true; ; first = false) {
			nl = strchr(p, '\n');
			printf("%s ", first ? "" : "        ");
			out_text(stdout, p, nl ? (size_t)(nl - p) : strlen(p),
			    true);
			putchar('\n');
			if (nl == NULL)
				break;
			p = nl + 1;
		}
	}
	for (uint32_t i = 0; i < rec.nlinks; i++) {
		printf("%-8s ", i == 0 ? "links" : "");
		out_text(stdout, rec.links[i], strlen(rec.links[i]), true);
		putchar('\n');
	}
	if (rec.nfiles == 1) {
		char	sz[OUT_SIZE_MAX];

		printf("%-8s ", "avatar");
		out_text(stdout, rec.files[0].path, strlen(rec.files[0].path),
		    true);
		printf(" (%s)\n", out_size(sz, rec.files[0].size));
	}
	out_date(date, rec.ts);
	printf("%-8s %s UTC\n", "updated", date);
out:
	weft_record_release(&rec);
	weft_ctl_client_close(&c);
	return rc;
}

int
cmd_profile(struct weft_cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s\n", profile_usage);
		return WEFT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "set") == 0)
		return profile_set(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return profile_show(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("usage: %s\n", profile_usage);
		return WEFT_EXIT_OK;
	}
	if (argv[1][0] == '-')
		return weft__usage_error("unknown option '%s'; see 'weft "
		    "profile -h'", argv[1]);
	return weft__usage_error("'%s' is not a profile command (set, show)",
	    argv[1]);
}

/* comment */

/* Reads a comment from stdin: at most WEFT_COMMENT_MAX bytes. */
static int
read_stdin(char **out)
{
	char	*buf;
	size_t	 n = 0;
	ssize_t	 k;

	buf = malloc(WEFT_COMMENT_MAX + 2);
	if (buf == NULL)
		return -ENOMEM;
	while (n <= WEFT_COMMENT_MAX) {
		k = read(STDIN_FILENO, buf + n, WEFT_COMMENT_MAX + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > WEFT_COMMENT_MAX) {
		free(buf);
		return WEFT_ETOOBIG;
	}
	/* One trailing newline is the terminal's, not the text's. */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int
cmd_comment(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "reply-to",	required_argument,	NULL, 'r' },
		{ "edit",	required_argument,	NULL, 'e' },
		{ "delete",	required_argument,	NULL, 'd' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	const char			*design, *reply = NULL, *edit = NULL;
	const char			*del = NULL;
	char				*text = NULL;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		if (ch == 'r') {
			reply = optarg;
			continue;
		}
		if (ch == 'e') {
			edit = optarg;
			continue;
		}
		if (ch == 'd') {
			del = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, comment_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	/* Deleting a comment is its author's retraction of it. */
	if (del != NULL) {
		if (argc - optind != 0 || reply != NULL || edit != NULL)
			return weft__usage(comment_usage);
		return weft__retract(cli, del, NULL);
	}
	if (argc - optind < 1 || argc - optind > 2)
		return weft__usage(comment_usage);
	design = argv[optind];
	if (!weft__id_ok(design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", design);
	if ((reply != NULL && !weft__id_ok(reply)) ||
	    (edit != NULL && !weft__id_ok(edit)))
		return weft__usage_error("malformed comment id '%s': give 8 "
		    "to 64 hex digits", reply != NULL && !weft__id_ok(reply) ?
		    reply : edit);
	if (argc - optind == 2 && strcmp(argv[optind + 1], "-") != 0) {
		text = strdup(argv[optind + 1]);
		if (text == NULL)
			return weft__fail(-ENOMEM, NULL, "comment");
	} else {
		err = read_stdin(&text);
		if (err == WEFT_ETOOBIG)
			return weft__usage_error("a comment is at most %d "
			    "bytes", WEFT_COMMENT_MAX);
		if (err)
			return weft__fail(err, NULL, "cannot read the comment");
	}
	if (text[0] == '\0') {
		free(text);
		return weft__usage_error("a comment needs text");
	}
	if (strlen(text) > WEFT_COMMENT_MAX) {
		free(text);
		return weft__usage_error("a comment is at most %d bytes",
		    WEFT_COMMENT_MAX);
	}
	if (!weft_utf8_valid(text, strlen(text))) {
		free(text);
		return weft__usage_error("a comment is UTF-8 text with no "
		    "control characters but tab and newline");
	}
	rc = weft__connect(cli, &c);
	if (rc) {
		free(text);
		return rc;
	}
	err = weft_ctl_client_op(&c, &r, "comment", "design", design,
	    "text", text, "reply_to", reply, "edit", edit,
	    (const char *)NULL);
	if (err)
		rc = weft__fail(err, c.error, "cannot comment");
	else
		rc = out_made(cli, r, WEFT_CTL_OP_COMMENT, "comment ", "");
	free(text);
	weft_ctl_client_close(&c);
	return rc;
}

/* comments */

struct comment {
	struct weft_record	 rec;
	uint8_t			 id[32];
	const char		*name;		/* into names */
	int			 shown_by;	/* latest edit, or -1 */
	int			 parent;	/* index, or -1 */
	bool			 hidden;	/* an edit of another */
	bool			 done;
};

struct thread {
	struct comment		*v;
	uint32_t		 n, cap;
	json_t			*names;		/* array of str, or NULL */
};

static int
find(const struct thread *t, const uint8_t id[32])
{
	for (uint32_t i = 0; i < t->n; i++)
		if (memcmp(t->v[i].id, id, 32) == 0)
			return (int)i;
	return -1;
}

static int
thread_add(struct thread *t, const struct weft_obj *o)
{
	struct comment	*c;
	const uint8_t	*env;
	size_t		 len;
	int		 err;

	if (weft_obj_bin(o, &env, &len) != 0)
		return WEFT_EPROTO;
	if (t->n == COMMENTS_MAX)
		return WEFT_ETOOBIG;
	if (t->n == t->cap) {
		uint32_t	ncap = t->cap ? 2 * t->cap : 64;
		struct comment	*nv = realloc(t->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	c = &t->v[t->n];
	memset(c, 0, sizeof(*c));
	err = weft_record_verify(env, len, &c->rec, c->id);
	if (err == 0 && c->rec.type != WEFT_REC_COMMENT)
		err = WEFT_EPROTO;
	if (err) {
		weft_record_release(&c->rec);
		return err;
	}
	t->n++;
	return 0;
}

/*
 * Edits: a comment that replaces an earlier one by the same author is
 * shown in its place (the latest edit wins); replies hang under their
 * parent when it is here.
 */
static void
thread_link(struct thread *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		t->v[i].shown_by = -1;
		t->v[i].parent = -1;
	}
	for (uint32_t i = 0; i < t->n; i++) {
		struct comment	*c = &t->v[i];
		int		 o;

		if (c->rec.replaces.n == 0)
			continue;
		o = find(t, c->rec.replaces.ids[0]);
		if (o < 0 || memcmp(t->v[o].rec.author, c->rec.author, 32) != 0)
			continue;	/* replaces nothing here */
		c->hidden = true;
		/* Comments come in (ts, id) order: a later one wins. */
		t->v[o].shown_by = (int)i;
	}
	for (uint32_t i = 0; i < t->n; i++)
		if (t->v[i].rec.parent.n == 1)
			t->v[i].parent = find(t, t->v[i].rec.parent.ids[0]);
}

static const char *
shown_text(const struct thread *t, const struct comment *c)
{
	return c->shown_by >= 0 ? t->v[c->shown_by].rec.text : c->rec.text;
}

static void
print_comment(const struct thread *t, struct comment *c, unsigned depth)
{
	const char	*p, *nl;
	char		 date[OUT_DATE_MAX], hex[65];
	unsigned	 ind = (depth < INDENT_MAX ? depth : INDENT_MAX) * 4;

	c->done = true;
	out_date(date, c->rec.ts);
	out_hex(hex, c->id);
	printf("%*s", (int)ind, "");
	print_who(stdout, c->name, c->rec.author);
	printf("  %s  %.8s%s\n", date, hex, c->shown_by >= 0 ? " (edited)" :
	    "");
	for (p = shown_text(t, c); ; p = nl + 1) {
		nl = strchr(p, '\n');
		printf("%*s  ", (int)ind, "");
		out_text(stdout, p, nl ? (size_t)(nl - p) : strlen(p), true);
		putchar('\n');
		if (nl == NULL)
			break;
	}
	for (uint32_t i = 0; i < t->n; i++) {
		struct comment	*r = &t->v[i];

		if (!r->hidden && !r->done &&
		    r->parent == (int)(c - t->v))
			print_comment(t, r, depth + 1);
	}
}

/* Fetches the names of the comments' authors (at most 1024 at a time). */
static int
thread_names(struct thread *t, struct weft_ctl_client *cl)
{
	const struct weft_obj	*r, *names;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	uint8_t			(*authors)[32];
	uint32_t		 na = 0, j;
	const char		*s;
	size_t			 n;
	int			 err;

	authors = calloc(t->n ? t->n : 1, 32);
	if (authors == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n; i++) {
		for (j = 0; j < na; j++)
			if (memcmp(authors[j], t->v[i].rec.author, 32) == 0)
				break;
		if (j == na && na < 1024)
			memcpy(authors[na++], t->v[i].rec.author, 32);
	}
	weft_buf_init(&req, 64 * 1024);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, "names", 1);
	weft_pack_str(&pk, "authors");
	weft_pack_array(&pk, na);
	for (j = 0; j < na; j++)
		weft_pack_bin(&pk, authors[j], 32);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(cl, &req, &r);
	weft_buf_release(&req);
	names = err == 0 ? weft_obj_get(r, "names") : NULL;
	if (err == 0 && (weft_obj_type(names) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(names) != na))
		err = WEFT_EPROTO;
	if (err == 0)
		t->names = json_array();
	for (j = 0; err == 0 && j < na; j++) {
		if (weft_obj_str(weft_obj_at(names, j), &s, &n) != 0) {
			err = WEFT_EPROTO;
			break;
		}
		json_array_append_new(t->names, out_json_str(s, n));
	}
	for (uint32_t i = 0; err == 0 && i < t->n; i++)
		for (j = 0; j < na; j++)
			if (memcmp(authors[j], t->v[i].rec.author, 32) == 0) {
				t->v[i].name = json_string_value(
				    json_array_get(t->names, j));
				break;
			}
	free(authors);
	return err;
}

static void
print_json(const struct thread *t, const uint8_t design[32])
{
	json_t	*j, *a, *o;

	j = json_object();
	json_object_set_new(j, "design", out_json_id(design));
	a = json_array();
	for (uint32_t i = 0; i < t->n; i++) {
		const struct comment	*c = &t->v[i];
		const char		*text = shown_text(t, c);

		if (c->hidden)
			continue;
		o = json_object();
		json_object_set_new(o, "id", out_json_id(c->id));
		json_object_set_new(o, "author", out_json_id(c->rec.author));
		json_object_set_new(o, "name", out_json_str(c->name ? c->name :
		    "", c->name ? strlen(c->name) : 0));
		json_object_set_new(o, "ts",
		    json_integer((json_int_t)c->rec.ts));
		out_json_date(o, "date", c->rec.ts);
		json_object_set_new(o, "text", out_json_str(text,
		    strlen(text)));
		json_object_set_new(o, "edited", json_boolean(c->shown_by >= 0));
		json_object_set_new(o, "parent", c->rec.parent.n == 1 ?
		    out_json_id(c->rec.parent.ids[0]) : json_null());
		json_object_set_new(o, "rev", c->rec.on_rev.n == 1 ?
		    out_json_id(c->rec.on_rev.ids[0]) : json_null());
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "comments", a);
	out_json_print(j);
}

int
cmd_comments(struct weft_cli *cli, int argc, char **argv)
{
	struct weft_ctl_client		 c;
	struct thread			 t;
	const struct weft_obj		*r, *items;
	const char			*design;
	uint8_t				 did[32];
	uint32_t			 shown = 0;
	bool				 first = true;
	int				 rc, err;

	rc = design_arg(cli, argc, argv, comments_usage, &design);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	memset(&t, 0, sizeof(t));
	err = weft_ctl_client_op(&c, &r, "comments", "design", design,
	    (const char *)NULL);
	for (;;) {
		if (err) {
			rc = weft__fail(err, c.error, "cannot read comments");
			goto out;
		}
		if (first && weft_obj_binn(weft_obj_get(r, "design"), did,
		    32) != 0) {
			rc = weft__bad_reply(WEFT_EPROTO, "comments");
			goto out;
		}
		first = false;
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY)
			err = WEFT_EPROTO;
		for (uint32_t i = 0; err == 0 && i < weft_obj_len(items); i++)
			err = thread_add(&t, weft_obj_at(items, i));
		if (err == WEFT_EBADSIG) {
			rc = weft__fail(err, NULL, "a comment does not verify");
			goto out;
		}
		if (err) {
			rc = weft__bad_reply(err, "comments");
			goto out;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(&c, &r);
	}
	thread_link(&t);
	err = thread_names(&t, &c);
	if (err) {
		rc = weft__fail(err, c.error, "cannot read names");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		print_json(&t, did);
		goto out;
	}
	for (uint32_t i = 0; i < t.n; i++) {
		struct comment	*cm = &t.v[i];

		if (cm->hidden || cm->done || cm->parent >= 0)
			continue;
		if (shown++ > 0)
			putchar('\n');
		print_comment(&t, cm, 0);
	}
	/* Replies whose parent never came: at the end, unindented. */
	for (uint32_t i = 0; i < t.n; i++)
		if (!t.v[i].hidden && !t.v[i].done) {
			if (shown++ > 0)
				putchar('\n');
			print_comment(&t, &t.v[i], 0);
		}
	if (shown == 0 && isatty(STDOUT_FILENO) && !cli->quiet)
		printf("no comments yet\n");
out:
	for (uint32_t i = 0; i < t.n; i++)
		weft_record_release(&t.v[i].rec);
	free(t.v);
	json_decref(t.names);
	weft_ctl_client_close(&c);
	return rc;
}

/* like, unlike */

static int
react(struct weft_cli *cli, int argc, char **argv, const char *usage,
    const char *value)
{
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	const char			*design;
	bool				 same = false;
	json_t				*j;
	int				 rc, err;

	rc = design_arg(cli, argc, argv, usage, &design);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	err = weft_ctl_client_op(&c, &r, "react", "design", design,
	    "value", value, (const char *)NULL);
	if (err) {
		rc = weft__fail(err, c.error, "cannot %s",
		    value[0] ? "like" : "unlike");
		goto out;
	}
	(void)weft_obj_bool(weft_obj_get(r, "unchanged"), &same);
	if (!same) {
		rc = out_made(cli, r, WEFT_CTL_OP_REACT,
		    value[0] ? "liked " : "unliked ", "");
		goto out;
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		j = json_object();
		json_object_set_new(j, "unchanged", json_true());
		out_json_print(j);
	} else if (!cli->quiet)
		printf("%s\n", value[0] ? "you already like it" :
		    "you did not like it");
out:
	weft_ctl_client_close(&c);
	return rc;
}

int
cmd_like(struct weft_cli *cli, int argc, char **argv)
{
	return react(cli, argc, argv, like_usage, "like");
}

int
cmd_unlike(struct weft_cli *cli, int argc, char **argv)
{
	return react(cli, argc, argv, unlike_usage, "");
}

/* Shared with show */

int
weft__author_name(struct weft_ctl_client *c, const uint8_t author[32],
    char *out, size_t cap)
{
	const struct weft_obj	*r, *names;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	const char		*s;
	size_t			 n;
	int			 err;

	weft_buf_init(&req, 256);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, "names", 1);
	weft_pack_str(&pk, "authors");
	weft_pack_array(&pk, 1);
	weft_pack_bin(&pk, author, 32);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, &r);
	weft_buf_release(&req);
	if (err)
		return err;
	names = weft_obj_get(r, "names");
	if (weft_obj_len(names) != 1 ||
	    weft_obj_str(weft_obj_at(names, 0), &s, &n) != 0 || n >= cap)
		return WEFT_EPROTO;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
weft__social_counts(struct weft_ctl_client *c, const uint8_t design[32],
    struct weft_social *sc)
{
	const struct weft_obj	*r;
	char			 hex[65];
	int			 err;

	out_hex(hex, design);
	err = weft_ctl_client_op(c, &r, "social", "design", hex,
	    (const char *)NULL);
	if (err)
		return err;
	if (weft_obj_uint(weft_obj_get(r, "likes"), &sc->likes) != 0 ||
	    weft_obj_uint(weft_obj_get(r, "comments"), &sc->comments) != 0 ||
	    weft_obj_bool(weft_obj_get(r, "liked"), &sc->liked) != 0)
		return WEFT_EPROTO;
	if (weft_obj_uint(weft_obj_get(r, "makes"), &sc->makes) != 0)
		sc->makes = 0;
	if (weft_obj_uint(weft_obj_get(r, "remixes"), &sc->remixes) != 0)
		sc->remixes = 0;
	return 0;
}

/* make */

int
cmd_make(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "photo",	required_argument,	NULL, 'p' },
		{ "note",	required_argument,	NULL, 'n' },
		{ "printer",	required_argument,	NULL, 'P' },
		{ "material",	required_argument,	NULL, 'm' },
		{ "settings",	required_argument,	NULL, 's' },
		{ "rev",	required_argument,	NULL, 'r' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	const struct weft_obj		*r;
	const char			*photos[WEFT_PHOTOS_MAX];
	const char			*note = NULL, *printer = NULL;
	const char			*material = NULL, *settings = NULL;
	const char			*rev = NULL, *design, *base;
	struct weft_buf			 req, img, refs;
	struct weft_pack		 pk, rp;
	uint32_t			 nphotos = 0, nargs;
	int				 ch, rc, err;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (nphotos == WEFT_PHOTOS_MAX)
				return weft__usage_error("at most %d photos",
				    WEFT_PHOTOS_MAX);
			photos[nphotos++] = optarg;
			continue;
		case 'n':
			note = optarg;
			continue;
		case 'P':
			printer = optarg;
			continue;
		case 'm':
			material = optarg;
			continue;
		case 's':
			settings = optarg;
			continue;
		case 'r':
			rev = optarg;
			continue;
		}
		rc = weft__opt(cli, ch, argv, make_usage);
		if (rc != WEFT_OPT_CONTINUE)
			return rc;
	}
	if (argc - optind != 1 || nphotos == 0)
		return weft__usage(make_usage);
	design = argv[optind];
	if (!weft__id_ok(design) || (rev != NULL && !weft__id_ok(rev)))
		return weft__usage_error("malformed id '%s': give 8 to 64 hex "
		    "digits", weft__id_ok(design) ? rev : design);
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	/* Each photo, stripped here, goes first, in a request of its own. */
	weft_buf_init(&refs, 64 * 1024);
	weft_pack_init(&rp, &refs);
	for (uint32_t i = 0; i < nphotos; i++) {
		rc = read_photo(cli, photos[i], &img);
		if (rc)
			goto out;
		if (img.len > WEFT_MAKE_PHOTO_MAX) {
			weft_buf_release(&img);
			rc = weft__usage_error("'%s' is over 2,000,000 bytes: "
			    "make it smaller", photos[i]);
			goto out;
		}
		base = strrchr(photos[i], '/');
		base = base != NULL ? base + 1 : photos[i];
		weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
		weft_pack_init(&pk, &req);
		weft_ctl_request(&pk, "photo", 2);
		weft_pack_str(&pk, "name");
		weft_pack_str(&pk, base);
		weft_pack_str(&pk, "data");
		weft_pack_bin(&pk, img.data, img.len);
		weft_buf_release(&img);
		err = weft_pack_error(&pk);
		if (err == 0)
			err = weft_ctl_client_call(&c, &req, &r);
		weft_buf_release(&req);
		if (err) {
			rc = weft__fail(err, c.error, "cannot send '%s'",
			    photos[i]);
			goto out;
		}
		/* The reply is the photo's file map: passed on as it is. */
		weft_pack_map(&rp, 4);
		{
			static const char *const keys[] = { "path", "size",
			    "hash", "index" };

			for (int k = 0; k < 4; k++) {
				const struct weft_obj	*v;
				const uint8_t		*b;
				const char		*s;
				size_t			 n;
				uint64_t		 u;

				v = weft_obj_get(r, keys[k]);
				weft_pack_str(&rp, keys[k]);
				if (k == 0 && weft_obj_str(v, &s, &n) == 0)
					weft_pack_strn(&rp, s, n);
				else if (k == 1 && weft_obj_uint(v, &u) == 0)
					weft_pack_uint(&rp, u);
				else if (k > 1 && weft_obj_bin(v, &b, &n) == 0 &&
				    n == 32)
					weft_pack_bin(&rp, b, n);
				else {
					rc = weft__bad_reply(WEFT_EPROTO,
					    "photo");
					goto out;
				}
			}
		}
	}
	nargs = 2 + (note != NULL) + (printer != NULL) + (material != NULL) +
	    (settings != NULL) + (rev != NULL);
	weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, "make", nargs);
	weft_pack_str(&pk, "design");
	weft_pack_str(&pk, design);
	weft_pack_str(&pk, "photos");
	weft_pack_array(&pk, nphotos);
	weft_pack_raw(&pk, refs.data, refs.len);
	if (note != NULL) {
		weft_pack_str(&pk, "note");
		weft_pack_str(&pk, note);
	}
	if (printer != NULL) {
		weft_pack_str(&pk, "printer");
		weft_pack_str(&pk, printer);
	}
	if (material != NULL) {
		weft_pack_str(&pk, "material");
		weft_pack_str(&pk, material);
	}
	if (settings != NULL) {
		weft_pack_str(&pk, "settings");
		weft_pack_str(&pk, settings);
	}
	if (rev != NULL) {
		weft_pack_str(&pk, "rev");
		weft_pack_str(&pk, rev);
	}
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_pack_error(&rp);
	if (err == 0)
		err = weft_ctl_client_call(&c, &req, &r);
	weft_buf_release(&req);
	if (err)
		rc = weft__fail(err, c.error, "cannot publish the make");
	else
		rc = out_made(cli, r, WEFT_CTL_OP_MAKE, "make ", "");
out:
	weft_buf_release(&refs);
	weft_ctl_client_close(&c);
	return rc;
}

/* makes */

#define MAKES_MAX	10000

static void
print_make(const struct weft_record *rec, const char *name, json_t *arr)
{
	char	hex[65], date[OUT_DATE_MAX], sz[OUT_SIZE_MAX];
	json_t	*o, *a;

	if (arr != NULL) {
		o = json_object();
		json_object_set_new(o, "author", out_json_id(rec->author));
		json_object_set_new(o, "name", out_json_str(name,
		    strlen(name)));
		json_object_set_new(o, "rev", out_json_id(rec->on_rev.ids[0]));
		json_object_set_new(o, "ts", json_integer((json_int_t)rec->ts));
		out_json_date(o, "date", rec->ts);
		json_object_set_new(o, "note", out_json_str(rec->text,
		    strlen(rec->text)));
		json_object_set_new(o, "printer", out_json_str(rec->printer,
		    strlen(rec->printer)));
		json_object_set_new(o, "material", out_json_str(rec->material,
		    strlen(rec->material)));
		json_object_set_new(o, "settings", out_json_str(rec->settings,
		    strlen(rec->settings)));
		a = json_array();
		for (uint32_t k = 0; k < rec->nfiles; k++) {
			json_t	*p = json_object();

			json_object_set_new(p, "path", out_json_str(
			    rec->files[k].path, strlen(rec->files[k].path)));
			json_object_set_new(p, "size", json_integer(
			    (json_int_t)rec->files[k].size));
			json_object_set_new(p, "hash",
			    out_json_id(rec->files[k].hash));
			json_array_append_new(a, p);
		}
		json_object_set_new(o, "photos", a);
		json_array_append_new(arr, o);
		return;
	}
	out_date(date, rec->ts);
	out_hex(hex, rec->on_rev.ids[0]);
	print_who(stdout, name, rec->author);
	printf("  %s  printed revision %.8s\n", date, hex);
	if (rec->printer[0] != '\0' || rec->material[0] != '\0') {
		printf("  ");
		out_text(stdout, rec->printer, strlen(rec->printer), true);
		printf("%s", rec->printer[0] && rec->material[0] ? ", " : "");
		out_text(stdout, rec->material, strlen(rec->material), true);
		putchar('\n');
	}
	for (const char *p = rec->text, *nl; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		printf("  ");
		out_text(stdout, p, nl ? (size_t)(nl - p) : strlen(p), true);
		putchar('\n');
		if (nl == NULL)
			break;
	}
	for (uint32_t k = 0; k < rec->nfiles; k++) {
		printf("  photo ");
		out_text(stdout, rec->files[k].path, strlen(rec->files[k].path),
		    true);
		printf(" (%s)\n", out_size(sz, rec->files[k].size));
	}
}

int
cmd_makes(struct weft_cli *cli, int argc, char **argv)
{
	struct weft_ctl_client		 c;
	const struct weft_obj		*r, *items;
	struct weft_record		*recs = NULL;
	const uint8_t			*env;
	const char			*design;
	size_t				 len;
	char				 name[4 * WEFT_PNAME_MAX + 1];
	json_t				*doc, *arr = NULL;
	uint32_t			 n = 0;
	int				 rc, err;

	rc = design_arg(cli, argc, argv, makes_usage, &design);
	if (rc != WEFT_OPT_CONTINUE)
		return rc;
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	recs = calloc(MAKES_MAX, sizeof(*recs));
	if (recs == NULL) {
		rc = weft__fail(-ENOMEM, NULL, "makes");
		goto out;
	}
	/* The whole list first: names are asked for after it. */
	err = weft_ctl_client_op(&c, &r, "makes", "design", design,
	    (const char *)NULL);
	for (;;) {
		if (err) {
			rc = weft__fail(err, c.error, "cannot read makes");
			goto out;
		}
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY) {
			rc = weft__bad_reply(WEFT_EPROTO, "makes");
			goto out;
		}
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			if (n == MAKES_MAX) {
				rc = weft__fail(WEFT_ETOOBIG, NULL, "more than "
				    "%d makes", MAKES_MAX);
				goto out;
			}
			if (weft_obj_bin(weft_obj_at(items, i), &env,
			    &len) != 0) {
				rc = weft__bad_reply(WEFT_EPROTO, "makes");
				goto out;
			}
			err = weft_record_verify(env, len, &recs[n], NULL);
			n++;
			if (err == 0 && recs[n - 1].type != WEFT_REC_MAKE)
				err = WEFT_EPROTO;
			if (err) {
				rc = weft__fail(err, NULL, "a make does not "
				    "verify");
				goto out;
			}
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(&c, &r);
	}
	if (cli->json)
		arr = json_array();
	for (uint32_t i = 0; i < n; i++) {
		if (weft__author_name(&c, recs[i].author, name,
		    sizeof(name)) != 0)
			name[0] = '\0';
		if (i > 0 && arr == NULL)
			putchar('\n');
		print_make(&recs[i], name, arr);
	}
	rc = WEFT_EXIT_OK;
	if (cli->json) {
		doc = json_object();
		json_object_set_new(doc, "makes", arr);
		arr = NULL;
		out_json_print(doc);
	} else if (n == 0 && isatty(STDOUT_FILENO) && !cli->quiet)
		printf("no makes yet\n");
out:
	json_decref(arr);
	for (uint32_t i = 0; recs != NULL && i < n; i++)
		weft_record_release(&recs[i]);
	free(recs);
	weft_ctl_client_close(&c);
	return rc;
}

/*
 * After following author (as given: a prefix or a key): names are not
 * unique, so if another followed author goes by the same display name,
 * say so, with both key prefixes. Best effort: any error says nothing.
 */
void
weft__warn_same_name(struct weft_ctl_client *c, const char *author)
{
	const struct weft_obj	*r, *items, *it, *names;
	struct weft_record	 rec;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	const uint8_t		*env;
	const char		*kind, *s;
	size_t			 len, n;
	uint8_t			 me[32], (*ids)[32] = NULL;
	uint32_t		 nids = 0;
	char			 hex[65], them[65];

	weft_record_init(&rec);
	if (weft_ctl_client_op(c, &r, "profile", "author", author,
	    (const char *)NULL) != 0 ||
	    weft_obj_binn(weft_obj_get(r, "author"), me, 32) != 0 ||
	    weft_obj_bin(weft_obj_get(r, "record"), &env, &len) != 0 ||
	    weft_record_verify(env, len, &rec, NULL) != 0 ||
	    rec.name == NULL || rec.name[0] == '\0')
		goto out;
	ids = calloc(1024, 32);
	if (ids == NULL || weft_ctl_client_op(c, &r, "policies",
	    (const char *)NULL) != 0)
		goto out;
	for (;;) {
		items = weft_obj_get(r, "items");
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			it = weft_obj_at(items, i);
			if (weft_obj_str(weft_obj_get(it, "kind"), &kind,
			    &n) != 0 || n != 6 || memcmp(kind, "follow", 6) ||
			    nids == 1024 || weft_obj_binn(weft_obj_get(it,
			    "id"), ids[nids], 32) != 0 ||
			    memcmp(ids[nids], me, 32) == 0)
				continue;
			nids++;
		}
		if (!weft_ctl_more(r) || weft_ctl_client_recv(c, &r) != 0)
			break;
	}
	if (nids == 0)
		goto out;
	weft_buf_init(&req, 64 * 1024);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, "names", 1);
	weft_pack_str(&pk, "authors");
	weft_pack_array(&pk, nids);
	for (uint32_t i = 0; i < nids; i++)
		weft_pack_bin(&pk, ids[i], 32);
	if (weft_pack_error(&pk) != 0 ||
	    weft_ctl_client_call(c, &req, &r) != 0) {
		weft_buf_release(&req);
		goto out;
	}
	weft_buf_release(&req);
	names = weft_obj_get(r, "names");
	out_hex(hex, me);
	for (uint32_t i = 0; i < nids && i < weft_obj_len(names); i++) {
		if (weft_obj_str(weft_obj_at(names, i), &s, &n) != 0 ||
		    n != strlen(rec.name) || strncasecmp(s, rec.name, n) != 0)
			continue;
		out_hex(them, ids[i]);
		weft__warn("note: '%s' is also the name of %.8s, whom you "
		    "follow: names are not unique, keys are (you just "
		    "followed %.8s)", rec.name, them, hex);
	}
out:
	free(ids);
	weft_record_release(&rec);
}
