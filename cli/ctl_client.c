/*
 * Blocking control-socket client. One connection per command; requests go
 * out as one frame (header and body in one sendmsg), replies are read
 * whole into a buffer capped at WEFT_CTL_FRAME_MAX, then decoded with the
 * bounded weft_msg_decode(). Every reply is checked for "status" before
 * the caller sees it.
 */
#define _GNU_SOURCE	/* struct ucred */
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "cli.h"
#include "ctl_client.h"
#include "home.h"

/*
 * Is the socket at c->sock the one our own weftd made? The home must be
 * ours and closed to others (as weftd requires), and the socket a socket
 * of ours, not a link: otherwise someone else could have put it there and
 * would receive whatever we send (published files included). Returns 0,
 * -ENOENT (no home or no socket: no daemon), WEFT_EHOMEMODE or
 * WEFT_EDENIED with the reason in c->error.
 */
static int
check_home(struct weft_ctl_client *c, const char *home)
{
	struct stat	st;
	int		err;

	err = weft_home_check_st(home, &st);
	if (err == WEFT_EHOMEMODE) {
		weft_home_why(home, &st, c->error, sizeof(c->error));
		return err;
	}
	if (err)
		return err;
	if (lstat(c->sock, &st) == -1)
		return -errno;
	if (S_ISLNK(st.st_mode) || !S_ISSOCK(st.st_mode)) {
		snprintf(c->error, sizeof(c->error), "'%s' is %s, not weftd's "
		    "socket; remove it and start weftd", c->sock,
		    S_ISLNK(st.st_mode) ? "a symbolic link" : "not a socket");
		return WEFT_EDENIED;
	}
	if (st.st_uid != geteuid()) {
		snprintf(c->error, sizeof(c->error), "'%s' is owned by uid "
		    "%lu, not by you (uid %lu)", c->sock,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		return WEFT_EDENIED;
	}
	return 0;
}

/* After connect: the server must run as our user (SO_PEERCRED). */
static int
check_server(struct weft_ctl_client *c)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -errno;
	if (cred.uid != geteuid()) {
		snprintf(c->error, sizeof(c->error), "the server on '%s' runs "
		    "as uid %lu, not as you (uid %lu)", c->sock,
		    (unsigned long)cred.uid, (unsigned long)geteuid());
		return WEFT_EDENIED;
	}
	return 0;
}

int
weft_ctl_client_open(struct weft_ctl_client *c, const char *home)
{
	struct sockaddr_un	sun;
	int			n, err, bufsz;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	weft_buf_init(&c->frame, WEFT_CTL_FRAME_MAX);
	n = snprintf(c->sock, sizeof(c->sock), "%s/%s", home, WEFT_CTL_SOCK);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path) ||
	    (size_t)n >= sizeof(c->sock)) {
		/* Keep a readable (truncated) path for the message. */
		return WEFT_ETOOBIG;
	}
	memcpy(sun.sun_path, c->sock, (size_t)n + 1);
	err = check_home(c, home);
	if (err)
		return err;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -errno;
	/*
	 * A send buffer that holds a few data frames lets publish hand the
	 * daemon whole frames without a context switch per 200 KiB; the
	 * kernel caps it at net.core.wmem_max, which is fine.
	 */
	bufsz = 4 * 1024 * 1024;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err = -errno;
	else
		err = check_server(c);
	if (err) {
		close(c->fd);
		c->fd = -1;
		return err;
	}
	return 0;
}

void
weft_ctl_client_close(struct weft_ctl_client *c)
{
	if (c->has_msg) {
		weft_msg_release(&c->msg);
		c->has_msg = false;
	}
	weft_buf_release(&c->frame);
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
}

int
weft_ctl_client_connect(struct weft_ctl_client *c, const struct weft_cli *cli)
{
	const char	*why;
	int		 err;

	err = weft_ctl_client_open(c, cli->home);
	if (err == 0)
		return 0;
	if (err == WEFT_EHOMEMODE || err == WEFT_EDENIED) {
		/*
		 * Not "unreachable" (exit 4, which scripts answer by starting
		 * weftd): something is in weftd's place, and weft will not
		 * hand it anything.
		 */
		weft__fail(err, c->error, "refusing to talk to '%s'", c->sock);
		weft_ctl_client_close(c);
		return WEFT_EXIT_FAIL;
	}
	why = err == WEFT_ETOOBIG ? "socket path too long" : weft_strerror(err);
	weft_ctl_client_close(c);
	return weft__failx(WEFT_EXIT_DAEMON, "cannot reach weftd at '%s/%s': "
	    "%s; start it with 'weftd --home %s'", cli->home, WEFT_CTL_SOCK,
	    why, cli->home);
}

void
weft_ctl_request(struct weft_pack *pk, const char *op, uint32_t nargs)
{
	weft_pack_map(pk, nargs + 2);
	weft_pack_str(pk, "v");
	weft_pack_uint(pk, WEFT_CTL_VERSION);
	weft_pack_str(pk, "op");
	weft_pack_str(pk, op);
}

/* Writes the frame header for len body bytes, then p[0..plen). */
static int
send_hdr_and(struct weft_ctl_client *c, size_t len, const uint8_t *p,
    size_t plen)
{
	uint8_t		hdr[WEFT_CTL_HDR];
	struct iovec	iov[2];
	struct msghdr	mh;
	ssize_t		n;

	weft_ctl_hdr_put(hdr, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = plen;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	while (mh.msg_iovlen > 0) {
		/* MSG_NOSIGNAL: a closed peer gives EPIPE, not a signal. */
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (mh.msg_iovlen > 0 && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen > 0) {
			mh.msg_iov->iov_base =
			    (uint8_t *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int
weft_ctl_client_send(struct weft_ctl_client *c, const uint8_t *body,
    size_t len)
{
	if (len == 0 || len > WEFT_CTL_FRAME_MAX)
		return WEFT_ETOOBIG;
	return send_hdr_and(c, len, body, len);
}

/* Copies len bytes from fd to the socket through buf: the fallback. */
static int
copy_fd(struct weft_ctl_client *c, int fd, size_t len, bool *sock)
{
	uint8_t		buf[64 * 1024];
	ssize_t		r, w;
	size_t		want, off;

	while (len > 0) {
		want = len < sizeof(buf) ? len : sizeof(buf);
		r = read(fd, buf, want);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -errno;
		if (r == 0)
			return WEFT_EBUSY;
		for (off = 0; off < (size_t)r; off += (size_t)w) {
			w = send(c->fd, buf + off, (size_t)r - off,
			    MSG_NOSIGNAL);
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				*sock = true;
				return -errno;
			}
		}
		len -= (size_t)r;
	}
	return 0;
}

int
weft_ctl_client_send_fd(struct weft_ctl_client *c, const uint8_t *prefix,
    size_t plen, int fd, size_t len, bool *sock)
{
	ssize_t	n;
	bool	any = false;
	int	err;

	*sock = true;
	if (plen + len == 0 || plen + len > WEFT_CTL_FRAME_MAX)
		return WEFT_ETOOBIG;
	err = send_hdr_and(c, plen + len, prefix, plen);
	if (err)
		return err;
	/* Tests take the fallback's path with WEFT_NO_SENDFILE set. */
	if (getenv("WEFT_NO_SENDFILE") != NULL) {
		*sock = false;
		return copy_fd(c, fd, len, sock);
	}
	while (len > 0) {
		n = sendfile(c->fd, fd, NULL, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && !any && (errno == EINVAL || errno == ENOSYS)) {
			*sock = false;
			return copy_fd(c, fd, len, sock);
		}
		if (n == -1) {
			err = -errno;
			/* The socket's errors; anything else is the file's. */
			*sock = err == -EPIPE || err == -ECONNRESET ||
			    err == -ENOTCONN;
			return err;
		}
		if (n == 0) {
			*sock = false;
			return WEFT_EBUSY;	/* the file ended early */
		}
		any = true;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly n bytes. Returns 0, -ECONNRESET on EOF or -errno. */
static int
read_full(int fd, uint8_t *p, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ECONNRESET;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
weft_ctl_client_recv(struct weft_ctl_client *c, const struct weft_obj **reply)
{
	uint8_t		 hdr[WEFT_CTL_HDR];
	uint32_t	 len;
	int64_t		 status;
	int		 err;

	*reply = NULL;
	c->error[0] = '\0';
	if (c->has_msg) {
		weft_msg_release(&c->msg);
		c->has_msg = false;
	}
	weft_buf_reset(&c->frame);
	err = read_full(c->fd, hdr, sizeof(hdr));
	if (err == -ECONNRESET)
		snprintf(c->error, sizeof(c->error),
		    "weftd closed the connection");
	if (err)
		return err;
	err = weft_ctl_hdr_get(hdr, &len);
	if (err)
		return WEFT_EPROTO;
	err = weft_buf_reserve(&c->frame, len);
	if (err)
		return err;
	err = read_full(c->fd, c->frame.data, len);
	if (err == -ECONNRESET)
		snprintf(c->error, sizeof(c->error),
		    "weftd closed the connection");
	if (err)
		return err;
	c->frame.len = len;
	err = weft_msg_decode(&c->msg, c->frame.data, len);
	if (err)
		return WEFT_EPROTO;
	c->has_msg = true;
	if (weft_obj_type(c->msg.root) != WEFT_OBJ_MAP ||
	    weft_obj_int(weft_obj_get(c->msg.root, "status"), &status) != 0 ||
	    status > 0 || status < INT32_MIN)
		return WEFT_EPROTO;
	if (status != 0) {
		if (weft_obj_cstr(weft_obj_get(c->msg.root, "error"), c->error,
		    sizeof(c->error)) != 0)
			c->error[0] = '\0';
		return (int)status;
	}
	*reply = c->msg.root;
	return 0;
}

int
weft_ctl_client_call(struct weft_ctl_client *c, struct weft_buf *body,
    const struct weft_obj **reply)
{
	int	err;

	err = weft_ctl_client_send(c, body->data, body->len);
	if (err == -EPIPE || err == -ECONNRESET) {
		/* The daemon may have said why before it hung up. */
		return weft_ctl_client_recv(c, reply);
	}
	if (err)
		return err;
	return weft_ctl_client_recv(c, reply);
}

int
weft_ctl_client_op(struct weft_ctl_client *c, const struct weft_obj **reply,
    const char *op, ...)
{
	struct weft_buf		 req;
	struct weft_pack	 pk;
	va_list			 ap;
	const char		*k, *v;
	uint32_t		 n = 0;
	int			 err;

	va_start(ap, op);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		n += v != NULL;
	}
	va_end(ap);
	weft_buf_init(&req, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &req);
	weft_ctl_request(&pk, op, n);
	va_start(ap, op);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			continue;
		weft_pack_str(&pk, k);
		weft_pack_str(&pk, v);
	}
	va_end(ap);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_ctl_client_call(c, &req, reply);
	weft_buf_release(&req);
	return err;
}

bool
weft_ctl_more(const struct weft_obj *reply)
{
	bool	more;

	if (weft_obj_bool(weft_obj_get(reply, "more"), &more) != 0)
		return false;
	return more;
}
