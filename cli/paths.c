/*
 * Collecting the files to publish, and small pure helpers (slug, default
 * title, id argument check) kept apart from the commands so that unit
 * tests can link them (tests/unit/test-cli-paths.c).
 *
 * Directories are walked with openat()/fdopendir() and every entry is
 * looked at with fstatat(AT_SYMLINK_NOFOLLOW), so a symlink inside a
 * published directory is never followed and cannot pull in files from
 * elsewhere.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#include "weft/err.h"
#include "weft/ignore.h"
#include "weft/record.h"
#include "weft/text.h"

#include "paths.h"

#define WALK_DEPTH_MAX	64
#define IGNORE_FILE	".weftignore"

/*
 * Skipped in every folder unless a rule brings them back: dotfiles (.git,
 * .DS_Store, .env, editor swap files .x.swp...), editor backups (x~,
 * #x#) and Windows' thumbnail caches.
 */
const char *const weft__src_defaults[] = {
	".*",
	"*~",
	"\\#*#",
	"Thumbs.db",
	"ehthumbs.db",
	"desktop.ini",
	NULL
};

/* Never published from inside a folder, whatever the rules say. */
static const char *const vcs_dirs[] = {
	".git", ".hg", ".svn", ".bzr", NULL
};

/* Names that usually hold secrets: publishing one needs a confirmation. */
static const char *const secret_rules[] = {
	"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk",
	"id_ed25519_sk", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
	"*.keystore", "*.kdbx", ".env", ".env.*", ".netrc", ".npmrc",
	".pypirc", ".git-credentials", ".htpasswd", "credentials",
	"credentials.json", "secrets.*", "*.ovpn", "*.gpg", "*.age",
	".git/", ".hg/", ".svn/", ".ssh/", ".gnupg/", ".aws/",
	NULL
};
void
weft__src_init(struct weft_src_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
weft__src_release(struct weft_src_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].src);
	}
	free(l->v);
	free(l->bad);
	for (size_t i = 0; i < l->nskipped; i++)
		free(l->skipped[i]);
	free(l->skipped);
	memset(l, 0, sizeof(*l));
}

static char *
join(const char *a, const char *b)
{
	size_t	 na = strlen(a), nb = strlen(b);
	char	*s;

	if (na == 0)
		return strdup(b);
	s = malloc(na + nb + 2);
	if (s == NULL)
		return NULL;
	memcpy(s, a, na);
	/* "dir/" + "f" must not become "dir//f". */
	if (a[na - 1] != '/')
		s[na++] = '/';
	memcpy(s + na, b, nb + 1);
	return s;
}

/* Adds one file; takes path and src (freed on failure). */
static int
push(struct weft_src_list *l, char *path, char *src, uint64_t size,
    bool nofollow)
{
	struct weft_src_file	*v;
	size_t			 cap;

	if (path == NULL || src == NULL) {
		free(path);
		free(src);
		return -ENOMEM;
	}
	if (l->n >= WEFT_FILES_MAX || size > WEFT_FILE_SIZE_MAX) {
		l->why = l->n >= WEFT_FILES_MAX ? WEFT_SRC_TOO_MANY :
		    WEFT_SRC_TOO_LARGE;
		free(path);
		free(src);
		return WEFT_ETOOBIG;
	}
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 16;
		v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			free(path);
			free(src);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].path = path;
	l->v[l->n].src = src;
	l->v[l->n].size = size;
	l->v[l->n].nofollow = nofollow;
	l->n++;
	l->total += size;
	return 0;
}

/* Remembers a name the rules left out (dirs get a '/'). */
static int
note_skip(struct weft_src_list *l, const char *rel, bool is_dir)
{
	char	**v;
	size_t	  n = strlen(rel);

	l->nskipped_all++;
	if (l->nskipped >= WEFT_SRC_SKIPPED_MAX)
		return 0;
	v = realloc(l->skipped, (l->nskipped + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	l->skipped = v;
	v[l->nskipped] = malloc(n + 2);
	if (v[l->nskipped] == NULL)
		return -ENOMEM;
	memcpy(v[l->nskipped], rel, n);
	if (is_dir)
		v[l->nskipped][n++] = '/';
	v[l->nskipped][n] = '\0';
	l->nskipped++;
	return 0;
}

static bool
is_vcs(const char *name)
{
	for (size_t i = 0; vcs_dirs[i] != NULL; i++)
		if (strcmp(name, vcs_dirs[i]) == 0)
			return true;
	return false;
}

bool
weft__src_secret(const char *path)
{
	struct weft_ignore	 ig;
	char			*p;
	bool			 hit = false;

	weft_ignore_init(&ig);
	for (size_t i = 0; secret_rules[i] != NULL; i++)
		if (weft_ignore_add_line(&ig, secret_rules[i],
		    strlen(secret_rules[i])) != 0)
			goto out;
	hit = weft_ignore_match(&ig, path, false);
	/* A file inside a secret directory (".ssh/id", ".aws/x"). */
	p = strdup(path);
	for (char *s = p; !hit && s != NULL && (s = strchr(s, '/')) != NULL;
	    s++) {
		*s = '\0';
		hit = weft_ignore_match(&ig, p, true);
		*s = '/';
	}
	free(p);
out:
	weft_ignore_release(&ig);
	return hit;
}

static void
warn_skip(const char *src, const struct stat *st, bool quiet)
{
	char	esc[4 * 1024 + 1];

	if (quiet)
		return;
	/* A name from someone else's folder: escaped, as every error. */
	weft_text_escape(esc, sizeof(esc), src, strnlen(src, 1024));
	fflush(stdout);
	fprintf(stderr, "weft: skipping '%s': %s\n", esc,
	    S_ISLNK(st->st_mode) ? "symbolic link" : "not a regular file");
}

/*
 * Walks the directory open at dfd (consumed: closed on return). rel is the
 * path of that directory inside the design ("" at the top), src the path
 * to it on disk.
 */
static int
walk(struct weft_src_list *l, const struct weft_ignore *ig, int dfd,
    const char *rel, const char *src, int depth, bool quiet)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*crel = NULL, *csrc = NULL;
	int		 fd, err = 0;

	d = fdopendir(dfd);
	if (d == NULL) {
		err = -errno;
		close(dfd);
		if (l->bad == NULL)
			l->bad = strdup(src);
		return err;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			err = -errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		crel = join(rel, de->d_name);
		csrc = join(src, de->d_name);
		if (crel == NULL || csrc == NULL) {
			err = -ENOMEM;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			err = -errno;
			break;
		}
		if (is_vcs(de->d_name) ||
		    weft_ignore_match(ig, crel, S_ISDIR(st.st_mode))) {
			err = note_skip(l, crel, S_ISDIR(st.st_mode));
			free(crel);
			free(csrc);
			crel = csrc = NULL;
			if (err)
				break;
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			err = push(l, crel, csrc, (uint64_t)st.st_size, true);
			crel = csrc = NULL;
			if (err)
				break;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			warn_skip(csrc, &st, quiet);
			free(crel);
			free(csrc);
			crel = csrc = NULL;
			continue;
		}
		if (depth >= WALK_DEPTH_MAX) {
			l->why = WEFT_SRC_TOO_DEEP;
			err = WEFT_ETOOBIG;
			break;
		}
		fd = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1) {
			err = -errno;
			break;
		}
		err = walk(l, ig, fd, crel, csrc, depth + 1, quiet);
		free(crel);
		free(csrc);
		crel = csrc = NULL;
		if (err)
			goto out;
	}
	if (err && l->bad == NULL) {
		/* Name the entry at fault (or this directory). */
		l->bad = csrc != NULL ? csrc : strdup(src);
		csrc = NULL;
	}
out:
	free(crel);
	free(csrc);
	closedir(d);
	return err;
}

/* Reads dir/.weftignore, if there is one, into ig. */
static int
read_ignore_file(struct weft_src_list *l, struct weft_ignore *ig, int dfd,
    const char *src)
{
	char	*buf;
	ssize_t	 r;
	size_t	 len = 0;
	int	 fd, err = 0;

	fd = openat(dfd, IGNORE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -errno;
	buf = malloc(WEFT_IGNORE_FILE_MAX + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		r = read(fd, buf + len, WEFT_IGNORE_FILE_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > WEFT_IGNORE_FILE_MAX)
			break;
	}
	close(fd);
	if (err == 0)
		err = weft_ignore_add_text(ig, buf, len, &l->ign_line);
	free(buf);
	if (err) {
		if (err == WEFT_ETOOBIG)
			l->why = WEFT_SRC_BAD_IGNORE;
		free(l->bad);
		l->bad = join(src, IGNORE_FILE);
	}
	return err;
}

/* The rules of a directory argument: defaults, .weftignore, --exclude. */
static int
dir_rules(struct weft_src_list *l, struct weft_ignore *ig, int dfd,
    const char *src)
{
	int	err;

	for (size_t i = 0; weft__src_defaults[i] != NULL; i++) {
		err = weft_ignore_add_line(ig, weft__src_defaults[i],
		    strlen(weft__src_defaults[i]));
		if (err)
			return err;
	}
	err = read_ignore_file(l, ig, dfd, src);
	if (err)
		return err;
	for (size_t i = 0; i < l->nexclude; i++) {
		err = weft_ignore_add_line(ig, l->exclude[i],
		    strlen(l->exclude[i]));
		if (err)
			return err;
	}
	return 0;
}

int
weft__src_add(struct weft_src_list *l, const char *arg, bool quiet,
    const char **bad)
{
	struct stat	 st;
	const char	*base;
	size_t		 n;
	int		 fd;
	const char	*dummy = NULL;
	struct weft_ignore ig;
	int		 err;

	if (bad == NULL)
		bad = &dummy;
	*bad = arg;
	/* A PATH named on the command line is followed, as cp -H does. */
	if (stat(arg, &st) == -1)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		n = strlen(arg);
		while (n > 1 && arg[n - 1] == '/')
			n--;
		base = arg + n;
		while (base > arg && base[-1] != '/')
			base--;
		return push(l, strndup(base, (size_t)(arg + n - base)),
		    strdup(arg), (uint64_t)st.st_size, false);
	}
	if (!S_ISDIR(st.st_mode)) {
		warn_skip(arg, &st, quiet);
		return 0;
	}
	fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	weft_ignore_init(&ig);
	err = dir_rules(l, &ig, fd, arg);
	if (err) {
		close(fd);
		weft_ignore_release(&ig);
		if (l->bad != NULL)
			*bad = l->bad;
		return err;
	}
	err = walk(l, &ig, fd, "", arg, 0, quiet);
	weft_ignore_release(&ig);
	if (err && l->bad != NULL)
		*bad = l->bad;
	return err;
}

static int
cmp_path(const void *a, const void *b)
{
	const struct weft_src_file	*fa = a, *fb = b;

	/* strcmp compares as unsigned char: bytewise order. */
	return strcmp(fa->path, fb->path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
weft__src_finish(struct weft_src_list *l, const char **bad)
{
	*bad = NULL;
	if (l->nskipped > 0)
		qsort(l->skipped, l->nskipped, sizeof(l->skipped[0]),
		    cmp_str);
	if (l->n == 0)
		return WEFT_EUSAGE;
	qsort(l->v, l->n, sizeof(l->v[0]), cmp_path);
	for (size_t i = 0; i < l->n; i++) {
		if (weft_path_check(l->v[i].path, strlen(l->v[i].path)) != 0) {
			*bad = l->v[i].path;
			return WEFT_EBADPATH;
		}
		if (i > 0 && strcmp(l->v[i - 1].path, l->v[i].path) == 0) {
			*bad = l->v[i].path;
			return WEFT_EEXISTS;
		}
	}
	return 0;
}

/* Letters and digits of any script, and the marks that go with them. */
static bool
slug_cp(utf8proc_int32_t cp, bool after_kept)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
		return true;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
		return after_kept;
	default:
		return false;
	}
}

void
weft__slug(const char *title, size_t len, char *out, size_t outsz)
{
	utf8proc_uint8_t	*mapped = NULL;
	utf8proc_int32_t	 cp;
	utf8proc_ssize_t	 mlen, k;
	const uint8_t		*p;
	uint8_t			 enc[4];
	size_t			 n = 0, max = outsz ? outsz - 1 : 0, elen;
	bool			 dash = false, kept = false;

	if (max > 64)
		max = 64;
	/*
	 * Composed (so "u" and a combining diaeresis are one letter) and
	 * case-folded; a title that is not UTF-8 keeps its ASCII only.
	 */
	mlen = utf8proc_map((const utf8proc_uint8_t *)title,
	    (utf8proc_ssize_t)len, &mapped, UTF8PROC_STABLE |
	    UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	p = mapped;
	for (utf8proc_ssize_t i = 0; mlen > 0 && i < mlen && n < max; i += k) {
		k = utf8proc_iterate(p + i, mlen - i, &cp);
		if (k <= 0)
			break;
		if (!slug_cp(cp, kept)) {
			dash = true;
			kept = false;
			continue;
		}
		elen = (size_t)utf8proc_encode_char(cp, enc);
		if (n + elen + (dash && n > 0) > max)
			break;
		if (dash && n > 0)
			out[n++] = '-';
		dash = false;
		kept = true;
		memcpy(out + n, enc, elen);
		n += elen;
	}
	if (mlen < 0) {
		for (size_t i = 0; i < len && n < max; i++) {
			char	c = title[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
				if (dash && n > 0) {
					if (n + 2 > max)
						break;
					out[n++] = '-';
				}
				dash = false;
				out[n++] = c;
			} else
				dash = true;
		}
	}
	free(mapped);
	if (outsz)
		out[n] = '\0';
}

char *
weft__default_title(const char *arg, bool is_dir, char *out, size_t outsz)
{
	char		 real[PATH_MAX];
	const char	*p = arg, *base, *dot = NULL;
	size_t		 n;

	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	base = p + n;
	while (base > p && base[-1] != '/')
		base--;
	if ((p + n - base == 1 && base[0] == '.') ||
	    (p + n - base == 2 && base[0] == '.' && base[1] == '.')) {
		/* "." and ".." say nothing: use the directory's real name. */
		if (realpath(arg, real) != NULL && strcmp(real, "/") != 0) {
			p = real;
			n = strlen(p);
			base = strrchr(p, '/') + 1;
		}
	}
	if (!is_dir) {
		for (const char *q = base + 1; q < p + n; q++)
			if (*q == '.')
				dot = q;
		if (dot != NULL)
			n = (size_t)(dot - p);
	}
	snprintf(out, outsz, "%.*s", (int)(p + n - base), base);
	return out;
}

const char *
weft__src_why(const struct weft_src_list *l)
{
	static char	msg[64];

	switch (l->why) {
	case WEFT_SRC_TOO_MANY:
		snprintf(msg, sizeof(msg), "more than %d files",
		    WEFT_FILES_MAX);
		return msg;
	case WEFT_SRC_TOO_LARGE:
		snprintf(msg, sizeof(msg), "a file is larger than %llu bytes",
		    (unsigned long long)WEFT_FILE_SIZE_MAX);
		return msg;
	case WEFT_SRC_TOO_DEEP:
		snprintf(msg, sizeof(msg), "directories nested more than %d "
		    "deep", WALK_DEPTH_MAX);
		return msg;
	case WEFT_SRC_BAD_IGNORE:
		if (l->ign_line == 0)
			snprintf(msg, sizeof(msg), "it is larger than %d bytes",
			    WEFT_IGNORE_FILE_MAX);
		else
			snprintf(msg, sizeof(msg), "line %zu is longer than "
			    "%d bytes", l->ign_line, WEFT_IGNORE_LINE_MAX);
		return msg;
	default:
		return NULL;
	}
}

const char *
weft__path_why(const char *path)
{
	const unsigned char	*p = (const unsigned char *)path;
	size_t			 n = strlen(path), k;

	for (size_t i = 0; i < n; i += k) {
		k = weft_text_char(p + i, n - i);
		if (k == 0)
			return p[i] >= 0x80 ? "it is not valid UTF-8" :
			    "it contains a control character";
	}
	if (n > WEFT_PATH_MAX)
		return "it is too long";
	return "it must be relative, '/'-separated, without '.', '..' or "
	    "'\\'";
}

bool
weft__id_ok(const char *s)
{
	size_t	n = strlen(s);

	if (n < 8 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}
