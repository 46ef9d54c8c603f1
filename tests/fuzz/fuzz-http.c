/*
 * Fuzzes the web server's request handling (daemon/web/http.c, html.c):
 * the first byte splits the rest into two feeds, which must give the same
 * result as one feed; every field of a parsed request stays within its
 * cap and NUL-terminated; routing and form decoding are total; and the
 * HTML escape of anything (the URL here) holds no character that could
 * end a text or attribute context.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "fuzz.h"
#include "html.h"
#include "http.h"

static void
check_escaped(const char *s, size_t n)
{
	struct weft_buf	b;

	weft_buf_init(&b, 16 * n + 16);
	FUZZ_CHECK(weft_html_esc(&b, s, n) == 0);
	for (size_t i = 0; i < b.len; i++)
		FUZZ_CHECK(b.data[i] != '<' && b.data[i] != '>' &&
		    b.data[i] != '"' && b.data[i] != '\'' &&
		    b.data[i] != '\0');
	weft_buf_reset(&b);
	FUZZ_CHECK(weft_html_text(&b, s, n) == 0);
	weft_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct weft_http_req	 a, b;
	struct weft_web_route		 rt;
	struct fuzz_in			 in = { data, size };
	const char			*p, *path, *query;
	size_t				 cut, n, plen, qlen;
	char				 out[64];
	int				 ra, rb;

	cut = fuzz_byte(&in);
	p = (const char *)in.p;
	n = in.n;
	if (cut > n)
		cut = n;
	weft_http_req_init(&a);
	ra = weft_http_req_feed(&a, p, n);
	weft_http_req_init(&b);
	rb = weft_http_req_feed(&b, p, cut);
	if (rb == 0)
		rb = weft_http_req_feed(&b, p + cut, n - cut);
	FUZZ_CHECK(ra == 0 || ra == 1 || ra == WEFT_ETOOBIG ||
	    ra == WEFT_EPROTO);
	FUZZ_CHECK(ra == rb);
	if (ra != 1)
		return 0;
	FUZZ_CHECK(a.url_len < sizeof(a.url) && a.url[a.url_len] == '\0');
	FUZZ_CHECK(a.url_len == b.url_len &&
	    memcmp(a.url, b.url, a.url_len) == 0);
	FUZZ_CHECK(strcmp(a.host, b.host) == 0);
	FUZZ_CHECK(strlen(a.host) < sizeof(a.host));
	FUZZ_CHECK(strlen(a.origin) < sizeof(a.origin));
	FUZZ_CHECK(strlen(a.cookie) < sizeof(a.cookie));
	FUZZ_CHECK(a.body_len <= sizeof(a.body));
	FUZZ_CHECK(a.body_len == b.body_len &&
	    memcmp(a.body, b.body, a.body_len) == 0);
	FUZZ_CHECK(a.nheaders <= WEFT_HTTP_HEADERS_MAX);
	weft_http_req_path(&a, &path, &plen, &query, &qlen);
	if (weft_web_route(path, plen, &rt) == 0) {
		FUZZ_CHECK(rt.kind != WEFT_ROUTE_NONE);
		FUZZ_CHECK(strlen(rt.arg) < sizeof(rt.arg));
		FUZZ_CHECK(strchr(rt.name, '/') == NULL);
		FUZZ_CHECK(strcmp(rt.name, "..") != 0);
	}
	(void)weft_http_form_get(query, qlen, "q", out, sizeof(out));
	(void)weft_http_form_get((const char *)a.body, a.body_len, "token",
	    out, sizeof(out));
	(void)weft_http_cookie_get(a.cookie, "t", out, sizeof(out));
	(void)weft_http_origin_ok(a.origin, a.host);
	check_escaped(a.url, a.url_len);
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char *const v[] = {
		"\x10GET / HTTP/1.1\r\nHost: 127.0.0.1:7421\r\n\r\n",
		"\x05GET /search?q=cube+box&tag=x&page=2 HTTP/1.1\r\n"
		    "Host: localhost:7421\r\n\r\n",
		"\x20POST /act/get HTTP/1.1\r\nHost: 127.0.0.1:7421\r\n"
		    "Origin: http://127.0.0.1:7421\r\nContent-Type: "
		    "application/x-www-form-urlencoded\r\n"
		    "Content-Length: 20\r\n\r\ntoken=0123456789abcd",
		"\x30GET /f/0123abcd/3/part%20a.stl HTTP/1.1\r\n"
		    "Host: 127.0.0.1:7421\r\nCookie: a=b; t=c\r\n\r\n",
		"\x08GET /d/<script>?x=\"' HTTP/1.0\r\n\r\n",
		"\x01POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\n",
	};
	char	name[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "seed-%zu", i);
		emit(name, (const uint8_t *)v[i], strlen(v[i]), arg);
	}
}
