/*
 * weft get: fetch a design's files into a directory (control op "get").
 *
 * The daemon's file list and bytes are untrusted, and so is whatever is
 * already in the target directory. Every path is checked with
 * weft_path_check(); directories are created and entered with
 * mkdirat()/openat(O_NOFOLLOW) relative to an fd of the target, so neither
 * a "../" path nor a symlink planted inside the target can redirect a
 * write. Each file is written to a temporary name while its BLAKE2b-256
 * is computed; only when every file matched its hash and the daemon said
 * "done" are they renamed into place. On any failure the temporary files
 * and the directories this run created are removed; SIGINT, SIGTERM and
 * SIGHUP take the same path (interrupt.h) before weft ends by the
 * signal. Temporary files that a killed get (SIGKILL) left behind, named
 * after a process that no longer runs, are removed by the next get into
 * the same directory; the chunks it had fetched stay in the daemon's
 * store, so the next get only fetches the rest.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "cli.h"
#include "credits.h"
#include "ctl_client.h"
#include "interrupt.h"
#include "output.h"
#include "paths.h"

static const char usage[] =
    "weft get DESIGN|LIB [-o DIR] [--rev REV] [--force] [--timeout SEC] "
    "[--no-credits] [--once]";

#define LIB_DESIGNS_MAX	100000	/* designs of one library got at once */

#define TMP_NAME_MAX	48
#define CREDITS_NAME	"CREDITS.md"

struct get_file {
	char		*path;
	uint64_t	 size;
	uint8_t		 hash[32];
	char		 tmp[TMP_NAME_MAX];	/* temp name, once created */
};

struct getter {
	const struct weft_cli	*cli;
	const char		*dir;		/* as given or derived */
	int			 root;		/* O_DIRECTORY fd of dir */
	bool			 made_root;	/* this run created dir */
	size_t			 made_up;	/* length of the first parent
						   of dir this run created */
	bool			 force;
	bool			 no_credits;
	struct get_file		*files;
	uint32_t		 nfiles;
	uint64_t		 total;
	char			**made;		/* directories created */
	size_t			 nmade;
	/* the file being written */
	uint32_t		 cur;
	uint64_t		 left;
	int			 fd;
	crypto_generichash_state hs;
	struct weft_progress	 progress;
	bool			 peer_phase;	/* "from peers" is shown */
	uint64_t		 timeout_ms;	/* 0: the daemon's default */
	bool			 once;		/* --once */
	int			 rev_short;	/* hex digits of the rev to show */
	char			 bad[WEFT_PATH_MAX + 64];	/* for errors */
	json_t			*collect;	/* --json of a library */
};

static void
getter_release(struct getter *g)
{
	for (uint32_t i = 0; i < g->nfiles; i++)
		free(g->files[i].path);
	free(g->files);
	for (size_t i = 0; i < g->nmade; i++)
		free(g->made[i]);
	free(g->made);
	if (g->fd != -1)
		close(g->fd);
	if (g->root != -1)
		close(g->root);
}

/* Remembers that the directory path[0..n) was created by this run. */
static int
note_made(struct getter *g, const char *path, size_t n)
{
	char	**v;

	v = realloc(g->made, (g->nmade + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	g->made = v;
	v[g->nmade] = strndup(path, n);
	if (v[g->nmade] == NULL)
		return -ENOMEM;
	g->nmade++;
	return 0;
}

/*
 * Opens the directory holding path's last component, below g->root, never
 * following a symlink. With create, missing directories are made (0755)
 * and remembered. *leaf gets the offset of the last component. Returns an
 * fd (the caller closes it) or -errno.
 */
static int
open_parent(struct getter *g, const char *path, bool create, size_t *leaf)
{
	char		 comp[WEFT_PATH_MAX + 1];
	const char	*p = path, *slash;
	size_t		 n;
	int		 fd, nfd, err;

	fd = dup(g->root);
	if (fd == -1)
		return -errno;
	while ((slash = strchr(p, '/')) != NULL) {
		n = (size_t)(slash - p);
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (create) {
			if (mkdirat(fd, comp, 0755) == 0) {
				err = note_made(g, path,
				    (size_t)(slash - path));
				if (err) {
					close(fd);
					return err;
				}
			} else if (errno != EEXIST) {
				err = -errno;
				close(fd);
				return err;
			}
		}
		nfd = openat(fd, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = -errno;
		close(fd);
		if (nfd == -1)
			return err;
		fd = nfd;
		p = slash + 1;
	}
	*leaf = (size_t)(p - path);
	return fd;
}

/* Removes the parents of dir that open_root() made, deepest first. */
static void
remove_parents(struct getter *g)
{
	char	path[PATH_MAX];
	size_t	n;

	if (g->made_up == 0 || strlen(g->dir) >= sizeof(path))
		return;
	memcpy(path, g->dir, strlen(g->dir) + 1);
	for (;;) {
		n = strlen(path);
		while (n > 0 && path[n - 1] == '/')
			n--;
		while (n > 0 && path[n - 1] != '/')
			n--;
		while (n > 1 && path[n - 1] == '/')
			n--;
		if (n < g->made_up)
			break;
		path[n] = '\0';
		if (rmdir(path) != 0)
			break;
	}
}

/* Removes temp files and the directories this run made, newest first. */
static void
cleanup(struct getter *g)
{
	size_t	leaf;
	int	pfd;

	if (g->fd != -1) {
		close(g->fd);
		g->fd = -1;
	}
	for (uint32_t i = 0; i < g->nfiles; i++) {
		if (g->files[i].tmp[0] == '\0')
			continue;
		pfd = open_parent(g, g->files[i].path, false, &leaf);
		if (pfd >= 0) {
			unlinkat(pfd, g->files[i].tmp, 0);
			close(pfd);
		}
		g->files[i].tmp[0] = '\0';
	}
	for (size_t i = g->nmade; i-- > 0;) {
		pfd = open_parent(g, g->made[i], false, &leaf);
		if (pfd >= 0) {
			unlinkat(pfd, g->made[i] + leaf, AT_REMOVEDIR);
			close(pfd);
		}
	}
	if (g->made_root) {
		close(g->root);
		g->root = -1;
		rmdir(g->dir);
		remove_parents(g);
	}
}

/* True for ".weft-get-PID-N.tmp" of a process that is gone. */
static bool
stale_tmp(const char *name)
{
	char	 tail[8];
	long	 pid;
	unsigned n;

	if (strncmp(name, ".weft-get-", 10) != 0 ||
	    sscanf(name + 10, "%ld-%u%7s", &pid, &n, tail) != 3 ||
	    strcmp(tail, ".tmp") != 0 || pid <= 0 || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* Removes the stale temp files of one directory (fd consumed). */
static void
sweep_dir(int fd)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!stale_tmp(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* The length of the directory part of path ("" for a top-level file). */
static size_t
dir_len(const char *path)
{
	const char	*q = strrchr(path, '/');

	return q != NULL ? (size_t)(q - path) : 0;
}

/*
 * A get killed with SIGKILL could not clean up: remove its temp files
 * from the directories this design's files go to, each directory once.
 */
static void
sweep_stale(struct getter *g)
{
	const char	*a, *b;
	size_t		 leaf, n;
	bool		 seen;
	int		 pfd;

	for (uint32_t i = 0; i < g->nfiles; i++) {
		a = g->files[i].path;
		n = dir_len(a);
		seen = false;
		for (uint32_t k = 0; k < i && !seen; k++) {
			b = g->files[k].path;
			seen = dir_len(b) == n && strncmp(a, b, n) == 0;
		}
		if (seen)
			continue;
		pfd = open_parent(g, a, false, &leaf);
		if (pfd >= 0)
			sweep_dir(pfd);
	}
}

/* Reads and checks the file list of the first reply. */
static int
read_files(struct getter *g, const struct weft_obj *list)
{
	const struct weft_obj	*o;
	struct get_file		*f;

	if (weft_obj_type(list) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(list) > WEFT_FILES_MAX)
		return WEFT_EPROTO;
	g->nfiles = 0;
	g->files = calloc(weft_obj_len(list) + 1, sizeof(*g->files));
	if (g->files == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < weft_obj_len(list); i++) {
		o = weft_obj_at(list, i);
		f = &g->files[i];
		if (weft_obj_strdup(weft_obj_get(o, "path"), &f->path) != 0)
			return WEFT_EPROTO;
		g->nfiles++;
		if (weft_obj_uint(weft_obj_get(o, "size"), &f->size) != 0 ||
		    f->size > WEFT_FILE_SIZE_MAX ||
		    weft_obj_binn(weft_obj_get(o, "hash"), f->hash, 32) != 0)
			return WEFT_EPROTO;
		if (weft_path_check(f->path, strlen(f->path)) != 0) {
			snprintf(g->bad, sizeof(g->bad), "%s", f->path);
			return WEFT_EBADPATH;
		}
		g->total += f->size;
	}
	return 0;
}

/*
 * Refuses, before anything is written, a path given twice, a file where
 * another path needs a directory, and (without --force) any file that
 * exists already.
 */
static int
precheck(struct getter *g)
{
	struct stat	 st;
	const char	*a, *b;
	size_t		 leaf, n;
	int		 pfd;

	for (uint32_t i = 0; i < g->nfiles; i++) {
		a = g->files[i].path;
		for (uint32_t k = 0; k < g->nfiles; k++) {
			b = g->files[k].path;
			n = strlen(a);
			if (k != i && strncmp(a, b, n) == 0 &&
			    (b[n] == '\0' || b[n] == '/')) {
				snprintf(g->bad, sizeof(g->bad), "%s", b);
				return WEFT_EBADPATH;
			}
		}
		pfd = open_parent(g, a, false, &leaf);
		if (pfd == -ENOENT)
			continue;
		if (pfd < 0) {
			snprintf(g->bad, sizeof(g->bad), "%s", a);
			return pfd;
		}
		if (fstatat(pfd, a + leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (!g->force || S_ISDIR(st.st_mode))) {
			close(pfd);
			snprintf(g->bad, sizeof(g->bad), "%s", a);
			return S_ISDIR(st.st_mode) ? -EISDIR : WEFT_EEXISTS;
		}
		close(pfd);
	}
	return 0;
}

/* Creates the temp file of the current file and resets the hash. */
static int
file_begin(struct getter *g)
{
	struct get_file	*f = &g->files[g->cur];
	size_t		 leaf;
	int		 pfd, err = 0;

	pfd = open_parent(g, f->path, true, &leaf);
	if (pfd < 0) {
		snprintf(g->bad, sizeof(g->bad), "%s", f->path);
		return pfd;
	}
	snprintf(f->tmp, sizeof(f->tmp), ".weft-get-%ld-%u.tmp",
	    (long)getpid(), g->cur);
	g->fd = openat(pfd, f->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (g->fd == -1) {
		err = -errno;
		f->tmp[0] = '\0';
		snprintf(g->bad, sizeof(g->bad), "%s", f->path);
	}
	close(pfd);
	crypto_generichash_init(&g->hs, NULL, 0, 32);
	g->left = f->size;
	return err;
}

/* Closes the current file and checks its hash. */
static int
file_end(struct getter *g)
{
	struct get_file	*f = &g->files[g->cur];
	uint8_t		 h[32];
	int		 err = 0;

	crypto_generichash_final(&g->hs, h, sizeof(h));
	if (close(g->fd) == -1)
		err = -errno;
	g->fd = -1;
	if (err == 0 && memcmp(h, f->hash, sizeof(h)) != 0)
		err = WEFT_EBADHASH;
	if (err)
		snprintf(g->bad, sizeof(g->bad), "%s", f->path);
	g->cur++;
	return err;
}

/* Finishes empty files at the current position, then opens the next. */
static int
advance(struct getter *g)
{
	int	err;

	while (g->fd == -1 && g->cur < g->nfiles) {
		err = file_begin(g);
		if (err)
			return err;
		if (g->left > 0)
			break;
		err = file_end(g);
		if (err)
			return err;
	}
	return 0;
}

static int
write_full(int fd, const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Consumes one data frame's bytes. */
static int
on_data(struct getter *g, const uint8_t *p, size_t n)
{
	size_t	k;
	int	err;

	while (n > 0) {
		err = advance(g);
		if (err)
			return err;
		if (g->fd == -1)
			return WEFT_EPROTO;	/* more bytes than files */
		k = n < g->left ? n : (size_t)g->left;
		err = write_full(g->fd, p, k);
		if (err) {
			snprintf(g->bad, sizeof(g->bad), "%s",
			    g->files[g->cur].path);
			return err;
		}
		crypto_generichash_update(&g->hs, p, k);
		out_progress_add(&g->progress, k);
		g->left -= k;
		p += k;
		n -= k;
		if (g->left == 0) {
			err = file_end(g);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Moves every temp file to its name. */
static int
commit(struct getter *g)
{
	struct get_file	*f;
	size_t		 leaf;
	int		 pfd, rc;

	for (uint32_t i = 0; i < g->nfiles; i++) {
		f = &g->files[i];
		pfd = open_parent(g, f->path, false, &leaf);
		if (pfd < 0) {
			snprintf(g->bad, sizeof(g->bad), "%s", f->path);
			return pfd;
		}
		if (g->force)
			rc = renameat(pfd, f->tmp, pfd, f->path + leaf);
		else {
			/* link + unlink: never replaces a file made since. */
			rc = linkat(pfd, f->tmp, pfd, f->path + leaf, 0);
			if (rc == 0)
				unlinkat(pfd, f->tmp, 0);
		}
		if (rc == -1) {
			rc = -errno;
			close(pfd);
			snprintf(g->bad, sizeof(g->bad), "%s", f->path);
			return rc == -EEXIST ? WEFT_EEXISTS : rc;
		}
		close(pfd);
		f->tmp[0] = '\0';
	}
	return 0;
}

/*
 * Makes the missing parents of dir (weft.1: "DIR is created if needed"),
 * noting the first one made so that a failed get removes them again.
 */
static int
make_parents(struct getter *g)
{
	char	path[PATH_MAX];
	size_t	len = strlen(g->dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, g->dir, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) == 0) {
			if (g->made_up == 0)
				g->made_up = i;
		} else if (errno != EEXIST) {
			path[i] = '/';
			return -errno;
		}
		path[i] = '/';
	}
	return 0;
}

static int
open_root(struct getter *g)
{
	int	err;

	if (mkdir(g->dir, 0755) == 0)
		g->made_root = true;
	else if (errno == ENOENT) {
		err = make_parents(g);
		if (err == 0 && mkdir(g->dir, 0755) != 0)
			err = -errno;
		if (err) {
			remove_parents(g);
			return err;
		}
		g->made_root = true;
	} else if (errno != EEXIST)
		return -errno;
	g->root = open(g->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g->root == -1)
		return -errno;
	return 0;
}

static void
print_result(const struct getter *g, const uint8_t design[32],
    const uint8_t rev[32])
{
	char	hex[65];
	json_t	*j, *a, *o;

	if (g->cli->json) {
		j = json_object();
		json_object_set_new(j, "design", out_json_id(design));
		json_object_set_new(j, "rev", out_json_id(rev));
		json_object_set_new(j, "dir", out_json_str(g->dir,
		    strlen(g->dir)));
		a = json_array();
		for (uint32_t i = 0; i < g->nfiles; i++) {
			o = json_object();
			json_object_set_new(o, "path", out_json_str(
			    g->files[i].path, strlen(g->files[i].path)));
			json_object_set_new(o, "size",
			    json_integer((json_int_t)g->files[i].size));
			json_object_set_new(o, "hash",
			    out_json_id(g->files[i].hash));
			json_array_append_new(a, o);
		}
		json_object_set_new(j, "files", a);
		if (g->collect != NULL)
			json_array_append_new(g->collect, j);
		else
			out_json_print(j);
	} else if (g->cli->quiet)
		printf("%s\n", g->dir);
	else {
		char	size[OUT_SIZE_MAX];

		out_hex(hex, rev);
		printf("fetched %u file%s (%s) of revision %.*s into '",
		    g->nfiles, g->nfiles == 1 ? "" : "s",
		    out_size(size, g->total), g->rev_short, hex);
		out_text(stdout, g->dir, strlen(g->dir), true);
		printf("'\n");
	}
}

static int
fail_file(struct getter *g, int err, const char *detail)
{
	const char	*d = g->dir;

	if (err == WEFT_EEXISTS)
		return weft__fail(err, "use --force to overwrite it",
		    "'%s/%s' already exists", d, g->bad);
	if (err == WEFT_EBADHASH)
		return weft__fail(err, NULL, "cannot get '%s/%s'", d, g->bad);
	if (err == WEFT_EBADPATH)
		return weft__fail(WEFT_EPROTO, NULL, "cannot get: weftd sent "
		    "conflicting paths such as '%s'", g->bad);
	if (g->bad[0] != '\0')
		return weft__fail(err, detail, "cannot write '%s/%s'", d,
		    g->bad);
	return weft__fail(err, detail, "cannot get into '%s'", d);
}

/*
 * A progress frame while weftd fetches missing chunks from peers:
 * "fetching  42% 12.0 MB / 28.5 MB  1.2 MB/s  3 peers" on a terminal.
 */
static int
on_progress(struct getter *g, const struct weft_obj *p)
{
	uint64_t	bytes, total, rate, peers;

	if (weft_obj_uint(weft_obj_get(p, "bytes"), &bytes) != 0 ||
	    weft_obj_uint(weft_obj_get(p, "total"), &total) != 0 ||
	    weft_obj_uint(weft_obj_get(p, "rate"), &rate) != 0 ||
	    weft_obj_uint(weft_obj_get(p, "peers"), &peers) != 0 ||
	    bytes > total)
		return WEFT_EPROTO;
	if (g->cli->quiet || !isatty(STDERR_FILENO))
		return 0;
	g->peer_phase = true;
	fprintf(stderr, "\r\033[Kfrom peers  %3u%% %.1f MB / %.1f MB  "
	    "%.1f MB/s  %u peer%s", total > 0 ?
	    (unsigned)(bytes * 100 / total) : 100, (double)bytes / 1e6,
	    (double)total / 1e6, (double)rate / 1e6, (unsigned)peers,
	    peers == 1 ? "" : "s");
	fflush(stderr);
	return 0;
}

/*
 * Writes CREDITS.md (credits.h) beside the files, unless the design has
 * a file of that name itself or one is there already (without --force).
 * The files are in place by now, so a failure here only warns.
 */
static void
write_credits(struct getter *g, struct weft_ctl_client *c,
    const uint8_t design[32], const uint8_t rev[32])
{
	struct weft_credits	 cr;
	char			 d[65], r[65];
	FILE			*f;
	int			 fd, err;

	for (uint32_t i = 0; i < g->nfiles; i++)
		if (strcmp(g->files[i].path, CREDITS_NAME) == 0)
			return;
	out_hex(d, design);
	out_hex(r, rev);
	err = weft__credits_get(c, d, r, &cr);
	if (err) {
		weft__credits_release(&cr);
		fprintf(stderr, "weft: warning: no %s: %s\n", CREDITS_NAME,
		    c->error[0] != '\0' ? c->error : weft_strerror(err));
		return;
	}
	fd = openat(g->root, CREDITS_NAME, O_WRONLY | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | (g->force ? O_TRUNC : O_EXCL), 0644);
	if (fd == -1) {
		weft__credits_release(&cr);
		fprintf(stderr, "weft: warning: %s not written: %s%s\n",
		    CREDITS_NAME, strerror(errno), errno == EEXIST ?
		    " (use --force to replace it)" : "");
		return;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		weft__credits_release(&cr);
		return;
	}
	weft__credits_md(f, &cr);
	if (fclose(f) != 0)
		fprintf(stderr, "weft: warning: cannot write %s: %s\n",
		    CREDITS_NAME, strerror(errno));
	weft__credits_release(&cr);
}

static int
run_get(struct getter *g, struct weft_ctl_client *c, const char *design,
    const char *rev)
{
	const struct weft_obj	*r;
	const uint8_t		*data;
	const char		*title;
	size_t			 n;
	uint64_t		 sh;
	uint8_t			 did[32], rid[32];
	char			 slug[80], hex[65];
	bool			 done = false;
	struct weft_buf		 req;
	struct weft_pack	 pk;
	int			 err;

	weft_buf_init(&req, 512);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, WEFT_CTL_OP_GET,
	    1 + (rev != NULL) + (g->timeout_ms > 0) + g->once);
	weft_pack_str(&pk, WEFT_CTL_ARG_DESIGN);
	weft_pack_str(&pk, design);
	if (rev != NULL) {
		weft_pack_str(&pk, WEFT_CTL_ARG_REV);
		weft_pack_str(&pk, rev);
	}
	if (g->timeout_ms > 0) {
		weft_pack_str(&pk, "timeout");
		weft_pack_uint(&pk, g->timeout_ms);
	}
	if (g->once) {
		weft_pack_str(&pk, "once");
		weft_pack_bool(&pk, true);
	}
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, &r);
	weft_buf_release(&req);
	if (err)
		return weft__fail(err, c->error, "cannot get");
	if (weft_obj_binn(weft_obj_get(r, "rev"), rid, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(r, "design"), did, 32) != 0 ||
	    weft_obj_str(weft_obj_get(r, "title"), &title, &n) != 0)
		return weft__bad_reply(WEFT_EPROTO, "get");
	/* "short": the digits that tell the revision from every other id. */
	g->rev_short = 8;
	if (weft_obj_uint(weft_obj_get(r, "short"), &sh) == 0 && sh >= 8 &&
	    sh <= 64)
		g->rev_short = (int)sh;
	err = read_files(g, weft_obj_get(r, "files"));
	if (err == WEFT_EBADPATH)
		return weft__fail(WEFT_EPROTO, NULL, "cannot get: weftd sent "
		    "a bad path '%s'", g->bad);
	if (err)
		return weft__bad_reply(err, "get");
	if (g->dir == NULL) {
		weft__slug(title, n, slug, sizeof(slug));
		if (slug[0] == '\0') {
			out_hex(hex, did);
			snprintf(slug, sizeof(slug), "%s", hex);
		}
		g->dir = slug;
	}
	err = open_root(g);
	if (err)
		return weft__fail(err, NULL, "cannot create '%s'", g->dir);
	err = precheck(g);
	if (err)
		goto fail;
	sweep_stale(g);
	out_progress_init(&g->progress, "writing", g->total,
	    !g->cli->quiet && isatty(STDERR_FILENO));
	while (!done) {
		err = weft_ctl_client_recv(c, &r);
		if (err)
			goto fail;
		if (weft_obj_bool(weft_obj_get(r, "done"), &done) == 0) {
			if (!done) {
				err = WEFT_EPROTO;
				goto fail;
			}
			continue;
		}
		if (weft_obj_get(r, "progress") != NULL) {
			err = on_progress(g, weft_obj_get(r, "progress"));
			if (err)
				goto fail;
			continue;
		}
		if (weft_obj_bin(weft_obj_get(r, "data"), &data, &n) != 0) {
			err = WEFT_EPROTO;
			goto fail;
		}
		if (g->peer_phase) {
			/* The bytes come now: time them on their own. */
			g->peer_phase = false;
			out_progress_restart(&g->progress);
		}
		err = on_data(g, data, n);
		if (err)
			goto fail;
	}
	/* Trailing empty files carry no bytes. */
	err = advance(g);
	if (err == 0 && (g->cur != g->nfiles || g->fd != -1))
		err = WEFT_EPROTO;	/* done before all the bytes came */
	if (err == 0)
		err = commit(g);
	if (err)
		goto fail;
	out_progress_end(&g->progress);
	if (!g->no_credits)
		write_credits(g, c, did, rid);
	print_result(g, did, rid);
	return WEFT_EXIT_OK;
fail:
	out_progress_end(&g->progress);
	cleanup(g);
	if (weft__intr_caught())
		return WEFT_EXIT_FAIL;	/* cmd_get says why */
	if (err == WEFT_EPROTO && c->error[0] == '\0')
		return weft__bad_reply(err, "get");
	if (c->error[0] != '\0')
		return weft__fail(err, c->error, "cannot get");
	return fail_file(g, err, NULL);
}

struct lib_design {
	uint8_t		 id[32];
	char		*title;
};

/*
 * The designs a library holds (op library_ls), or 1 when id names no
 * library (then it is a design's). *name: the library's, malloc'd.
 */
static int
lib_designs(struct weft_ctl_client *c, const char *id, uint8_t lib[32],
    char **name, struct lib_design **v, size_t *n)
{
	const struct weft_obj	*r, *items, *it;
	struct lib_design	*nv;
	const char		*s;
	size_t			 len;
	int			 err;

	*v = NULL;
	*n = 0;
	*name = NULL;
	err = weft_ctl_client_op(c, &r, WEFT_CTL_OP_LIBRARY_LS,
	    WEFT_CTL_ARG_LIB, id, (const char *)NULL);
	/* Not a library's id, or a daemon without the op: a design's. */
	if (err == WEFT_ENOTFOUND || err == WEFT_EUSAGE)
		return 1;
	if (err)
		return err;
	if (weft_obj_binn(weft_obj_get(r, "lib"), lib, 32) != 0 ||
	    weft_obj_str(weft_obj_get(r, "name"), &s, &len) != 0 ||
	    (*name = strndup(s, len)) == NULL)
		return WEFT_EPROTO;
	for (;;) {
		items = weft_obj_get(r, "items");
		if (weft_obj_type(items) != WEFT_OBJ_ARRAY ||
		    *n + weft_obj_len(items) > LIB_DESIGNS_MAX)
			return WEFT_EPROTO;
		nv = realloc(*v, (*n + weft_obj_len(items) + 1) *
		    sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		for (uint32_t i = 0; i < weft_obj_len(items); i++) {
			it = weft_obj_at(items, i);
			if (weft_obj_binn(weft_obj_get(it, "design"),
			    nv[*n].id, 32) != 0 ||
			    weft_obj_str(weft_obj_get(it, "title"), &s,
			    &len) != 0 ||
			    (nv[*n].title = strndup(s, len)) == NULL)
				return WEFT_EPROTO;
			(*n)++;
		}
		if (!weft_ctl_more(r))
			break;
		err = weft_ctl_client_recv(c, &r);
		if (err)
			return err;
	}
	return 0;
}

/*
 * weft get LIB: every design the library holds, each into its own
 * folder of DIR (default: the library's name), named by the design's
 * title, with its id prefix when two titles give the same name. A
 * design that fails is reported and the others still come; the exit
 * code is then that of the first failure.
 */
static int
get_library(struct weft_cli *cli, const struct getter *tmpl,
    struct weft_ctl_client *c, const uint8_t lib[32], const char *name,
    const struct lib_design *v, size_t n)
{
	struct getter	 g;
	char		 top[WEFT_PATH_MAX], slug[80], hex[65];
	char		*path, (*used)[80];
	json_t		*collect = NULL, *j;
	size_t		 ok = 0;
	int		 rc = WEFT_EXIT_OK, r;

	if (tmpl->dir != NULL)
		snprintf(top, sizeof(top), "%s", tmpl->dir);
	else {
		weft__slug(name, strlen(name), top, sizeof(slug));
		if (top[0] == '\0') {
			out_hex(hex, lib);
			snprintf(top, sizeof(top), "%s", hex);
		}
	}
	used = calloc(n ? n : 1, sizeof(*used));
	path = malloc(sizeof(top) + sizeof(slug) + 16);
	if (used == NULL || path == NULL) {
		free(used);
		free(path);
		return weft__fail(-ENOMEM, NULL, "cannot get the library");
	}
	if (tmpl->cli->json)
		collect = json_array();
	if (!tmpl->cli->json && !tmpl->cli->quiet && n == 0)
		printf("the library holds no design\n");
	for (size_t i = 0; i < n && !weft__intr_caught(); i++) {
		out_hex(hex, v[i].id);
		weft__slug(v[i].title, strlen(v[i].title), slug,
		    sizeof(slug) - 10);
		if (slug[0] == '\0')
			snprintf(slug, sizeof(slug), "%.16s", hex);
		for (size_t k = 0; k < i; k++)
			if (strcmp(used[k], slug) == 0) {
				size_t	l = strlen(slug);

				snprintf(slug + l, sizeof(slug) - l, "-%.8s",
				    hex);
				break;
			}
		memcpy(used[i], slug, sizeof(slug));
		snprintf(path, sizeof(top) + sizeof(slug) + 16, "%s/%s", top,
		    slug);
		g = *tmpl;
		g.dir = path;
		g.collect = collect;
		r = run_get(&g, c, hex, NULL);
		getter_release(&g);
		if (r == WEFT_EXIT_OK) {
			ok++;
			continue;
		}
		if (rc == WEFT_EXIT_OK)
			rc = r;
		if (weft__intr_caught())
			break;
		/* The failed get may have left frames: a new connection. */
		weft_ctl_client_close(c);
		weft__intr_release(false);
		r = weft_ctl_client_connect(c, cli);
		if (r != 0) {
			c->fd = -1;
			break;
		}
		weft__intr_catch(c->fd);
	}
	if (collect != NULL) {
		j = json_object();
		json_object_set_new(j, "lib", out_json_id(lib));
		json_object_set_new(j, "name", out_json_str(name,
		    strlen(name)));
		json_object_set_new(j, "dir", out_json_str(top,
		    strlen(top)));
		json_object_set_new(j, "designs", collect);
		out_json_print(j);
	} else if (!tmpl->cli->quiet) {
		printf("got %zu of the %zu design%s of library '", ok, n,
		    n == 1 ? "" : "s");
		out_text(stdout, name, strlen(name), true);
		printf("' into '");
		out_text(stdout, top, strlen(top), true);
		printf("'\n");
	}
	free(used);
	free(path);
	return rc;
}

int
cmd_get(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "rev", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-credits", no_argument, NULL, 'N' },
		{ "once", no_argument, NULL, '1' },
		WEFT_CLI_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct weft_ctl_client		 c;
	struct getter			 g;
	const char			*design, *rev = NULL;
	unsigned long			 sec;
	int				 ch, rc;

	memset(&g, 0, sizeof(g));
	g.cli = cli;
	g.root = g.fd = -1;
	while ((ch = getopt_long(argc, argv, ":hqo:r:ft:", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 't':
			rc = weft__opt_seconds(optarg, 1, &sec);
			if (rc)
				return rc;
			g.timeout_ms = (uint64_t)sec * 1000;
			break;
		case 'o':
			g.dir = optarg;
			break;
		case 'r':
			rev = optarg;
			break;
		case 'f':
			g.force = true;
			break;
		case 'N':
			g.no_credits = true;
			break;
		case '1':
			g.once = true;
			break;
		default:
			rc = weft__opt(cli, ch, argv, usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	if (argc - optind != 1)
		return weft__usage(usage);
	design = argv[optind];
	if (!weft__id_ok(design))
		return weft__usage_error("malformed design id '%s': give 8 to "
		    "64 hex digits", design);
	if (rev != NULL && !weft__id_ok(rev))
		return weft__usage_error("malformed revision id '%s': give 8 "
		    "to 64 hex digits", rev);
	if (g.dir != NULL && g.dir[0] == '\0')
		return weft__usage_error("the output directory must not be "
		    "empty");
	rc = weft__connect(cli, &c);
	if (rc)
		return rc;
	weft__intr_catch(c.fd);
	/* A library's id: every design it holds, a folder each. */
	{
		struct lib_design	*v;
		size_t			 nv;
		uint8_t			 lib[32];
		char			*name;

		rc = lib_designs(&c, design, lib, &name, &v, &nv);
		if (rc == 0 && rev != NULL)
			rc = weft__usage_error("--rev names a revision of a "
			    "design, not of a library");
		else if (rc == 0)
			rc = get_library(cli, &g, &c, lib, name, v, nv);
		else if (rc == 1)
			rc = run_get(&g, &c, design, rev);
		else
			rc = weft__fail(rc, c.error, "cannot get");
		for (size_t i = 0; i < nv; i++)
			free(v[i].title);
		free(v);
		free(name);
	}
	getter_release(&g);
	weft_ctl_client_close(&c);
	if (weft__intr_caught() && rc != WEFT_EXIT_OK)
		weft__warn("interrupted: removed the partial download; run "
		    "the same get again to resume");
	weft__intr_release(rc != WEFT_EXIT_OK);
	return rc;
}
