/*
 * Fuzzes the control socket as weftd serves it: a real daemon (the same
 * weft_daemon_open() as weftd, its store in a temporary home, no listener,
 * no peers, no LAN) runs on a libuv loop in this process, and each input
 * is the byte stream one client sends on a fresh connection to its
 * socket. So the real frame reading (daemon/ctl/ctl.c), the op table
 * (daemon/ctl/ops.c) and every handler behind it (publish.c, get.c,
 * ops_policy.c) see the input, with their pool jobs and replies, as they
 * would from weft.
 *
 * The client writes the input, closes its sending side and reads until
 * the daemon closes the connection. Properties: every reply is one frame
 * of 1..WEFT_CTL_FRAME_MAX bytes holding a map with an integer "status";
 * an error reply's "error" is a string with no control character or
 * invalid UTF-8 (weftd escapes what clients sent, F8); the daemon stays
 * up. ASan/LSan catch the rest (the leak of issue 16, F7, was in
 * publish's argument handling).
 *
 * Frames whose op is "connect" are not sent: it dials whatever address
 * it is given, and a fuzzer must not reach beyond this machine. The
 * store keeps what inputs published, as a daemon's would.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/text.h"

#include "daemon.h"
#include "fuzz.h"
#include "log.h"
#include "net.h"

/* How long one input may keep the daemon busy (a get waiting on peers). */
#define INPUT_MS	2000

static uv_loop_t		 loop;
static struct weft_daemon	 daemon_;
static char			 home[64];
static bool			 up;

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
	if (!up)
		return;
	up = false;
	weft_daemon_stop(&daemon_);
	uv_run(&loop, UV_RUN_DEFAULT);
	weft_daemon_close(&daemon_);
	(void)uv_loop_close(&loop);
	nftw(home, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
set_up(void)
{
	struct weft_daemon_opts	opts;

	if (up)
		return;
	if (sodium_init() < 0)
		abort();
	signal(SIGPIPE, SIG_IGN);
	log_init("weftd-fuzz", false);
	snprintf(home, sizeof(home), "/tmp/weft-fuzz-ctl-XXXXXX");
	if (mkdtemp(home) == NULL || uv_loop_init(&loop) != 0)
		abort();
	memset(&opts, 0, sizeof(opts));
	opts.home = home;
	opts.map_size = 64u << 20;
	weft_net_limits_default(&opts.net);
	if (weft_daemon_open(&daemon_, &loop, &opts) != 0)
		abort();
	up = true;
	atexit(tear_down);
}

/* Is body a request for op "connect"? Decoded as weftd decodes it. */
static bool
is_connect(const uint8_t *body, size_t len)
{
	struct weft_msg	 m;
	const char	*op;
	size_t		 n;
	bool		 yes = false;

	if (weft_msg_decode(&m, body, len) != 0)
		return false;
	if (weft_obj_str(weft_obj_get(m.root, "op"), &op, &n) == 0)
		yes = n == 7 && memcmp(op, "connect", 7) == 0;
	weft_msg_release(&m);
	return yes;
}

/* The input with "connect" frames left out; other bytes as they are. */
static void
filter(const uint8_t *p, size_t n, struct weft_buf *out)
{
	uint32_t	len;
	size_t		off = 0;

	while (n - off >= WEFT_CTL_HDR &&
	    weft_ctl_hdr_get(p + off, &len) == 0 &&
	    len <= n - off - WEFT_CTL_HDR) {
		if (!is_connect(p + off + WEFT_CTL_HDR, len))
			FUZZ_CHECK(weft_buf_add(out, p + off,
			    WEFT_CTL_HDR + len) == 0);
		off += WEFT_CTL_HDR + len;
	}
	if (n > off)
		FUZZ_CHECK(weft_buf_add(out, p + off, n - off) == 0);
}

/* Checks the reply frames in r[0..n); returns how many bytes they use. */
static size_t
check_replies(const uint8_t *r, size_t n)
{
	struct weft_msg	 m;
	const char	*s;
	size_t		 off = 0, len, k;
	uint32_t	 flen;
	int64_t		 status;

	while (n - off >= WEFT_CTL_HDR) {
		FUZZ_CHECK(weft_ctl_hdr_get(r + off, &flen) == 0);
		if (flen > n - off - WEFT_CTL_HDR)
			break;
		FUZZ_CHECK(weft_msg_decode(&m, r + off + WEFT_CTL_HDR,
		    flen) == 0);
		FUZZ_CHECK(weft_obj_type(m.root) == WEFT_OBJ_MAP);
		FUZZ_CHECK(weft_obj_int(weft_obj_get(m.root, "status"),
		    &status) == 0);
		FUZZ_CHECK(status <= 0);
		if (status < 0) {
			FUZZ_CHECK(weft_obj_str(weft_obj_get(m.root, "error"),
			    &s, &len) == 0);
			for (size_t i = 0; i < len; i += k) {
				k = weft_text_char((const unsigned char *)s + i,
				    len - i);
				FUZZ_CHECK(k > 0);
			}
		}
		weft_msg_release(&m);
		off += WEFT_CTL_HDR + flen;
	}
	return off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un	 sun;
	struct weft_buf		 in, replies;
	uint8_t			 buf[65536];
	uint64_t		 start;
	size_t			 sent = 0, used = 0;
	ssize_t			 r;
	bool			 shut = false, eof = false;
	int			 fd, bufsz = 4 << 20;

	set_up();
	weft_buf_init(&in, size + 1);
	weft_buf_init(&replies, 64u << 20);
	filter(data, size, &in);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(fd != -1);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	FUZZ_CHECK(strlen(daemon_.sock_path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, daemon_.sock_path,
	    strlen(daemon_.sock_path) + 1);
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* The backlog is full until the loop accepts. */
		FUZZ_CHECK(errno == EAGAIN || errno == EINTR);
		uv_run(&loop, UV_RUN_NOWAIT);
	}

	uv_update_time(&loop);
	start = uv_now(&loop);
	while (!eof && uv_now(&loop) - start < INPUT_MS) {
		if (sent < in.len) {
			r = write(fd, in.data + sent, in.len - sent);
			if (r > 0)
				sent += (size_t)r;
			else
				FUZZ_CHECK(r == -1 && (errno == EAGAIN ||
				    errno == EPIPE || errno == ECONNRESET));
			if (r == -1 && errno != EAGAIN)
				sent = in.len;	/* the daemon hung up */
		}
		if (sent == in.len && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		for (;;) {
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				FUZZ_CHECK(weft_buf_add(&replies, buf,
				    (size_t)r) == 0);
				continue;
			}
			if (r == 0 || (r == -1 && errno == ECONNRESET))
				eof = true;
			break;
		}
		if (replies.len > used)
			used += check_replies(replies.data + used,
			    replies.len - used);
		if (!eof)
			uv_run(&loop, shut ? UV_RUN_ONCE : UV_RUN_NOWAIT);
	}
	close(fd);
	/* Let the daemon see the close and free the connection. */
	for (int i = 0; i < 8 && daemon_.ctl.nconns > 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	weft_buf_release(&in);
	weft_buf_release(&replies);
	return 0;
}

/* Seeds */

static void
frame(struct weft_buf *b, struct weft_buf *body)
{
	uint8_t	hdr[WEFT_CTL_HDR];

	weft_ctl_hdr_put(hdr, (uint32_t)body->len);
	FUZZ_CHECK(weft_buf_add(b, hdr, sizeof(hdr)) == 0);
	FUZZ_CHECK(weft_buf_add(b, body->data, body->len) == 0);
	weft_buf_reset(body);
}

/* Starts a request with nargs arguments after "v" and "op". */
static void
req(struct weft_pack *pk, const char *op, uint32_t nargs)
{
	weft_pack_map(pk, nargs + 2);
	weft_pack_str(pk, "v");
	weft_pack_uint(pk, WEFT_CTL_VERSION);
	weft_pack_str(pk, "op");
	weft_pack_str(pk, op);
}

static void
emit_one(fuzz_emit_cb *emit, void *arg, const char *name, const char *op,
    const char *key, const char *val)
{
	struct weft_buf		b, body;
	struct weft_pack	pk;

	weft_buf_init(&b, 65536);
	weft_buf_init(&body, 65536);
	weft_pack_init(&pk, &body);
	req(&pk, op, key != NULL);
	if (key != NULL) {
		weft_pack_str(&pk, key);
		weft_pack_str(&pk, val);
	}
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	frame(&b, &body);
	emit(name, b.data, b.len, arg);
	weft_buf_release(&b);
	weft_buf_release(&body);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char	data[] = "solid cube\nendsolid\n";
	struct weft_buf		b, body;
	struct weft_pack	pk;

	weft_buf_init(&b, 65536);
	weft_buf_init(&body, 65536);

	/* publish, its data frame, then status on the same connection */
	weft_pack_init(&pk, &body);
	req(&pk, "publish", 5);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "cube");
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "MIT");
	weft_pack_str(&pk, "message");
	weft_pack_str(&pk, "first");
	weft_pack_str(&pk, "tags");
	weft_pack_array(&pk, 1);
	weft_pack_str(&pk, "test");
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 1);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "path");
	weft_pack_str(&pk, "cube.stl");
	weft_pack_str(&pk, "size");
	weft_pack_uint(&pk, sizeof(data) - 1);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	frame(&b, &body);
	weft_pack_init(&pk, &body);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "op");
	weft_pack_str(&pk, "data");
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, data, sizeof(data) - 1);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	frame(&b, &body);
	weft_pack_init(&pk, &body);
	req(&pk, "status", 0);
	frame(&b, &body);
	emit("publish", b.data, b.len, arg);
	weft_buf_reset(&b);

	/* F7: a malformed message after a license */
	weft_pack_init(&pk, &body);
	req(&pk, "publish", 4);
	weft_pack_str(&pk, "title");
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "license");
	weft_pack_str(&pk, "MIT");
	weft_pack_str(&pk, "message");
	weft_pack_uint(&pk, 5);
	weft_pack_str(&pk, "files");
	weft_pack_array(&pk, 0);
	frame(&b, &body);
	emit("publish-bad-message", b.data, b.len, arg);
	weft_buf_reset(&b);

	weft_buf_release(&b);
	weft_buf_release(&body);

	emit_one(emit, arg, "status", "status", NULL, NULL);
	emit_one(emit, arg, "ls", "ls", "tag", "test");
	emit_one(emit, arg, "search", "search", "query", "cube");
	emit_one(emit, arg, "show", "show", "id", "abcdefab");
	emit_one(emit, arg, "log", "log", "design", "abcdefab");
	emit_one(emit, arg, "tree", "tree", "design", "abcdefab");
	emit_one(emit, arg, "get", "get", "design", "abcdefab");
	emit_one(emit, arg, "fork", "fork", "design", "abcdefab");
	emit_one(emit, arg, "verify", "verify", NULL, NULL);
	emit_one(emit, arg, "library-create", "library_create", "name",
	    "prints");
	emit_one(emit, arg, "library-ls", "library_ls", "lib", "abcdefab");
	emit_one(emit, arg, "follow", "follow", "author",
	    "0000000000000000000000000000000000000000000000000000000000000000");
	emit_one(emit, arg, "mirror", "mirror", "all", "yes");
	emit_one(emit, arg, "policies", "policies", NULL, NULL);
	emit_one(emit, arg, "peers", "peers", NULL, NULL);
	emit_one(emit, arg, "license-escape", "publish", "license",
	    "no\nsuch\x1b[31m");
}
