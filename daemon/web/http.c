/*
 * HTTP requests (http.h): llhttp does the grammar; this file keeps what
 * weft's pages need in capped fields and refuses the rest.
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "weft/err.h"

#include "http.h"

enum {
	F_NONE = 0,
	F_HOST,
	F_ORIGIN,
	F_CTYPE,
	F_COOKIE,
	F_SKIP,
};

#define REQ(p)	((struct weft_http_req *)(p)->data)

static int
on_url(llhttp_t *p, const char *at, size_t n)
{
	struct weft_http_req	*r = REQ(p);

	if (n >= sizeof(r->url) - r->url_len) {
		r->toobig = true;
		return HPE_USER;
	}
	memcpy(r->url + r->url_len, at, n);
	r->url_len += n;
	r->url[r->url_len] = '\0';
	return 0;
}

static int
on_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct weft_http_req	*r = REQ(p);

	if (r->hname_len + n >= sizeof(r->hname)) {
		/* No header we keep has a name this long. */
		r->hname_len = sizeof(r->hname) - 1;
		r->hname[r->hname_len] = '\0';
		return 0;
	}
	memcpy(r->hname + r->hname_len, at, n);
	r->hname_len += n;
	r->hname[r->hname_len] = '\0';
	return 0;
}

static int
on_header_field_complete(llhttp_t *p)
{
	struct weft_http_req	*r = REQ(p);

	if (++r->nheaders > WEFT_HTTP_HEADERS_MAX) {
		r->toobig = true;
		return HPE_USER;
	}
	if (strcasecmp(r->hname, "host") == 0) {
		r->field = F_HOST;
		r->nhosts++;
	} else if (strcasecmp(r->hname, "origin") == 0) {
		r->field = F_ORIGIN;
	} else if (strcasecmp(r->hname, "content-type") == 0) {
		r->field = F_CTYPE;
	} else if (strcasecmp(r->hname, "cookie") == 0) {
		r->field = F_COOKIE;
	} else {
		r->field = F_SKIP;
	}
	r->hname_len = 0;
	r->flen = 0;
	return 0;
}

static int
on_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct weft_http_req	*r = REQ(p);
	char			*dst;
	size_t			 cap;

	switch (r->field) {
	case F_HOST:
		dst = r->host;
		cap = sizeof(r->host);
		break;
	case F_ORIGIN:
		dst = r->origin;
		cap = sizeof(r->origin);
		break;
	case F_CTYPE:
		dst = r->ctype;
		cap = sizeof(r->ctype);
		break;
	case F_COOKIE:
		dst = r->cookie;
		cap = sizeof(r->cookie);
		break;
	default:
		return 0;
	}
	if (n >= cap - r->flen) {
		r->toobig = true;
		return HPE_USER;
	}
	if (memchr(at, '\0', n) != NULL)
		return HPE_USER;
	memcpy(dst + r->flen, at, n);
	r->flen += n;
	dst[r->flen] = '\0';
	return 0;
}

static int
on_headers_complete(llhttp_t *p)
{
	struct weft_http_req	*r = REQ(p);

	r->headers_done = true;
	switch (llhttp_get_method(p)) {
	case HTTP_GET:
		r->method = WEFT_HTTP_GET;
		break;
	case HTTP_HEAD:
		r->method = WEFT_HTTP_HEAD;
		break;
	case HTTP_POST:
		r->method = WEFT_HTTP_POST;
		break;
	default:
		r->method = WEFT_HTTP_OTHER;
		break;
	}
	if (p->content_length > WEFT_HTTP_BODY_MAX &&
	    p->content_length != UINT64_MAX) {
		r->toobig = true;
		return HPE_USER;
	}
	return 0;
}

static int
on_body(llhttp_t *p, const char *at, size_t n)
{
	struct weft_http_req	*r = REQ(p);

	if (n > sizeof(r->body) - r->body_len) {
		r->toobig = true;
		return HPE_USER;
	}
	memcpy(r->body + r->body_len, at, n);
	r->body_len += n;
	return 0;
}

static int
on_message_complete(llhttp_t *p)
{
	struct weft_http_req	*r = REQ(p);

	r->done = true;
	r->keep_alive = llhttp_should_keep_alive(p) != 0;
	return HPE_PAUSED;
}

void
weft_http_req_init(struct weft_http_req *r)
{
	memset(r, 0, sizeof(*r));
	llhttp_settings_init(&r->settings);
	r->settings.on_url = on_url;
	r->settings.on_header_field = on_header_field;
	r->settings.on_header_field_complete = on_header_field_complete;
	r->settings.on_header_value = on_header_value;
	r->settings.on_headers_complete = on_headers_complete;
	r->settings.on_body = on_body;
	r->settings.on_message_complete = on_message_complete;
	llhttp_init(&r->parser, HTTP_REQUEST, &r->settings);
	r->parser.data = r;
}

int
weft_http_req_feed(struct weft_http_req *r, const char *p, size_t n)
{
	llhttp_errno_t	 e;
	size_t		 used = n;

	if (r->done)
		return 1;
	if (!r->headers_done) {
		/* Headers may not exceed the cap, however they arrive. */
		if (n > WEFT_HTTP_HEAD_MAX - r->head_bytes)
			used = WEFT_HTTP_HEAD_MAX - r->head_bytes;
		r->head_bytes += used;
	}
	e = llhttp_execute(&r->parser, p, used);
	if (e == HPE_PAUSED || r->done)
		return 1;
	if (e == HPE_OK) {
		if (used < n && !r->headers_done)
			return WEFT_ETOOBIG;
		if (used < n)
			return weft_http_req_feed(r, p + used, n - used);
		return 0;
	}
	return r->toobig ? WEFT_ETOOBIG : WEFT_EPROTO;
}

void
weft_http_req_path(const struct weft_http_req *r, const char **path,
    size_t *path_len, const char **query, size_t *query_len)
{
	const char	*q = memchr(r->url, '?', r->url_len);

	*path = r->url;
	if (q == NULL) {
		*path_len = r->url_len;
		*query = "";
		*query_len = 0;
		return;
	}
	*path_len = (size_t)(q - r->url);
	*query = q + 1;
	*query_len = r->url_len - *path_len - 1;
}

bool
weft_http_host_ok(const char *host, const char *const *allowed,
    size_t nallowed)
{
	for (size_t i = 0; i < nallowed; i++)
		if (strcasecmp(host, allowed[i]) == 0)
			return true;
	return false;
}

bool
weft_http_origin_ok(const char *origin, const char *host)
{
	if (strncasecmp(origin, "http://", 7) != 0 || host[0] == '\0')
		return false;
	return strcasecmp(origin + 7, host) == 0;
}

bool
weft_http_token_ok(const char *given, const char *expected)
{
	size_t	n = strlen(expected);

	if (n == 0 || strlen(given) != n)
		return false;
	return sodium_memcmp(given, expected, n) == 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) (form encoding when plus: '+' is a space) into out. */
static int
form_decode(const char *s, size_t n, char *out, size_t outsz, bool plus)
{
	size_t	o = 0;
	int	hi, lo;
	char	c;

	for (size_t i = 0; i < n; i++) {
		c = s[i];
		if (c == '+' && plus) {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n)
				return WEFT_EPROTO;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return WEFT_EPROTO;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return WEFT_EPROTO;
		if (o + 1 >= outsz)
			return WEFT_ETOOBIG;
		out[o++] = c;
	}
	if (outsz == 0)
		return WEFT_ETOOBIG;
	out[o] = '\0';
	return (int)o;
}

int
weft_http_form_get(const char *s, size_t n, const char *key, char *out,
    size_t outsz)
{
	size_t		 klen = strlen(key), i = 0, j, eq;
	int		 rc;

	while (i < n) {
		j = i;
		while (j < n && s[j] != '&')
			j++;
		eq = i;
		while (eq < j && s[eq] != '=')
			eq++;
		if (eq - i == klen && memcmp(s + i, key, klen) == 0) {
			rc = form_decode(s + eq + (eq < j), j - eq -
			    (eq < j), out, outsz, true);
			/* Callers may use out as a string whatever happened. */
			if (rc < 0 && outsz > 0)
				out[0] = '\0';
			return rc;
		}
		i = j + 1;
	}
	return WEFT_ENOTFOUND;
}

int
weft_http_cookie_get(const char *cookie, const char *name, char *out,
    size_t outsz)
{
	size_t		 nlen = strlen(name), vlen;
	const char	*p = cookie, *end;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen = (size_t)(end - p) - nlen - 1;
			if (vlen + 1 > outsz)
				return WEFT_ETOOBIG;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return (int)vlen;
		}
		p = end;
	}
	return WEFT_ENOTFOUND;
}

/* Routing */

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

/* The next segment of path after *pos (which points at a '/'). */
static bool
segment(const char *path, size_t n, size_t *pos, const char **seg,
    size_t *len)
{
	size_t	i = *pos;

	if (i >= n || path[i] != '/')
		return false;
	i++;
	*seg = path + i;
	while (i < n && path[i] != '/')
		i++;
	*len = (size_t)(path + i - *seg);
	*pos = i;
	return true;
}

static bool
seg_is(const char *seg, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(seg, word, len) == 0;
}

static int
take_id(struct weft_web_route *rt, const char *seg, size_t len)
{
	if (len < 8 || len > 64 || !is_hex(seg, len))
		return WEFT_ENOTFOUND;
	memcpy(rt->arg, seg, len);
	rt->arg[len] = '\0';
	return 0;
}

/* A name segment: percent-decoded, no '/', no NUL, not "." or "..". */
static int
take_name(char *out, const char *seg, size_t len)
{
	int	n;

	n = form_decode(seg, len, out, WEFT_ROUTE_ARG_MAX, false);
	if (n <= 0 || strchr(out, '/') != NULL || strcmp(out, ".") == 0 ||
	    strcmp(out, "..") == 0)
		return WEFT_ENOTFOUND;
	return 0;
}

static int
route_api(const char *path, size_t n, size_t pos, struct weft_web_route *rt)
{
	const char	*seg, *id;
	size_t		 len, idlen;

	if (!segment(path, n, &pos, &seg, &len))
		return WEFT_ENOTFOUND;
	if (pos == n && seg_is(seg, len, "status"))
		rt->kind = WEFT_ROUTE_API_STATUS;
	else if (pos == n && seg_is(seg, len, "designs"))
		rt->kind = WEFT_ROUTE_API_DESIGNS;
	else if (pos == n && seg_is(seg, len, "search"))
		rt->kind = WEFT_ROUTE_API_SEARCH;
	else if (pos == n && seg_is(seg, len, "peers"))
		rt->kind = WEFT_ROUTE_API_PEERS;
	else if (seg_is(seg, len, "design") || seg_is(seg, len, "library")) {
		rt->kind = seg_is(seg, len, "design") ?
		    WEFT_ROUTE_API_DESIGN : WEFT_ROUTE_API_LIBRARY;
		if (!segment(path, n, &pos, &id, &idlen) || pos != n)
			return WEFT_ENOTFOUND;
		return take_id(rt, id, idlen);
	} else
		return WEFT_ENOTFOUND;
	return 0;
}

int
weft_web_route(const char *path, size_t n, struct weft_web_route *rt)
{
	const char	*seg, *a;
	size_t		 pos = 0, len, alen;
	int		 err;

	memset(rt, 0, sizeof(*rt));
	if (n == 1 && path[0] == '/') {
		rt->kind = WEFT_ROUTE_HOME;
		return 0;
	}
	if (!segment(path, n, &pos, &seg, &len))
		return WEFT_ENOTFOUND;
	if (seg_is(seg, len, "api"))
		return route_api(path, n, pos, rt);
	if (pos == n && seg_is(seg, len, "favicon.ico")) {
		rt->kind = WEFT_ROUTE_STATIC;
		memcpy(rt->arg, "favicon.svg", sizeof("favicon.svg"));
		return 0;
	}
	if (pos == n) {
		if (seg_is(seg, len, "search"))
			rt->kind = WEFT_ROUTE_SEARCH;
		else if (seg_is(seg, len, "status"))
			rt->kind = WEFT_ROUTE_STATUS;
		else if (seg_is(seg, len, "login"))
			rt->kind = WEFT_ROUTE_LOGIN;
		else if (seg_is(seg, len, "logout"))
			rt->kind = WEFT_ROUTE_LOGOUT;
		else
			return WEFT_ENOTFOUND;
		return 0;
	}
	if (!segment(path, n, &pos, &a, &alen))
		return WEFT_ENOTFOUND;
	if (pos == n && seg_is(seg, len, "thumb")) {
		rt->kind = WEFT_ROUTE_THUMB;
		return take_id(rt, a, alen);
	}
	if (pos == n && (seg_is(seg, len, "d") || seg_is(seg, len, "a") ||
	    seg_is(seg, len, "l"))) {
		rt->kind = seg[0] == 'd' ? WEFT_ROUTE_DESIGN :
		    seg[0] == 'a' ? WEFT_ROUTE_AUTHOR : WEFT_ROUTE_LIBRARY;
		return take_id(rt, a, alen);
	}
	if (pos == n && (seg_is(seg, len, "static") ||
	    seg_is(seg, len, "assets"))) {
		if (alen == 0 || alen >= WEFT_ROUTE_ARG_MAX || a[0] == '.')
			return WEFT_ENOTFOUND;
		for (size_t i = 0; i < alen; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    a[i]) == NULL)
				return WEFT_ENOTFOUND;
		memcpy(rt->arg, a, alen);
		rt->kind = seg[0] == 's' ? WEFT_ROUTE_STATIC :
		    WEFT_ROUTE_ASSET;
		return 0;
	}
	if (pos == n && seg_is(seg, len, "act")) {
		if (!seg_is(a, alen, "get") && !seg_is(a, alen, "follow") &&
		    !seg_is(a, alen, "mirror") && !seg_is(a, alen, "handoff") &&
		    !seg_is(a, alen, "like") && !seg_is(a, alen, "unlike") &&
		    !seg_is(a, alen, "comment"))
			return WEFT_ENOTFOUND;
		memcpy(rt->arg, a, alen);
		rt->kind = WEFT_ROUTE_ACTION;
		return 0;
	}
	if (seg_is(seg, len, "zip") || seg_is(seg, len, "h")) {
		rt->kind = seg[0] == 'z' ? WEFT_ROUTE_ZIP : WEFT_ROUTE_HANDOFF;
		if (rt->kind == WEFT_ROUTE_ZIP)
			err = take_id(rt, a, alen);
		else if (alen == 32 && is_hex(a, alen)) {
			memcpy(rt->arg, a, alen);
			err = 0;
		} else
			err = WEFT_ENOTFOUND;
		if (err || !segment(path, n, &pos, &seg, &len) || pos != n)
			return WEFT_ENOTFOUND;
		return take_name(rt->name, seg, len);
	}
	if (seg_is(seg, len, "f")) {
		uint32_t	v = 0;

		rt->kind = WEFT_ROUTE_FILE;
		err = take_id(rt, a, alen);
		if (err || !segment(path, n, &pos, &seg, &len) || len == 0 ||
		    len > 6)
			return WEFT_ENOTFOUND;
		for (size_t i = 0; i < len; i++) {
			if (seg[i] < '0' || seg[i] > '9')
				return WEFT_ENOTFOUND;
			v = v * 10 + (uint32_t)(seg[i] - '0');
		}
		rt->n = v;
		if (!segment(path, n, &pos, &seg, &len) || pos != n)
			return WEFT_ENOTFOUND;
		return take_name(rt->name, seg, len);
	}
	return WEFT_ENOTFOUND;
}
