/*
 * Fuzzes the CLI's side of the control socket: the real weft (every
 * cli/ file, main() included under another name) runs one command against
 * a stand-in daemon whose replies are the input. Since weft now refuses
 * a socket it does not trust (issue 16, F6), a hostile "daemon" is less
 * reachable, but a daemon that is itself fed hostile records by peers
 * still hands weft titles, paths and file bytes, and every reply decoder
 * (ctl_client.c, the summaries in output.c, show, log, tree, peers, get
 * with its path and hash checks) must stay total.
 *
 * The first input byte picks the command (human or --json output); the
 * rest is the byte stream the stand-in writes back, whatever the request
 * was, before it closes its side. Properties: weft returns an exit code
 * of DESIGN.md (0..5); what it writes to stderr is at most one line per
 * request, each "weft: ..." with no control character (F8: errors are
 * escaped); human output on stdout holds no escape sequence, C0 control
 * other than newline and tab, DEL or C1 control (out_text()); get writes
 * nothing outside its directory.
 *
 * stdout and stderr go to memory files while weft runs, so a sanitizer
 * report of a crash inside weft is lost there: rerun the input with
 * WEFT_FUZZ_VERBOSE=1 to see it.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/pack.h"
#include "weft/text.h"

#include "fuzz.h"

int	weft_cli_main(int argc, char **argv);

#define IDPFX	"abcdefab"
#define AUTHOR	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

struct cmd {
	bool		 human;		/* check stdout as terminal text */
	const char	*argv[8];
};

static const struct cmd cmds[] = {
	{ true, { "status" } },
	{ false, { "--json", "status" } },
	{ true, { "ls" } },
	{ false, { "--json", "ls" } },
	{ true, { "search", "cube" } },
	{ true, { "show", IDPFX } },
	{ false, { "--json", "show", IDPFX } },
	{ true, { "log", IDPFX } },
	{ false, { "--json", "log", IDPFX } },
	{ true, { "tree", IDPFX } },
	{ false, { "--json", "tree", IDPFX } },
	{ true, { "peers" } },
	{ false, { "--json", "peers" } },
	{ true, { "get", IDPFX, "-o", "@OUT" } },
	{ false, { "--json", "get", IDPFX, "-o", "@OUT" } },
	{ true, { "verify" } },
	{ true, { "library", "ls", IDPFX } },
	{ true, { "fork", IDPFX } },
	{ true, { "follow", AUTHOR } },
	{ true, { "connect", AUTHOR "@127.0.0.1:7420" } },
	{ true, { "credits", IDPFX } },
	{ false, { "--json", "credits", IDPFX } },
	{ true, { "credits", IDPFX, "--format", "md" } },
	{ true, { "grants", IDPFX } },
	{ false, { "--json", "grants", IDPFX } },
	{ true, { "ls", "--remixable" } },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static char	dir[64], home[96], sock[128], out[96];
static int	lfd = -1;
static bool	verbose;

struct serve {
	const uint8_t	*p;
	size_t		 n;
};

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
tear_down(void)
{
	if (lfd != -1)
		close(lfd);
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
set_up(void)
{
	struct sockaddr_un	sun;

	if (lfd != -1)
		return;
	signal(SIGPIPE, SIG_IGN);
	verbose = getenv("WEFT_FUZZ_VERBOSE") != NULL;
	snprintf(dir, sizeof(dir), "/tmp/weft-fuzz-cli-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(sock, sizeof(sock), "%s/%s", home, WEFT_CTL_SOCK);
	if (mkdir(home, 0700) != 0)
		abort();
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(lfd, 16) != 0)
		abort();
	atexit(tear_down);
}

/*
 * The stand-in daemon: for each connection weft makes, writes the reply
 * bytes, closes its sending side and reads until weft hangs up.
 */
static void *
serve(void *arg)
{
	struct serve	*s = arg;
	uint8_t		 buf[65536];
	size_t		 off;
	ssize_t		 r;
	int		 fd, sz = 4 << 20;

	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1)
			return NULL;
		if (s->p == NULL) {	/* the harness says stop */
			close(fd);
			return NULL;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		for (off = 0; off < s->n; off += (size_t)r) {
			r = write(fd, s->p + off, s->n - off);
			if (r <= 0)
				break;
		}
		shutdown(fd, SHUT_WR);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		/* Later connections of the same command get nothing. */
		s->n = 0;
	}
}

/* Wakes serve() for its last accept. */
static void
stop_server(pthread_t t, struct serve *s)
{
	struct sockaddr_un	sun;
	int			fd;

	s->p = NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	FUZZ_CHECK(fd != -1 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	pthread_join(t, NULL);
	close(fd);
}

/* Reads all of memory file fd into a NUL-terminated heap string. */
static char *
slurp(int fd, size_t *len)
{
	struct stat	 st;
	char		*p;

	FUZZ_CHECK(fstat(fd, &st) == 0);
	p = malloc((size_t)st.st_size + 1);
	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(pread(fd, p, (size_t)st.st_size, 0) == st.st_size);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return p;
}

static void
check_stderr(const char *e, size_t n)
{
	size_t	lines = 0, k;

	for (size_t i = 0; i < n; i += k) {
		if (e[i] == '\n') {
			lines++;
			k = 1;
			continue;
		}
		if (i == 0 || e[i - 1] == '\n')
			FUZZ_CHECK(n - i >= 6 && memcmp(e + i, "weft: ", 6) == 0);
		k = weft_text_char((const unsigned char *)e + i, n - i);
		FUZZ_CHECK(k > 0);
	}
	FUZZ_CHECK(n == 0 || e[n - 1] == '\n');
	/* One error line; get may add one for a failed second request. */
	FUZZ_CHECK(lines <= 2);
}

static void
check_human(const char *o, size_t n)
{
	const unsigned char	*p = (const unsigned char *)o;

	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(p[i] >= 0x20 || p[i] == '\n' || p[i] == '\t');
		FUZZ_CHECK(p[i] != 0x7f);
		if (p[i] == 0xc2 && i + 1 < n)
			FUZZ_CHECK(p[i + 1] < 0x80 || p[i + 1] > 0x9f);
	}
}

/* Only these names are in d: get wrote nothing outside its directory. */
static void
check_only(const char *d, const char *a, const char *b)
{
	struct dirent	*de;
	DIR		*dp;

	dp = opendir(d);
	FUZZ_CHECK(dp != NULL);
	while ((de = readdir(dp)) != NULL)
		FUZZ_CHECK(strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, a) == 0 ||
		    (b != NULL && strcmp(de->d_name, b) == 0));
	closedir(dp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cmd	*c;
	struct serve		 s;
	pthread_t		 t;
	char			*argv[16], *o, *e;
	size_t			 on, en;
	int			 argc = 0, rc, fo = -1, fe = -1, so = -1, se = -1;

	set_up();
	if (size == 0)
		return 0;
	c = &cmds[data[0] % NCMDS];
	s.p = data + 1;
	s.n = size - 1;
	FUZZ_CHECK(pthread_create(&t, NULL, serve, &s) == 0);

	argv[argc++] = (char *)"weft";
	argv[argc++] = (char *)"--home";
	argv[argc++] = home;
	for (int i = 0; i < 8 && c->argv[i] != NULL; i++)
		argv[argc++] = strcmp(c->argv[i], "@OUT") == 0 ? out :
		    (char *)c->argv[i];
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	if (!verbose) {
		fo = memfd_create("weft-out", MFD_CLOEXEC);
		fe = memfd_create("weft-err", MFD_CLOEXEC);
		FUZZ_CHECK(fo != -1 && fe != -1);
		so = dup(1);
		se = dup(2);
		dup2(fo, 1);
		dup2(fe, 2);
	}
	optind = 0;
	rc = weft_cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	if (!verbose) {
		dup2(so, 1);
		dup2(se, 2);
		close(so);
		close(se);
	}
	stop_server(t, &s);
	FUZZ_CHECK(rc >= 0 && rc <= 5);
	if (!verbose) {
		o = slurp(fo, &on);
		e = slurp(fe, &en);
		check_stderr(e, en);
		if (c->human)
			check_human(o, on);
		free(o);
		free(e);
		close(fo);
		close(fe);
	}
	check_only(dir, "home", "out");
	check_only(home, WEFT_CTL_SOCK, NULL);
	nftw(out, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Seeds: plausible replies for a few commands. */

static void
frame(struct weft_buf *b, struct weft_buf *body)
{
	uint8_t	hdr[WEFT_CTL_HDR];

	weft_ctl_hdr_put(hdr, (uint32_t)body->len);
	FUZZ_CHECK(weft_buf_add(b, hdr, sizeof(hdr)) == 0);
	FUZZ_CHECK(weft_buf_add(b, body->data, body->len) == 0);
	weft_buf_reset(body);
}

static void
summary(struct weft_pack *pk, const char *title)
{
	static const uint8_t	id[32] = { 0xab, 0xcd, 0xef, 0xab };

	weft_pack_map(pk, 10);
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, id, 32);
	weft_pack_str(pk, "head");
	weft_pack_bin(pk, id, 32);
	weft_pack_str(pk, "author");
	weft_pack_bin(pk, id, 32);
	weft_pack_str(pk, "title");
	weft_pack_str(pk, title);
	weft_pack_str(pk, "license");
	weft_pack_str(pk, "MIT");
	weft_pack_str(pk, "tags");
	weft_pack_array(pk, 1);
	weft_pack_str(pk, "t");
	weft_pack_str(pk, "created");
	weft_pack_uint(pk, UINT64_C(1700000000000));
	weft_pack_str(pk, "updated");
	weft_pack_uint(pk, UINT64_C(1700000000000));
	weft_pack_str(pk, "revs");
	weft_pack_uint(pk, 1);
	weft_pack_str(pk, "heads");
	weft_pack_uint(pk, 1);
}

static void
emit_cmd(fuzz_emit_cb *emit, void *arg, const char *name, uint8_t cmd,
    struct weft_buf *b)
{
	struct weft_buf	all;

	weft_buf_init(&all, b->len + 1);
	FUZZ_CHECK(weft_buf_add(&all, &cmd, 1) == 0);
	FUZZ_CHECK(weft_buf_add(&all, b->data, b->len) == 0);
	emit(name, all.data, all.len, arg);
	weft_buf_release(&all);
	weft_buf_reset(b);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const uint8_t	key[32] = { 1, 2, 3 };
	struct weft_buf		b, body;
	struct weft_pack	pk;
	uint8_t			hash[32];

	weft_buf_init(&b, 65536);
	weft_buf_init(&body, 65536);

	/* status */
	weft_pack_init(&pk, &body);
	weft_pack_map(&pk, 13);
	weft_pack_str(&pk, "status");
	weft_pack_int(&pk, 0);
	weft_pack_str(&pk, "version");
	weft_pack_str(&pk, "0.1");
	weft_pack_str(&pk, "author");
	weft_pack_bin(&pk, key, 32);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, key, 32);
	weft_pack_str(&pk, "home");
	weft_pack_str(&pk, "/h");
	weft_pack_str(&pk, "records");
	weft_pack_uint(&pk, 3);
	weft_pack_str(&pk, "designs");
	weft_pack_uint(&pk, 1);
	weft_pack_str(&pk, "libs");
	weft_pack_uint(&pk, 0);
	weft_pack_str(&pk, "chunks");
	weft_pack_uint(&pk, 2);
	weft_pack_str(&pk, "chunk_bytes");
	weft_pack_uint(&pk, 20);
	weft_pack_str(&pk, "map_size");
	weft_pack_uint(&pk, 1u << 30);
	weft_pack_str(&pk, "map_used");
	weft_pack_uint(&pk, 1u << 20);
	weft_pack_str(&pk, "uptime_ms");
	weft_pack_uint(&pk, 1000);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	frame(&b, &body);
	emit_cmd(emit, arg, "status", 0, &b);

	/* ls: a list reply of two summaries, one hostile title */
	weft_pack_init(&pk, &body);
	weft_pack_map(&pk, 3);
	weft_pack_str(&pk, "status");
	weft_pack_int(&pk, 0);
	weft_pack_str(&pk, "items");
	weft_pack_array(&pk, 2);
	summary(&pk, "cube");
	summary(&pk, "red\x1b[31m\ntitle\xc2\x9b");
	weft_pack_str(&pk, "more");
	weft_pack_bool(&pk, false);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	frame(&b, &body);
	emit_cmd(emit, arg, "ls", 2, &b);
	weft_pack_init(&pk, &body);
	weft_pack_map(&pk, 3);
	weft_pack_str(&pk, "status");
	weft_pack_int(&pk, 0);
	weft_pack_str(&pk, "items");
	weft_pack_array(&pk, 1);
	summary(&pk, "cube");
	weft_pack_str(&pk, "more");
	weft_pack_bool(&pk, false);
	frame(&b, &body);
	emit_cmd(emit, arg, "ls-json", 3, &b);

	/* an error reply with control characters */
	weft_pack_init(&pk, &body);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "status");
	weft_pack_int(&pk, -32003);
	weft_pack_str(&pk, "error");
	weft_pack_str(&pk, "no such\n\x1b]0;pwned\x07 record");
	frame(&b, &body);
	emit_cmd(emit, arg, "show-error", 5, &b);

	/* get: one good file, then the same with a path out of the folder */
	for (int bad = 0; bad < 2; bad++) {
		crypto_generichash(hash, 32, (const uint8_t *)"cube", 4, NULL,
		    0);
		weft_pack_init(&pk, &body);
		weft_pack_map(&pk, 5);
		weft_pack_str(&pk, "status");
		weft_pack_int(&pk, 0);
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, key, 32);
		weft_pack_str(&pk, "rev");
		weft_pack_bin(&pk, key, 32);
		weft_pack_str(&pk, "title");
		weft_pack_str(&pk, "Cube");
		weft_pack_str(&pk, "files");
		weft_pack_array(&pk, 1);
		weft_pack_map(&pk, 3);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, bad ? "../home/x" : "a/cube.stl");
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, 4);
		weft_pack_str(&pk, "hash");
		weft_pack_bin(&pk, hash, 32);
		frame(&b, &body);
		weft_pack_init(&pk, &body);
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "status");
		weft_pack_int(&pk, 0);
		weft_pack_str(&pk, "data");
		weft_pack_bin(&pk, "cube", 4);
		frame(&b, &body);
		weft_pack_init(&pk, &body);
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "status");
		weft_pack_int(&pk, 0);
		weft_pack_str(&pk, "done");
		weft_pack_bool(&pk, true);
		FUZZ_CHECK(weft_pack_error(&pk) == 0);
		frame(&b, &body);
		emit_cmd(emit, arg, bad ? "get-traversal" : "get", 13, &b);
	}

	weft_buf_release(&b);
	weft_buf_release(&body);
}
