/*
 * One HTTP/1.1 request, parsed by llhttp (Node's parser, compiled from
 * Debian's node-llhttp sources) into fixed, capped fields; and the checks
 * every request passes before a handler sees it. Sans-I/O: the server
 * (web.c) feeds bytes, tests and the fuzz harness feed anything.
 */
#ifndef WEFT_HTTP_H
#define WEFT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

#define WEFT_HTTP_HEAD_MAX	(16 * 1024)	/* request line and headers */
#define WEFT_HTTP_HEADERS_MAX	64
#define WEFT_HTTP_URL_MAX	2048
#define WEFT_HTTP_FIELD_MAX	256		/* Host, Origin, ... */
#define WEFT_HTTP_COOKIE_MAX	1024
#define WEFT_HTTP_BODY_MAX	(8 * 1024)	/* form posts only */

enum weft_http_method {
	WEFT_HTTP_OTHER = 0,
	WEFT_HTTP_GET,
	WEFT_HTTP_HEAD,
	WEFT_HTTP_POST,
};

struct weft_http_req {
	llhttp_t		 parser;	/* private */
	llhttp_settings_t	 settings;	/* private */
	int			 field;		/* private: header kept */
	int			 method;	/* enum weft_http_method */
	char			 url[WEFT_HTTP_URL_MAX];
	size_t			 url_len;
	char			 host[WEFT_HTTP_FIELD_MAX];
	char			 origin[WEFT_HTTP_FIELD_MAX];
	char			 ctype[WEFT_HTTP_FIELD_MAX];
	char			 cookie[WEFT_HTTP_COOKIE_MAX];
	char			 hname[32];	/* private: header name */
	size_t			 hname_len;
	size_t			 flen;		/* private: value so far */
	unsigned		 nhosts;	/* Host headers seen */
	unsigned		 nheaders;
	size_t			 head_bytes;
	uint8_t			 body[WEFT_HTTP_BODY_MAX];
	size_t			 body_len;
	bool			 headers_done;
	bool			 toobig;	/* private: a cap hit */
	bool			 done;
	bool			 keep_alive;
};

void	weft_http_req_init(struct weft_http_req *r);
/*
 * Feeds the next n bytes of the connection. Returns 1 when the request is
 * complete (the bytes after it are not consumed: one request per
 * connection), 0 when more are needed, WEFT_ETOOBIG (a cap above; answer
 * 431 or 413) or WEFT_EPROTO (not HTTP; answer 400).
 */
int	weft_http_req_feed(struct weft_http_req *r, const char *p, size_t n);

/* The path (before '?', not decoded) and the query (after, or ""). */
void	weft_http_req_path(const struct weft_http_req *r, const char **path,
	    size_t *path_len, const char **query, size_t *query_len);

/*
 * Whether host (a Host header) names one of the allowed authorities
 * ("127.0.0.1:7421", "localhost:7421", ...), byte for byte but for ASCII
 * case. DNS rebinding: a page of evil.example resolved to 127.0.0.1
 * still sends Host: evil.example:7421.
 */
bool	weft_http_host_ok(const char *host, const char *const *allowed,
	    size_t nallowed);
/*
 * Whether a state-changing request comes from our own pages: origin is
 * exactly "http://" + host (ASCII case aside). A missing Origin ("")
 * fails: browsers send one with every POST.
 */
bool	weft_http_origin_ok(const char *origin, const char *host);
/* Constant-time comparison of a token given with the expected one. */
bool	weft_http_token_ok(const char *given, const char *expected);

/*
 * Finds key in an application/x-www-form-urlencoded string (a query or a
 * form body) and percent-decodes its value ('+' is a space) into out,
 * NUL-terminated. Returns the length, WEFT_ENOTFOUND, WEFT_ETOOBIG (out
 * too small) or WEFT_EPROTO (a bad escape, or a NUL).
 */
int	weft_http_form_get(const char *s, size_t n, const char *key,
	    char *out, size_t outsz);
/* The value of cookie name in a Cookie header, as weft_http_form_get(). */
int	weft_http_cookie_get(const char *cookie, const char *name, char *out,
	    size_t outsz);

/* Routes: what a path asks for. */
enum weft_web_route_kind {
	WEFT_ROUTE_NONE = 0,
	WEFT_ROUTE_HOME,		/* / */
	WEFT_ROUTE_SEARCH,		/* /search?q=&tag=&author=&page= */
	WEFT_ROUTE_DESIGN,		/* /d/ID */
	WEFT_ROUTE_AUTHOR,		/* /a/ID */
	WEFT_ROUTE_LIBRARY,		/* /l/ID */
	WEFT_ROUTE_STATUS,		/* /status */
	WEFT_ROUTE_STATIC,		/* /static/NAME */
	WEFT_ROUTE_ASSET,		/* /assets/NAME: the 3D view */
	WEFT_ROUTE_FILE,		/* /f/REV/N/NAME */
	WEFT_ROUTE_ZIP,			/* /zip/REV/NAME.zip */
	WEFT_ROUTE_HANDOFF,		/* /h/TOKEN/NAME */
	WEFT_ROUTE_ACTION,		/* POST /act/get|follow|mirror */
	WEFT_ROUTE_API_STATUS,		/* /api/status */
	WEFT_ROUTE_API_DESIGNS,		/* /api/designs?tag=&author=&page= */
	WEFT_ROUTE_API_SEARCH,		/* /api/search?q= */
	WEFT_ROUTE_API_DESIGN,		/* /api/design/ID */
	WEFT_ROUTE_API_LIBRARY,		/* /api/library/ID */
	WEFT_ROUTE_API_PEERS,		/* /api/peers */
	WEFT_ROUTE_LOGIN,		/* /login (GET: form; POST) */
	WEFT_ROUTE_LOGOUT,		/* POST /logout */
	WEFT_ROUTE_THUMB,		/* /thumb/REV */
};

#define WEFT_ROUTE_ARG_MAX	128

struct weft_web_route {
	int		kind;		/* enum weft_web_route_kind */
	char		arg[WEFT_ROUTE_ARG_MAX];	/* an id, token, name */
	uint32_t	n;		/* a file's number */
	char		name[WEFT_ROUTE_ARG_MAX];	/* last segment */
};

/*
 * Splits path (not yet decoded) into a route. Ids are 8 to 64 hex
 * characters (a prefix is resolved by the handler), tokens 32 hex,
 * static names [a-z0-9._-] without "..". Returns 0 or WEFT_ENOTFOUND.
 */
int	weft_web_route(const char *path, size_t n, struct weft_web_route *rt);

#endif
