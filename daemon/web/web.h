/*
 * The web UI: HTML pages and a JSON API over HTTP/1.1, served by weftd on
 * its own libuv loop (docs/DESIGN.md, "daemon/web/"; the API in
 * docs/proto/web.md). Requests are parsed by http.c (llhttp), pages and
 * API replies are rendered on the thread pool from short read
 * transactions, and downloads stream chunk by chunk, paced by the
 * socket's write queue.
 */
#ifndef WEFT_WEB_H
#define WEFT_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct weft_fetch;
struct weft_net;
struct weft_store;
struct weft_sync;
struct weft_ctl_env;
struct weft_web;

#define WEFT_WEB_DEFAULT	"127.0.0.1:7421"
#define WEFT_WEB_ADDR_MAX	64	/* "[IPv6]:65535" and NUL */
#define WEFT_WEB_PORT_TRIES	32	/* ports tried after a taken one */

struct weft_web_env {
	uv_loop_t		*loop;
	struct weft_store	*store;
	struct weft_net		*net;		/* read on the loop; or NULL */
	/* Told after an action wants files or changes policies; or NULL. */
	struct weft_fetch	*fetch;
	struct weft_sync	*sync;
	const uint8_t		*node;		/* 32 bytes */
	const uint8_t		*author;	/* 32 bytes */
	uint64_t		 started_ms;	/* loop time at start */
	/*
	 * Static files (three.js and the viewer), or NULL: pages then say
	 * the 3D view is not installed.
	 */
	const char		*assets;
	/*
	 * The password of a non-loopback UI (crypto_pwhash_str()), or
	 * NULL: without one such a UI is read-only.
	 */
	const char		*password;
	uint64_t		 link_ms;	/* a slicer link's life, or 0 */
	/* Signs the likes and comments the pages make (ctl/social_make.h). */
	const struct weft_ctl_env	*ctl;
};

/*
 * Binds listen (IP:PORT; a taken port is logged and the next of
 * WEFT_WEB_PORT_TRIES tried) and starts serving. A non-loopback address
 * serves read-only pages: no action is taken from the network.
 * Returns 0 or a libuv error; *wp is NULL on failure.
 */
int	weft_web_start(struct weft_web **wp, const struct weft_web_env *env,
	    const char *listen);
/* Stops accepting and closes every connection; frees itself once closed. */
void	weft_web_stop(struct weft_web *w);
/* The address in use, "127.0.0.1:7421". */
const char *weft_web_address(const struct weft_web *w);
/* Updates the net the status page reads (NULL once it stops). */
void	weft_web_set_net(struct weft_web *w, struct weft_net *net);

#endif
