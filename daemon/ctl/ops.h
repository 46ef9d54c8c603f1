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
struct weft_daemon;
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
 * The store and the node's author public key, for handlers in files that
 * do not include daemon.h (the layer check keeps that list from growing).
 */
struct weft_store *weft__ctl_store(struct weft_ctl_conn *c);
const uint8_t	*weft__ctl_author(struct weft_ctl_conn *c);

/*
 * Fills in author and ts (now, or later than min_ts), encodes and signs r
 * into env (initialised here, capped at WEFT_RECORD_MAX).
 */
int	weft__record_make(struct weft_daemon *d, struct weft_record *r,
	    uint64_t min_ts, struct weft_buf *env);

/*
 * Stores a signed envelope on the thread pool, then replies {status, id,
 * record} and ends the request; with genesis, the reply also names the
 * new design (the record's own id). Takes env's bytes.
 */
void	weft__put_and_reply(struct weft_ctl_conn *c, struct weft_buf *env,
	    bool genesis);

#endif
