/*
 * What the files of daemon/web share: the request a handler sees, the
 * response it fills, the node's state copied on the loop, and streams.
 */
#ifndef WEFT_WEB_IMPL_H
#define WEFT_WEB_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/buf.h"
#include "weft/record.h"

#include "http.h"
#include "web.h"

#define WEFT_WEB_PAGE_MAX	(8 * 1024 * 1024)	/* a rendered reply */
#define WEFT_WEB_TOKEN_HEX	32			/* 128 bits */
#define WEFT_WEB_PEERS_SHOWN	64
#define WEFT_WEB_PAGE_SIZE	50			/* designs a page */

struct weft_web_peer {
	uint8_t		node[32];
	char		addr[64];
	bool		out;
	char		state[16];
};

/* The node's state, copied on the loop for the renderers on the pool. */
struct weft_web_snap {
	uint8_t			node[32];
	uint8_t			author[32];
	uint64_t		uptime_ms;
	char			listen[64];
	char			web[WEFT_WEB_ADDR_MAX];
	unsigned		peers_open, conns_in, conns_out;
	struct weft_web_peer	peers[WEFT_WEB_PEERS_SHOWN];
	size_t			npeers;
	bool			assets;		/* the 3D view is there */
	bool			writable;	/* actions allowed */
	bool			loopback;	/* no login needed */
	bool			session;	/* logged in (not loopback) */
	bool			can_login;	/* a web-password is set */
	char			token[WEFT_WEB_TOKEN_HEX + 1];
};

struct weft_web_stream;

struct weft_web_resp {
	int		 status;
	const char	*ctype;
	struct weft_buf	 body;		/* capped at WEFT_WEB_PAGE_MAX */
	char		 filename[128];	/* Content-Disposition, or "" */
	char		 location[512];	/* a redirect, or "" */
	char		 cookie[160];	/* Set-Cookie, or "" */
	/* A record an action stored, for sync (web.c, on the loop). */
	struct weft_buf	 record;
	uint8_t		 record_id[32];
	bool		 stored;
	/* A streamed body of length bytes instead of body. */
	struct weft_web_stream	*stream;
	uint64_t	 length;
	bool		 nocache;
	uint32_t	 max_age;	/* when cached: seconds, 0: 3600 */
	bool		 poke;		/* an action: tell fetch and sync */
};

/* What a handler on the pool gets. */
struct weft_web_req {
	struct weft_store		*store;
	const struct weft_web_snap	*snap;
	const struct weft_web_route	*rt;
	const char			*query;
	size_t				 query_len;
	const char			*assets;	/* or NULL */
	const uint8_t			*body;		/* a POST's form */
	size_t				 body_len;
	const struct weft_ctl_env	*ctl;		/* signs records */
};

void	weft__web_resp_init(struct weft_web_resp *resp);
void	weft__web_resp_release(struct weft_web_resp *resp);

/* thumb.c: /thumb/REV, and the PNG of r's first 3MF that has one. */
int	weft__web_thumb(const struct weft_web_req *rq,
	    struct weft_web_resp *resp);
struct weft_record;
int	weft__web_thumb_find(struct weft_store *store,
	    const struct weft_record *r, struct weft_buf *png);

/* pages.c: HTML pages. */
int	weft__web_page(const struct weft_web_req *rq,
	    struct weft_web_resp *resp);
/* An error page with status and a one-line message. */
void	weft__web_error(struct weft_web_resp *resp, int status,
	    const char *msg);
/* style.css and the other files built into weftd; WEFT_ENOTFOUND. */
int	weft__web_static(const char *name, struct weft_web_resp *resp);
/* A file of the assets directory (the 3D view); WEFT_ENOTFOUND. */
int	weft__web_asset(const char *dir, const char *name,
	    struct weft_web_resp *resp);

/* actions.c: get, follow, mirror (a POST, checked already). */
int	weft__web_action(const struct weft_web_req *rq,
	    struct weft_web_resp *resp);

/* api.c: the JSON API. */
int	weft__web_api(const struct weft_web_req *rq,
	    struct weft_web_resp *resp);

/*
 * download.c: a revision's file or the revision as a zip, streamed.
 * weft__web_download() prepares resp->stream on the pool;
 * weft__web_stream_next() appends the next piece (at most about a chunk)
 * on the loop: 1 more to come, 0 done, or an error.
 */
int	weft__web_download(const struct weft_web_req *rq,
	    struct weft_web_resp *resp);
int	weft__web_file_stream(struct weft_store *store,
	    const uint8_t rev[32], uint32_t n, struct weft_web_resp *resp);
int	weft__web_stream_next(struct weft_web_stream *s,
	    struct weft_store *store, struct weft_buf *out);
void	weft__web_stream_free(struct weft_web_stream *s);

/* Shared by pages.c and api.c (render.c). */
struct weft_web_summary {
	uint8_t		design[32];
	uint8_t		head[32];
	uint8_t		author[32];
	char		title[WEFT_TITLE_MAX + 1];
	char		license[WEFT_LICENSE_MAX + 1];
	char		tags[WEFT_TAGS_MAX][WEFT_TAG_MAX + 1];
	size_t		ntags;
	uint64_t	created, updated, revs, heads;
	bool		conflict;	/* its license breaks the table */
};
int	weft__web_summary_decode(const uint8_t *p, size_t n,
	    struct weft_web_summary *s);
/* Resolves an id prefix; WEFT_ENOTFOUND, WEFT_EAMBIGUOUS, WEFT_EUSAGE. */
int	weft__web_resolve(struct weft_store *store, const char *hex,
	    uint8_t id[32]);
/*
 * When id was taken back (its tombstone is here): 0 and why, "retracted
 * (reason: R)", "retracted (no reason given)" or "removed from this node
 * (weft rm --records)", in at most cap bytes (the reason as its author
 * wrote it: escape it). WEFT_ENOTFOUND when it was not.
 */
int	weft__web_gone(struct weft_store *store, const uint8_t id[32],
	    char *why, size_t cap);
/*
 * An author by whole key or by a unique prefix of 8 or more hex digits
 * of a key that signed records here, as the CLI takes one: 0,
 * WEFT_ENOTFOUND, WEFT_EAMBIGUOUS or WEFT_EUSAGE.
 */
int	weft__web_author(struct weft_store *store, const char *s,
	    uint8_t author[32]);
/*
 * Moderation (moderated.c): whether it hides or blocks id (a design, one
 * of its revisions, or an author); what ls and search leave out is
 * neither listed nor served (weft__web_resolve() says WEFT_ENOTFOUND for
 * it). Lists load the hidden targets once (_load, 0 or a store error,
 * the set then empty) and test each design and author against them.
 */
bool	weft__web_moderated(struct weft_store *store, const uint8_t id[32]);
struct weft_web_hidden {
	uint8_t	(*keys)[32];
	size_t	  n, cap;
};
int	weft__web_hidden_load(struct weft_store *s,
	    struct weft_web_hidden *h);
void	weft__web_hidden_free(struct weft_web_hidden *h);
bool	weft__web_hidden_has(const struct weft_web_hidden *h,
	    const uint8_t design[32], const uint8_t author[32]);

#endif
