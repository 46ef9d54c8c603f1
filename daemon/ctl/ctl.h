/*
 * The control server: the Unix socket weft (the CLI) talks to. Each client
 * is a struct weft_ctl_conn that reads length-prefixed msgpack frames
 * (docs/proto/control.md) and runs one request at a time. Requests that
 * take long (publish, fork, verify, library writes) run their work on the
 * libuv thread pool; while one is in flight the connection stops reading.
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
#include "weft/pack.h"

struct weft_daemon;
struct weft_pub;
struct weft_getter;

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

struct weft_ctl_conn {
	TAILQ_ENTRY(weft_ctl_conn) entry;
	uv_pipe_t		 pipe;
	struct weft_daemon	*d;
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
	 * A paced reply (get, ls) goes on when the write queue drains; it
	 * is called once more when the conn is freed (closing is set).
	 */
	void			(*resume)(struct weft_ctl_conn *);
	void			*resume_arg;
	struct weft_pub		*pub;
	struct weft_getter	*get;
};

int	weft_ctl_start(struct weft_daemon *d);
void	weft_ctl_stop(struct weft_daemon *d);

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
/* Starts or stops reading requests from the client (publish's pacing). */
void	weft__ctl_read(struct weft_ctl_conn *c, bool on);
/* Ends the current request: back to IDLE and reading. */
void	weft__ctl_done(struct weft_ctl_conn *c);
/* Closes the client (after queued writes are flushed or failed). */
void	weft__ctl_close(struct weft_ctl_conn *c);
/* Frees per-request state (publish, get) when the conn is closed. */
void	weft__pub_free(struct weft_pub *p);
void	weft__get_free(struct weft_getter *g);

/*
 * Request handlers (ops.c, publish.c, get.c). Each receives the decoded
 * request; body is the frame it points into. A handler either finishes
 * the request (reply sent, weft__ctl_done called) or leaves the conn BUSY
 * and finishes later. It may keep the body by setting *keep to true (then
 * it frees it).
 */
void	weft__ops_dispatch(struct weft_ctl_conn *c, const struct weft_obj *req,
	    uint8_t *body, bool *keep);
void	weft__op_publish(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_fork(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__pub_data(struct weft_ctl_conn *c, const struct weft_obj *msg,
	    uint8_t *body, bool *keep);
void	weft__op_get(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_follow(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_unfollow(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_mirror(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_unmirror(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_policies(struct weft_ctl_conn *c, const struct weft_obj *req);
/*
 * ops_search.c: search, and ls with filters or pages, over store st
 * (ops.c passes the daemon's: this file stays below daemon.h).
 */
struct weft_store;
void	weft__op_search(struct weft_ctl_conn *c, struct weft_store *st,
	    const struct weft_obj *req);
bool	weft__ls_is_page(const struct weft_obj *req);
void	weft__op_ls_page(struct weft_ctl_conn *c, struct weft_store *st,
	    const struct weft_obj *req);
/* ops_peers.c */
void	weft__op_peers(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_connect(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_push(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_known(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_forget(struct weft_ctl_conn *c, const struct weft_obj *req);
void	weft__op_disconnect(struct weft_ctl_conn *c,
	    const struct weft_obj *req);

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
