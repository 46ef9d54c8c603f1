/*
 * The control server: the Unix socket weft (the CLI) talks to. Each client
 * is a struct weft_ctl_conn that reads length-prefixed msgpack frames
 * (docs/proto/control.md) and runs one request at a time through the op
 * table, whose flags the dispatcher applies (WEFT_OP_POOL, WEFT_OP_STREAM
 * below). Requests that take long (publish, fork, verify, library writes,
 * policies) run their work on the libuv thread pool; while one is in
 * flight the connection stops reading.
 * A malformed or oversized frame gets a WEFT_EPROTO reply and the client is
 * closed; other clients carry on.
 */
#ifndef WEFT_CTL_SERVER_H
#define WEFT_CTL_SERVER_H

#include <sys/queue.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/key.h"
#include "weft/pack.h"

#include "netstats.h"

struct weft_clock;
struct weft_fetch;
struct weft_lan;
struct weft_net;
struct weft_obj;
struct weft_space;
struct weft_store;
struct weft_sync;

/*
 * The net as the control plane reaches it: the daemon points these at
 * the net's calls (netstats.h, net.h); tests point them at fakes. net is
 * NULL while networking is off (before start, after stop), and then no
 * call is made; lan is NULL while LAN discovery is off.
 */
struct weft_ctl_net {
	struct weft_net	*net;
	void	(*stats)(struct weft_net *, struct weft_net_stats *);
	int	(*peers)(struct weft_net *, weft_net_peer_fn *, void *);
	int	(*known)(struct weft_net *, weft_net_known_fn *, void *);
	int	(*resolve)(struct weft_net *, const char *, uint8_t [32]);
	int	(*connect)(struct weft_net *, const char *);
	int	(*disconnect)(struct weft_net *, const uint8_t [32]);
	int	(*forget)(struct weft_net *, const uint8_t [32]);
	int	(*push)(struct weft_net *, const uint8_t [32], uint64_t, bool);
	struct weft_lan	*lan;
	void	(*lan_stats)(const struct weft_lan *, struct weft_lan_stats *);
};

/*
 * Everything the control plane works with, lent by its owner (daemon.c),
 * which keeps it valid, and updates net when the net stops, until the
 * loop has run dry after weft_ctl_stop(). ctl never sees the daemon.
 */
struct weft_ctl_env {
	uv_loop_t			*loop;
	struct weft_store		*store;
	struct weft_sync		*sync;		/* or NULL */
	struct weft_fetch		*fetch;		/* or NULL */
	struct weft_space		*space;
	const struct weft_clock		*clock;
	const struct weft_keypair	*author;	/* signs records */
	const uint8_t			*node;		/* node public key */
	const uint8_t			*network_key;	/* 32 bytes */
	const char			*home;
	const char			*sock_path;
	uint64_t			 started_ms;	/* wall clock */
	const char			*web;		/* web UI HOST:PORT, or "" */
	uint64_t			 gc_grace_ms;	/* 0: 1 h (store.h) */
	struct weft_ctl_net		 net;
	/* The "stop" op: shuts the daemon down, after its reply is queued. */
	void				(*stop)(void *);
	void				*stop_arg;
};

/* Bytes a client may have queued for writing before it is closed. */
#define WEFT_CTL_WQ_MAX		(256u * 1024 * 1024)
/* A streaming reply (get) pauses above this many queued bytes. */
#define WEFT_CTL_WQ_PAUSE	(4u * 1024 * 1024)
#define WEFT_CTL_CONNS_MAX	256
/*
 * Request bodies grow as their bytes arrive, from WEFT_CTL_BODY_STEP, so
 * a client that announces 2 MiB and sends little holds little; all the
 * unfinished bodies together may hold WEFT_CTL_BODIES_MAX, and a client
 * whose body would pass that is closed. Big bodies that are freed are
 * given back to the system (malloc_trim) once no body is being read.
 */
#define WEFT_CTL_BODY_STEP	(64u * 1024)
#define WEFT_CTL_BODIES_MAX	(32u * 1024 * 1024)
#define WEFT_CTL_TRIM_AFTER	(4u * 1024 * 1024)

enum weft_ctl_state {
	WEFT_CTL_IDLE = 0,	/* waiting for a request */
	WEFT_CTL_BUSY,		/* a request is being served */
	WEFT_CTL_DATA,		/* publish: receiving data frames */
};

struct weft_ctl;
struct weft_ctl_conn;

/* A framed reply on its way to the client; its transport's to write. */
struct weft_ctl_write {
	uv_write_t		 req;		/* the socket's */
	struct weft_ctl_conn	*c;
	size_t			 len;
	uint8_t			 data[];	/* header and body */
};

/*
 * How a conn reaches its client: the Unix socket (ctl.c), or memory in
 * the unit tests (tests/unit/test-ctl-ops.c). write queues a framed
 * reply and, unless it returns an error, calls weft__ctl_written(w,
 * status) once, later, on the loop; read starts or stops the client's
 * bytes (the socket's read callback, or weft__ctl_input()); close closes
 * the transport and calls weft__ctl_closed(c) once, later, on the loop.
 */
struct weft_ctl_io {
	int	(*write)(struct weft_ctl_conn *, struct weft_ctl_write *);
	int	(*read)(struct weft_ctl_conn *, bool);
	void	(*close)(struct weft_ctl_conn *);
};

struct weft_ctl_conn {
	TAILQ_ENTRY(weft_ctl_conn) entry;
	const struct weft_ctl_io *io;
	void			*io_arg;	/* the transport's */
	uv_pipe_t		 pipe;		/* the socket's transport */
	struct weft_ctl		*srv;
	const struct weft_ctl_env *env;		/* srv's */
	unsigned		 id;
	enum weft_ctl_state	 state;
	bool			 closing;
	bool			 reading;
	unsigned		 refs;	/* work in flight + 1 for the handle */

	uint8_t			 hdr[WEFT_CTL_HDR];
	size_t			 hdr_have;
	uint8_t			*body;
	uint32_t		 body_len;	/* announced */
	uint32_t		 body_have;	/* received */
	uint32_t		 body_cap;	/* allocated */
	bool			 over_cap;	/* refused: over the bodies' cap */
	bool			 close_when_sent; /* refused: reply, then close */

	size_t			 wq_bytes;
	/*
	 * The state of the request in progress, whichever op it is (set by
	 * weft__ctl_req_set): req_free(req) runs when the request ends
	 * (weft__ctl_done) or the conn is freed, whichever comes first.
	 */
	void			*req;
	void			(*req_free)(void *);
	const struct weft_ctl_op *op;	/* of the request in progress */
	/* A paced reply (get, ls) goes on when the write queue drains. */
	void			(*resume)(struct weft_ctl_conn *);
	/*
	 * In WEFT_CTL_DATA, every frame goes here instead of the op table
	 * (publish's data frames); as a handler, it may keep the body.
	 */
	void			(*data)(struct weft_ctl_conn *,
				    const struct weft_obj *, uint8_t *, bool *);
};

TAILQ_HEAD(weft_ctl_conns, weft_ctl_conn);

/* What the control socket's unfinished request bodies hold (ctl.c). */
struct weft_ctl_mem {
	size_t		 bytes;		/* allocated for bodies being read */
	size_t		 freed;		/* big bodies freed since a trim */
	uint64_t	 refused;	/* clients closed over the cap */
	uint64_t	 refused_logged;
	uint64_t	 log_ms;	/* last "refused" log line */
};

/* The control server: the listening socket and its clients. */
struct weft_ctl {
	const struct weft_ctl_env *env;
	uv_pipe_t		 pipe;
	bool			 open;		/* pipe initialised */
	bool			 stopping;
	struct weft_ctl_conns	 conns;
	unsigned		 nconns;
	unsigned		 next_id;	/* of the next client */
	struct weft_ctl_mem	 mem;		/* request bodies */
};

/*
 * Binds env->sock_path and serves it on env->loop. env is borrowed until
 * the loop has run dry after weft_ctl_stop(). A socket file left there
 * is removed first (the home's lock rules out a live daemon). Returns 0
 * or an error; weft_ctl_stop() must be called either way.
 */
int	weft_ctl_start(struct weft_ctl *s, const struct weft_ctl_env *env);
/* Stops listening, unlinks the socket and closes every client. */
void	weft_ctl_stop(struct weft_ctl *s);
/* What weft_ctl_start() does first: a server with no socket (tests). */
void	weft_ctl_init(struct weft_ctl *s, const struct weft_ctl_env *env);

/*
 * A client on transport io (io_arg is the transport's), reading. Returns
 * NULL when out of memory. The conn is freed after io->close has called
 * weft__ctl_closed() and the last write and pool job have ended.
 */
struct weft_ctl_conn *weft__ctl_conn_new(struct weft_ctl *s,
	    const struct weft_ctl_io *io, void *io_arg);
/*
 * Bytes the client sent, while the conn reads: they go through the same
 * framing as the socket's. Returns how many were taken; the rest waits
 * until the conn reads again (it stops while it serves a request).
 */
size_t	weft__ctl_input(struct weft_ctl_conn *c, const uint8_t *p,
	    size_t len);
/* The transport's callbacks: a write ended, the transport is closed. */
void	weft__ctl_written(struct weft_ctl_write *w, int status);
void	weft__ctl_closed(struct weft_ctl_conn *c);

/* Milliseconds since the epoch, from env->clock. */
uint64_t weft__ctl_now_ms(const struct weft_ctl_env *env);

/*
 * Starts a reply map: packs "status" 0 and reserves nothing else; the
 * caller packs n more key/value pairs. Buffer capped at WEFT_CTL_FRAME_MAX.
 */
void	weft__ctl_reply_begin(struct weft_pack *pk, struct weft_buf *b,
	    uint32_t n);
/*
 * Frames and queues body for writing; consumes b's bytes (b is left
 * empty) even on failure. A pack error in pk_err is reported to the client
 * as an error reply instead. Returns 0 or an error (the conn is closing).
 */
int	weft__ctl_send(struct weft_ctl_conn *c, struct weft_buf *b);
/* Sends {status: err, error: "<formatted>: <weft_strerror(err)>"}. */
void	weft__ctl_send_err(struct weft_ctl_conn *c, int err, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* The same with the message as given, for one that already says why. */
void	weft__ctl_send_errs(struct weft_ctl_conn *c, int err, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* Starts or stops reading requests from the client (publish's pacing). */
void	weft__ctl_read(struct weft_ctl_conn *c, bool on);
/*
 * Ends the current request: frees its state (c->req), clears resume and
 * data, and goes back to IDLE and reading.
 */
void	weft__ctl_done(struct weft_ctl_conn *c);
/* Makes req the request's state, freed as c->req says. */
void	weft__ctl_req_set(struct weft_ctl_conn *c, void *req,
	    void (*req_free)(void *));
/* Closes the client (after queued writes are flushed or failed). */
void	weft__ctl_close(struct weft_ctl_conn *c);

/*
 * The op table's flags (after git's command table, RUN_SETUP): what the
 * dispatcher does around an op so that its handlers need not.
 *
 * WEFT_OP_POOL: the work runs on the thread pool. The dispatcher
 * allocates the op's state (req_size bytes, zeroed) as the request's
 * (c->req), calls prepare on the loop, queues work(req) on the pool and,
 * on the loop again, calls reply(c, req) when work returned 0, or
 * replies {status: err, error: "<what>: ..."} itself; then it ends the
 * request, which frees the state.
 *
 * WEFT_OP_STREAM: a reply of many frames, paced by the client's reading.
 * The dispatcher allocates the state and calls prepare as above, then
 * pump(c), which sends frames while c->wq_bytes stays under
 * WEFT_CTL_WQ_PAUSE and is called again whenever the queue drains, until
 * it ends the request (weft__ctl_done).
 *
 * Without a flag, fn(c, req) does everything: it either finishes the
 * request (reply sent, weft__ctl_done called) or leaves the conn BUSY and
 * finishes later.
 */
#define WEFT_OP_POOL	0x1u
#define WEFT_OP_STREAM	0x2u

struct weft_ctl_op {
	const char	*name;
	unsigned	 flags;
	void		(*fn)(struct weft_ctl_conn *, const struct weft_obj *);
	/* WEFT_OP_POOL and WEFT_OP_STREAM: */
	size_t		 req_size;
	/*
	 * Reads the request's arguments into the op's state, on the loop.
	 * Returns 0, or an error after replying with it.
	 */
	int		(*prepare)(struct weft_ctl_conn *,
			    const struct weft_obj *, void *);
	/* Frees what the state holds, not the state itself; or NULL. */
	void		(*release)(void *);
	/* WEFT_OP_POOL: */
	int		(*work)(void *);
	void		(*reply)(struct weft_ctl_conn *, void *);
	const char	*what;		/* says what failed in error replies */
	/* WEFT_OP_STREAM: */
	void		(*pump)(struct weft_ctl_conn *);
};

/* The op table (ops.c). */
extern const struct weft_ctl_op *const weft__ctl_ops[];
extern const size_t weft__ctl_nops;

/* Ops defined outside ops.c. */
extern const struct weft_ctl_op weft__op_publish, weft__op_fork,
	    weft__op_get, weft__op_follow, weft__op_unfollow, weft__op_mirror,
	    weft__op_unmirror, weft__op_policies, weft__op_peers,
	    weft__op_connect, weft__op_push, weft__op_known, weft__op_forget,
	    weft__op_disconnect, weft__op_pins;
/* ops_social.c */
extern const struct weft_ctl_op weft__op_profile_set, weft__op_profile,
	    weft__op_names, weft__op_comment, weft__op_comments,
	    weft__op_react, weft__op_social, weft__op_avatar, weft__op_photo,
	    weft__op_make, weft__op_makes;
/* ops_library.c */
extern const struct weft_ctl_op weft__op_libraries;
/* ops_gc.c */
extern const struct weft_ctl_op weft__op_gc, weft__op_rm, weft__op_unwant,
	    weft__op_du;
/* ops_moderation.c */
extern const struct weft_ctl_op weft__op_block, weft__op_unblock,
	    weft__op_blocks, weft__op_moderator_add, weft__op_moderator_rm,
	    weft__op_moderators, weft__op_label, weft__op_reports;
/*
 * ops_search.c: search, and ls with filters or pages (one page per
 * request). ls without any of those arguments keeps its paced stream
 * (ops.c), which is why ls is a plain op that picks one of the two.
 */
extern const struct weft_ctl_op weft__op_search;
bool	weft__ls_is_page(const struct weft_obj *req);
void	weft__op_ls_page(struct weft_ctl_conn *c, const struct weft_obj *req);
/*
 * Runs op for req as the dispatcher does, applying its flags: for an op
 * that picks another (ls) after looking at the request.
 */
void	weft__ctl_op_run(struct weft_ctl_conn *c, const struct weft_ctl_op *op,
	    const struct weft_obj *req);
/* ops_license.c, credits.c */
extern const struct weft_ctl_op weft__op_grant, weft__op_grants,
	    weft__op_credits;
/*
 * ops_retract.c: the retract op, and what a lookup of id answers when
 * id was taken back here (a tombstone, no record): it replies
 * WEFT_ERETRACTED with the reason and returns it; else returns 0.
 */
extern const struct weft_ctl_op weft__op_retract;
int	weft__ctl_retracted(struct weft_ctl_conn *c, const uint8_t id[32]);
/*
 * The same for an id a block took out or refused here (ops_moderation.c):
 * replies WEFT_ENOTFOUND saying so and returns WEFT_EBLOCKED; else 0.
 */
int	weft__ctl_blocked_gone(struct weft_ctl_conn *c,
	    const uint8_t id[32]);
/* ops_seeds.c */
extern const struct weft_ctl_op weft__op_seeds;
extern const struct weft_ctl_op weft__op_library_maintainers;
extern const struct weft_ctl_op weft__op_library_maint;

/* Resolves a string id argument; sends the error reply itself on failure. */
int	weft__ctl_arg_id(struct weft_ctl_conn *c, const struct weft_obj *req,
	    const char *key, uint8_t id[32], bool required);
/* Copies an optional string argument (NULL if absent); replies on error. */
int	weft__ctl_arg_str(struct weft_ctl_conn *c, const struct weft_obj *req,
	    const char *key, size_t max, char **out);

/*
 * Runs fn(arg) on the thread pool, then done(arg, status) on the loop; the
 * conn is kept alive meanwhile. Returns 0 or a uv error (nothing queued).
 */
typedef int weft_ctl_work_fn(void *arg);
typedef void weft_ctl_done_fn(struct weft_ctl_conn *c, void *arg, int status);
int	weft__ctl_work(struct weft_ctl_conn *c, weft_ctl_work_fn *fn,
	    weft_ctl_done_fn *done, void *arg);

#endif
