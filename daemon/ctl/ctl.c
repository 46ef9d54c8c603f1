/*
 * The control server (after OpenBSD smtpd's control.c): a Unix socket in
 * the 0700 home, bound under umask 077, whose clients must run under the
 * daemon's uid. Frames are read straight into place: the 4-byte header
 * first, then a body buffer that grows as the body arrives, up to the
 * announced length (at most WEFT_CTL_FRAME_MAX), so an idle client holds
 * no buffer at all and a slow one only what it sent; all unfinished
 * bodies together are capped (WEFT_CTL_BODIES_MAX).
 */
#define _GNU_SOURCE	/* struct ucred */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/text.h"

#include "clock.h"
#include "ctl.h"
#include "log.h"

struct ctl_job {
	uv_work_t		 req;
	struct weft_ctl_conn	*c;
	weft_ctl_work_fn	*fn;
	weft_ctl_done_fn	*done;
	void			*arg;
	int			 status;
};

static void	conn_read_start(struct weft_ctl_conn *);
static void	conn_read_stop(struct weft_ctl_conn *);
static void	conn_unref(struct weft_ctl_conn *);
static void	conn_alloc(struct weft_ctl_conn *, uv_buf_t *);
static void	conn_on_read(struct weft_ctl_conn *, ssize_t);

/*
 * Gives freed heap back to the system once no request body is being read
 * and big bodies were freed since the last time: glibc keeps freed memory
 * (even 2 MiB blocks, once its mmap threshold has risen past them), so
 * without this a burst of big frames stays in RssAnon for good (F9).
 */
static void
mem_trim(struct weft_ctl_mem *m)
{
	if (m->bytes == 0 && m->freed >= WEFT_CTL_TRIM_AFTER) {
		m->freed = 0;
		malloc_trim(0);
	}
}

/* Frees the body being read, if any, and counts what it held. */
static void
body_free(struct weft_ctl_conn *c)
{
	struct weft_ctl_mem	*m = &c->srv->mem;

	if (c->body == NULL)
		return;
	free(c->body);
	c->body = NULL;
	m->bytes -= c->body_cap;
	if (c->body_cap > WEFT_CTL_BODY_STEP)
		m->freed += c->body_cap;
	c->body_cap = 0;
	mem_trim(m);
}

/*
 * Makes room for more of the body: grows it by doubling, from
 * WEFT_CTL_BODY_STEP, to at most its announced length, as long as all
 * bodies together stay under WEFT_CTL_BODIES_MAX. Returns 0, or
 * WEFT_ETOOBIG (over the cap: c->over_cap is set) or -ENOMEM.
 */
static int
body_grow(struct weft_ctl_conn *c)
{
	struct weft_ctl_mem	*m = &c->srv->mem;
	uint32_t		 cap;
	uint8_t			*p;

	cap = c->body_cap == 0 ? WEFT_CTL_BODY_STEP : 2 * c->body_cap;
	if (cap > c->body_len)
		cap = c->body_len;
	if (m->bytes - c->body_cap + cap > WEFT_CTL_BODIES_MAX) {
		c->over_cap = true;
		return WEFT_ETOOBIG;
	}
	p = realloc(c->body, cap);
	if (p == NULL)
		return -ENOMEM;
	m->bytes += cap - c->body_cap;
	c->body = p;
	c->body_cap = cap;
	return 0;
}

void
weft__ctl_closed(struct weft_ctl_conn *c)
{
	conn_unref(c);
}

static void
conn_unref(struct weft_ctl_conn *c)
{
	if (--c->refs > 0)
		return;
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	c->srv->nconns--;
	/* Closing: the request's state goes too (publish undoes its own). */
	if (c->req_free != NULL)
		c->req_free(c->req);
	body_free(c);
	free(c);
}

void
weft__ctl_close(struct weft_ctl_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	log_debug("client %u: closed", c->id);
	c->io->close(c);
}

void
weft__ctl_written(struct weft_ctl_write *w, int status)
{
	struct weft_ctl_conn	*c = w->c;
	bool			 was_paused;

	was_paused = c->wq_bytes > WEFT_CTL_WQ_PAUSE;
	c->wq_bytes -= w->len;
	free(w);
	if (c->close_when_sent && c->wq_bytes == 0)
		weft__ctl_close(c);
	if (status < 0 && status != UV_ECANCELED && !c->closing) {
		log_debug("client %u: write failed: %s", c->id,
		    uv_strerror(status));
		weft__ctl_close(c);
	} else if (!c->closing && (was_paused || c->wq_bytes == 0) &&
	    c->wq_bytes <= WEFT_CTL_WQ_PAUSE) {
		if (c->resume != NULL)
			c->resume(c);
	}
	conn_unref(c);
}

void
weft__ctl_reply_begin(struct weft_pack *pk, struct weft_buf *b, uint32_t n)
{
	weft_buf_init(b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(pk, b);
	weft_pack_map(pk, n + 1);
	weft_pack_str(pk, "status");
	weft_pack_int(pk, 0);
}

int
weft__ctl_send(struct weft_ctl_conn *c, struct weft_buf *b)
{
	struct weft_ctl_write	*w;
	int			 err;

	if (c->closing) {
		weft_buf_release(b);
		return UV_ECANCELED;
	}
	if (b->len == 0 || b->len > WEFT_CTL_FRAME_MAX) {
		weft_buf_release(b);
		return WEFT_ETOOBIG;
	}
	if (c->wq_bytes + b->len > WEFT_CTL_WQ_MAX) {
		log_warnx("client %u: not reading its replies, closing", c->id);
		weft_buf_release(b);
		weft__ctl_close(c);
		return WEFT_ETOOBIG;
	}
	w = malloc(sizeof(*w) + WEFT_CTL_HDR + b->len);
	if (w == NULL) {
		weft_buf_release(b);
		weft__ctl_close(c);
		return -ENOMEM;
	}
	w->c = c;
	w->len = WEFT_CTL_HDR + b->len;
	weft_ctl_hdr_put(w->data, (uint32_t)b->len);
	memcpy(w->data + WEFT_CTL_HDR, b->data, b->len);
	weft_buf_release(b);
	err = c->io->write(c, w);
	if (err) {
		free(w);
		weft__ctl_close(c);
		return err;
	}
	c->refs++;
	c->wq_bytes += w->len;
	return 0;
}

/* Sends an error reply whose line is msg, escaped. */
static void
send_error(struct weft_ctl_conn *c, int err, const char *raw, size_t n)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	char			 msg[4 * 512];

	/*
	 * Error lines quote what the client sent (a license, an id, a
	 * path): escaped here, once, so no client prints raw control bytes.
	 */
	weft_text_escape(msg, sizeof(msg), raw, n);
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "status");
	weft_pack_int(&pk, err);
	weft_pack_str(&pk, "error");
	weft_pack_str(&pk, msg);
	if (weft_pack_error(&pk)) {
		weft_buf_release(&b);
		weft__ctl_close(c);
		return;
	}
	weft__ctl_send(c, &b);
}

void
weft__ctl_send_err(struct weft_ctl_conn *c, int err, const char *fmt, ...)
{
	char			 raw[512];
	int			 n;
	va_list			 ap;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(raw))
		snprintf(raw + n, sizeof(raw) - (size_t)n, ": %s",
		    weft_strerror(err));
	send_error(c, err, raw, strnlen(raw, sizeof(raw)));
}

void
weft__ctl_send_errs(struct weft_ctl_conn *c, int err, const char *fmt, ...)
{
	char			 raw[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	send_error(c, err, raw, strnlen(raw, sizeof(raw)));
}

/*
 * Refuses a client that has just connected: it gets one error reply
 * saying why (it reads it after its first request), then the close.
 */
static void
conn_refuse(struct weft_ctl_conn *c, int err, const char *why)
{
	c->close_when_sent = true;
	send_error(c, err, why, strlen(why));
	if (c->wq_bytes == 0)
		weft__ctl_close(c);
}

void
weft__ctl_req_set(struct weft_ctl_conn *c, void *req,
    void (*req_free)(void *))
{
	c->req = req;
	c->req_free = req_free;
}

void
weft__ctl_done(struct weft_ctl_conn *c)
{
	void	(*req_free)(void *) = c->req_free;
	void	*req = c->req;

	c->req = NULL;
	c->req_free = NULL;
	c->op = NULL;
	c->resume = NULL;
	c->data = NULL;
	if (req_free != NULL)
		req_free(req);
	c->state = WEFT_CTL_IDLE;
	if (!c->closing && !c->reading)
		conn_read_start(c);
}

void
weft__ctl_read(struct weft_ctl_conn *c, bool on)
{
	if (c->closing)
		return;
	if (on && !c->reading)
		conn_read_start(c);
	else if (!on && c->reading)
		conn_read_stop(c);
}

static void
work_cb(uv_work_t *req)
{
	struct ctl_job	*w = req->data;

	w->status = w->fn(w->arg);
}

static void
after_work_cb(uv_work_t *req, int status)
{
	struct ctl_job		*w = req->data;
	struct weft_ctl_conn	*c = w->c;

	if (status < 0)
		w->status = status;
	w->done(c, w->arg, w->status);
	free(w);
	conn_unref(c);
}

int
weft__ctl_work(struct weft_ctl_conn *c, weft_ctl_work_fn *fn,
    weft_ctl_done_fn *done, void *arg)
{
	struct ctl_job	*w;
	int		 err;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->req.data = w;
	w->c = c;
	w->fn = fn;
	w->done = done;
	w->arg = arg;
	err = uv_queue_work(c->env->loop, &w->req, work_cb, after_work_cb);
	if (err) {
		free(w);
		return err;
	}
	c->refs++;
	return 0;
}

/* Where the next bytes from the client go: the header, then the body. */
static void
conn_alloc(struct weft_ctl_conn *c, uv_buf_t *buf)
{
	if (c->hdr_have < WEFT_CTL_HDR) {
		buf->base = (char *)c->hdr + c->hdr_have;
		buf->len = WEFT_CTL_HDR - c->hdr_have;
	} else {
		if (c->body_have == c->body_cap && body_grow(c) != 0) {
			/* read_cb gets UV_ENOBUFS and refuses the client. */
			buf->base = NULL;
			buf->len = 0;
			return;
		}
		buf->base = (char *)c->body + c->body_have;
		buf->len = c->body_cap - c->body_have;
	}
}

/*
 * A client whose body would take the bodies past their cap is closed.
 * One log line per 10 s at most, with the count, so that a flood of
 * them cannot flood the log.
 */
static void
refuse_over_cap(struct weft_ctl_conn *c)
{
	struct weft_ctl_mem	*m = &c->srv->mem;
	uint64_t		 now = uv_now(c->env->loop);

	m->refused++;
	if (m->log_ms == 0 || now - m->log_ms >= 10000) {
		log_warnx("control socket: unfinished requests hold %zu "
		    "bytes (cap %u): closed %" PRIu64 " client%s",
		    m->bytes, WEFT_CTL_BODIES_MAX, m->refused - m->refused_logged,
		    m->refused - m->refused_logged == 1 ? "" : "s");
		m->refused_logged = m->refused;
		m->log_ms = now;
	}
	conn_read_stop(c);
	body_free(c);
	weft__ctl_close(c);
}

static void
conn_read_stop(struct weft_ctl_conn *c)
{
	if (c->reading)
		(void)c->io->read(c, false);
	c->reading = false;
}

static void
frame_protocol_error(struct weft_ctl_conn *c, int err, const char *what)
{
	log_warnx("client %u: %s: %s", c->id, what, weft_strerror(err));
	conn_read_stop(c);
	weft__ctl_send_err(c, err, "%s", what);
	weft__ctl_close(c);
}

/*
 * Runs an op's state through its flags (ctl.h, WEFT_OP_POOL): the work
 * is done, on the loop again.
 */
static void
op_pool_done(struct weft_ctl_conn *c, void *req, int status)
{
	const struct weft_ctl_op	*op = c->op;

	if (status)
		weft__ctl_send_err(c, status, "%s", op->what);
	else
		op->reply(c, req);
	weft__ctl_done(c);	/* frees req */
}

/*
 * The state of a POOL or STREAM op: release, then free. The op is found
 * in a header in front of the state, so that one req_free serves all.
 */
struct op_req {
	const struct weft_ctl_op	*op;
	max_align_t			 state[];
};

static void
op_req_free(void *arg)
{
	struct op_req	*r = (struct op_req *)((char *)arg -
			    offsetof(struct op_req, state));

	if (r->op->release != NULL)
		r->op->release(arg);
	free(r);
}

/* Applies the op's flags around it (ctl.h). */
void
weft__ctl_op_run(struct weft_ctl_conn *c, const struct weft_ctl_op *op,
    const struct weft_obj *req)
{
	struct op_req	*r;
	int		 err;

	c->op = op;
	c->state = WEFT_CTL_BUSY;
	if ((op->flags & (WEFT_OP_POOL | WEFT_OP_STREAM)) == 0) {
		op->fn(c, req);
		return;
	}
	r = calloc(1, sizeof(*r) + op->req_size);
	if (r == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "%s", op->name);
		weft__ctl_done(c);
		return;
	}
	r->op = op;
	weft__ctl_req_set(c, r->state, op_req_free);
	if (op->prepare(c, req, r->state) != 0) {
		weft__ctl_done(c);	/* prepare replied */
		return;
	}
	if (op->flags & WEFT_OP_STREAM) {
		c->resume = op->pump;
		op->pump(c);
		return;
	}
	err = weft__ctl_work(c, op->work, op_pool_done, r->state);
	if (err)
		op_pool_done(c, r->state, err);
}

/* Checks the request's version and finds its op in the table. */
static void
op_dispatch(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_op	*op;
	uint64_t			 v;
	const char			*name;
	size_t				 len;
	char				 shown[32];

	if (weft_obj_uint(weft_obj_get(req, "v"), &v) != 0 ||
	    weft_obj_str(weft_obj_get(req, "op"), &name, &len) != 0) {
		weft__ctl_send_err(c, WEFT_EPROTO,
		    "request without 'v' and 'op'");
		weft__ctl_close(c);
		return;
	}
	if (v != WEFT_CTL_VERSION) {
		weft__ctl_send_err(c, WEFT_EVERSION,
		    "control protocol version %llu", (unsigned long long)v);
		weft__ctl_close(c);
		return;
	}
	for (size_t i = 0; i < weft__ctl_nops; i++) {
		op = weft__ctl_ops[i];
		if (strlen(op->name) == len &&
		    memcmp(op->name, name, len) == 0) {
			log_debug("client %u: %s", c->id, op->name);
			weft__ctl_op_run(c, op, req);
			return;
		}
	}
	snprintf(shown, sizeof(shown), "%.*s", (int)(len < 31 ? len : 31),
	    name);
	c->state = WEFT_CTL_BUSY;
	weft__ctl_send_err(c, WEFT_EPROTO, "unknown operation '%s'", shown);
	weft__ctl_close(c);
}

/* A whole frame is in c->body: decode it and hand it to its handler. */
static void
frame_dispatch(struct weft_ctl_conn *c)
{
	struct weft_ctl_mem	*m = &c->srv->mem;
	struct weft_msg		 msg;
	uint8_t			*body = c->body;
	uint32_t		 cap;
	bool			 keep = false;
	int			 err;

	/* The body is the handler's now: no longer an unfinished one. */
	c->body = NULL;
	cap = c->body_cap;
	m->bytes -= cap;
	c->body_cap = 0;
	c->hdr_have = 0;
	c->body_have = 0;
	err = weft_msg_decode(&msg, body, c->body_len);
	if (err == 0 && weft_obj_type(msg.root) != WEFT_OBJ_MAP) {
		weft_msg_release(&msg);
		err = WEFT_EPROTO;
	}
	if (err) {
		free(body);
		frame_protocol_error(c, err, "malformed request");
		return;
	}
	if (c->state == WEFT_CTL_DATA && c->data != NULL)
		c->data(c, msg.root, body, &keep);
	else
		op_dispatch(c, msg.root);
	weft_msg_release(&msg);
	if (!keep) {
		free(body);
		if (cap > WEFT_CTL_BODY_STEP)
			m->freed += cap;
		mem_trim(m);
	}
	/* Only one request at a time: stop reading while one is served. */
	if (c->state == WEFT_CTL_BUSY && !c->closing)
		conn_read_stop(c);
}

/* nread bytes came into the buffer conn_alloc() gave, or an error. */
static void
conn_on_read(struct weft_ctl_conn *c, ssize_t nread)
{
	uint32_t		 len;
	int			 err;

	if (nread == 0)
		return;
	if (nread == UV_ENOBUFS && c->over_cap) {
		refuse_over_cap(c);
		return;
	}
	if (nread < 0) {
		if (nread != UV_EOF)
			log_debug("client %u: read: %s", c->id,
			    uv_strerror((int)nread));
		conn_read_stop(c);
		weft__ctl_close(c);
		return;
	}
	if (c->hdr_have < WEFT_CTL_HDR) {
		c->hdr_have += (size_t)nread;
		if (c->hdr_have < WEFT_CTL_HDR)
			return;
		err = weft_ctl_hdr_get(c->hdr, &len);
		if (err) {
			frame_protocol_error(c, err, "bad frame length");
			return;
		}
		/* The body grows as it arrives (alloc_cb). */
		c->body_len = len;
		c->body_have = 0;
		return;
	}
	c->body_have += (uint32_t)nread;
	if (c->body_have == c->body_len)
		frame_dispatch(c);
}

static void
conn_read_start(struct weft_ctl_conn *c)
{
	int	err;

	err = c->io->read(c, true);
	if (err) {
		log_warnx("client %u: read: %s", c->id, uv_strerror(err));
		weft__ctl_close(c);
		return;
	}
	c->reading = true;
}

/* The socket's transport (struct weft_ctl_io): libuv on the pipe. */

static void
pipe_write_cb(uv_write_t *req, int status)
{
	weft__ctl_written((struct weft_ctl_write *)req, status);
}

static int
pipe_write(struct weft_ctl_conn *c, struct weft_ctl_write *w)
{
	uv_buf_t	ub;

	ub = uv_buf_init((char *)w->data, (unsigned)w->len);
	return uv_write(&w->req, (uv_stream_t *)&c->pipe, &ub, 1,
	    pipe_write_cb);
}

static void
pipe_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	conn_alloc(h->data, buf);
}

static void
pipe_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	conn_on_read(s->data, nread);
}

static int
pipe_read(struct weft_ctl_conn *c, bool on)
{
	if (on)
		return uv_read_start((uv_stream_t *)&c->pipe, pipe_alloc_cb,
		    pipe_read_cb);
	return uv_read_stop((uv_stream_t *)&c->pipe);
}

static void
pipe_close_cb(uv_handle_t *h)
{
	weft__ctl_closed(h->data);
}

static void
pipe_close(struct weft_ctl_conn *c)
{
	uv_close((uv_handle_t *)&c->pipe, pipe_close_cb);
}

static const struct weft_ctl_io pipe_io = {
	.write = pipe_write,
	.read = pipe_read,
	.close = pipe_close,
};

/* Only processes of the daemon's own user may talk to it. */
static int
peer_uid_ok(uv_pipe_t *p)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);
	uv_os_fd_t	fd;

	if (uv_fileno((uv_handle_t *)p, &fd) != 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	return cred.uid == getuid();
}

/* A client, not reading yet. */
static struct weft_ctl_conn *
conn_new(struct weft_ctl *s, const struct weft_ctl_io *io, void *io_arg)
{
	struct weft_ctl_conn	*c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->srv = s;
	c->env = s->env;
	c->io = io;
	c->io_arg = io_arg;
	c->id = ++s->next_id;
	c->refs = 1;
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->nconns++;
	return c;
}

struct weft_ctl_conn *
weft__ctl_conn_new(struct weft_ctl *s, const struct weft_ctl_io *io,
    void *io_arg)
{
	struct weft_ctl_conn	*c;

	c = conn_new(s, io, io_arg);
	if (c != NULL)
		conn_read_start(c);
	return c;
}

size_t
weft__ctl_input(struct weft_ctl_conn *c, const uint8_t *p, size_t len)
{
	uv_buf_t	buf;
	size_t		done = 0, n;

	while (done < len && c->reading && !c->closing) {
		conn_alloc(c, &buf);
		if (buf.base == NULL) {
			conn_on_read(c, UV_ENOBUFS);
			break;
		}
		n = len - done < buf.len ? len - done : buf.len;
		memcpy(buf.base, p + done, n);
		done += n;
		conn_on_read(c, (ssize_t)n);
	}
	return done;
}

static void
connection_cb(uv_stream_t *server, int status)
{
	struct weft_ctl		*s = server->data;
	struct weft_ctl_conn	*c;
	int			 err;

	if (status < 0) {
		log_warnx("control socket: %s", uv_strerror(status));
		return;
	}
	c = conn_new(s, &pipe_io, NULL);
	if (c == NULL) {
		log_warnx("control socket: out of memory");
		return;
	}
	uv_pipe_init(s->env->loop, &c->pipe, 0);
	c->pipe.data = c;
	err = uv_accept(server, (uv_stream_t *)&c->pipe);
	if (err) {
		log_warnx("control socket: accept: %s", uv_strerror(err));
		weft__ctl_close(c);
		return;
	}
	if (!peer_uid_ok(&c->pipe)) {
		log_warnx("control socket: client of another user refused");
		conn_refuse(c, WEFT_EDENIED, "permission denied: weftd runs as "
		    "another user");
		return;
	}
	if (s->nconns > WEFT_CTL_CONNS_MAX || s->stopping) {
		log_warnx("control socket: too many clients, refusing one");
		conn_refuse(c, WEFT_EBUSY, s->stopping ? "weftd is stopping" :
		    "weftd has too many clients; try again");
		return;
	}
	log_debug("client %u: connected", c->id);
	conn_read_start(c);
}

void
weft_ctl_init(struct weft_ctl *s, const struct weft_ctl_env *env)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	TAILQ_INIT(&s->conns);
}

/*
 * Binds the socket. A live daemon on it has already been ruled out by the
 * home's lock, so a socket file left there is stale and is removed.
 */
int
weft_ctl_start(struct weft_ctl *s, const struct weft_ctl_env *env)
{
	struct sockaddr_un	 sun;
	const char		*path = env->sock_path;
	mode_t			 old;
	int			 err;

	weft_ctl_init(s, env);
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path '%s' is too long (max %zu)",
		    path, sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		err = -errno;
		log_warnc(err, "cannot remove stale socket '%s'", path);
		return err;
	}
	err = uv_pipe_init(env->loop, &s->pipe, 0);
	if (err)
		return err;
	s->pipe.data = s;
	s->open = true;
	old = umask(077);
	err = uv_pipe_bind(&s->pipe, path);
	umask(old);
	/* Not uv_pipe_chmod(): it adds group and other bits. */
	if (err == 0 && chmod(path, 0600) != 0)
		err = -errno;
	if (err == 0)
		err = uv_listen((uv_stream_t *)&s->pipe, 64, connection_cb);
	if (err) {
		log_warnx("cannot listen on '%s': %s", path,
		    uv_strerror(err));
		return err;
	}
	return 0;
}

void
weft_ctl_stop(struct weft_ctl *s)
{
	struct weft_ctl_conn	*c;

	s->stopping = true;
	if (s->open) {
		uv_close((uv_handle_t *)&s->pipe, NULL);
		s->open = false;
		unlink(s->env->sock_path);
	}
	TAILQ_FOREACH(c, &s->conns, entry)
		weft__ctl_close(c);
}

uint64_t
weft__ctl_now_ms(const struct weft_ctl_env *env)
{
	return weft_clock_now_ms(env->clock);
}
