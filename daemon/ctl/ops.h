/*
 * Helpers shared by the request handlers: list replies split into frames,
 * signing records with the node's author key, and storing them on the
 * thread pool.
 */
#ifndef WEFT_OPS_H
#define WEFT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "weft/buf.h"
#include "weft/pack.h"
#include "weft/record.h"

struct weft_ctl_conn;
struct weft_ctl_env;
struct weft_store;

/* A frame of a list reply is sent once its items pass this size. */
#define WEFT_LIST_FRAME_SOFT	(1024 * 1024)

/*
 * A list reply in progress: items are packed into `items`; full frames go
 * out as {status: 0, <extra>, items: [...], more: true}, the last one with
 * more: false. `extra` (optional, packed key/value pairs) goes into the
 * first frame only.
 */
struct weft_lister {
	struct weft_ctl_conn	*c;
	struct weft_buf		 items;
	struct weft_pack	 pk;	/* writes into items */
	uint32_t		 n;
	struct weft_buf		 extra;
	uint32_t		 nextra;
	bool			 sent;
	int			 err;
};

void	weft__lister_init(struct weft_lister *l, struct weft_ctl_conn *c);
/* Call after packing one item into l->pk. Flushes a frame when full. */
int	weft__lister_item(struct weft_lister *l);
/* Sends the last frame (more: false), or an error reply if l->err. */
void	weft__lister_finish(struct weft_lister *l);

/*
 * Fills in author and ts (now, or later than min_ts), encodes and signs r
 * with env's author key into out (initialised here, capped at
 * WEFT_RECORD_MAX).
 */
int	weft__record_make(const struct weft_ctl_env *env,
	    struct weft_record *r, uint64_t min_ts, struct weft_buf *out);

/*
 * Resolves a design argument: a design id, or any revision id, which
 * names the design it belongs to. Replies on failure.
 */
int	weft__ctl_arg_design(struct weft_ctl_conn *c,
	    const struct weft_obj *req, const char *key, uint8_t design[32]);
/*
 * An author argument (ops_social.c): a key prefix of 8..64 hex characters
 * among the authors of stored records, or a whole key; absent, this
 * node's author unless required. A node id (this node's, or one in the
 * address book) is refused with a message that says so. Replies on
 * failure.
 */
int	weft__ctl_arg_author(struct weft_ctl_conn *c,
	    const struct weft_obj *req, const char *key, uint8_t author[32],
	    bool required);
/*
 * Whether key is a node's id: this node's, a peer's (connected or in the
 * address book), or one the store kept from earlier runs (ops_social.c).
 */
bool	weft__ctl_is_node(struct weft_ctl_conn *c, const uint8_t key[32]);

/*
 * The ops that sign a record with the author key and store it (library
 * writes, fork) are WEFT_OP_POOL ops with this state: their prepare
 * fills env (weft__record_make) and genesis; the record is stored on the
 * pool, then sync hears of it and the reply is {status, id, record}, with
 * genesis also the new design (the record's own id).
 */
struct weft_put_job {
	struct weft_store	*store;
	struct weft_buf		 env;
	uint8_t			 id[32];
	bool			 genesis;
};

int	weft__put_work(void *job);
void	weft__put_reply(struct weft_ctl_conn *c, void *job);
void	weft__put_release(void *job);

/*
 * For an op without flags that made a record itself: stores env on the
 * pool, replies as a put op does and ends the request. Takes env's bytes.
 */
void	weft__put_now(struct weft_ctl_conn *c, struct weft_buf *env);

/* The fields of a put op's table entry. */
#define WEFT_PUT_OP(opname, prep)					\
	.name = (opname), .flags = WEFT_OP_POOL,			\
	.req_size = sizeof(struct weft_put_job), .prepare = (prep),	\
	.release = weft__put_release, .work = weft__put_work,		\
	.reply = weft__put_reply, .what = "cannot store record"

#endif
