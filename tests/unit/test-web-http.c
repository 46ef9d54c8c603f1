/*
 * The web server's request handling without sockets (daemon/web/http.c,
 * html.c): parsing with caps, the Host and Origin checks, forms, routing,
 * and HTML escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

#include "html.h"
#include "http.h"

static int
feed(struct weft_http_req *r, const char *s)
{
	weft_http_req_init(r);
	return weft_http_req_feed(r, s, strlen(s));
}

static void
test_parse_get(void **state)
{
	struct weft_http_req	*r = malloc(sizeof(*r));
	const char		*path, *query;
	size_t			 plen, qlen;

	(void)state;
	assert_int_equal(feed(r, "GET /search?q=a+b&tag=x HTTP/1.1\r\n"
	    "Host: 127.0.0.1:7421\r\nOrigin: http://127.0.0.1:7421\r\n"
	    "X-Other: 1\r\n\r\n"), 1);
	assert_int_equal(r->method, WEFT_HTTP_GET);
	assert_string_equal(r->host, "127.0.0.1:7421");
	assert_string_equal(r->origin, "http://127.0.0.1:7421");
	assert_int_equal(r->nhosts, 1);
	weft_http_req_path(r, &path, &plen, &query, &qlen);
	assert_int_equal(plen, 7);
	assert_memory_equal(path, "/search", 7);
	assert_int_equal(qlen, 11);
	free(r);
}

static void
test_parse_pieces(void **state)
{
	const char		*s = "POST /act/get HTTP/1.1\r\nHost: h:1\r\n"
	    "Content-Length: 11\r\n\r\ntoken=abcde";
	struct weft_http_req	*r = malloc(sizeof(*r));
	int			 rc = 0;

	(void)state;
	/* One byte at a time: the same request. */
	weft_http_req_init(r);
	for (size_t i = 0; i < strlen(s); i++) {
		rc = weft_http_req_feed(r, s + i, 1);
		if (i + 1 < strlen(s))
			assert_int_equal(rc, 0);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(r->method, WEFT_HTTP_POST);
	assert_int_equal(r->body_len, 11);
	assert_memory_equal(r->body, "token=abcde", 11);
	free(r);
}

static void
test_parse_limits(void **state)
{
	struct weft_http_req	*r = malloc(sizeof(*r));
	char			*big;
	size_t			 n = WEFT_HTTP_HEAD_MAX + 100;

	(void)state;
	assert_int_equal(feed(r, "garbage\r\n\r\n"), WEFT_EPROTO);
	/* Too many headers. */
	big = malloc(n + 1);
	strcpy(big, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < WEFT_HTTP_HEADERS_MAX + 1; i++)
		strcat(big, "A: b\r\n");
	strcat(big, "\r\n");
	assert_int_equal(feed(r, big), WEFT_ETOOBIG);
	/* A header block over the cap, even in a header we skip. */
	strcpy(big, "GET / HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'a', n - strlen(big));
	big[n] = '\0';
	assert_int_equal(feed(r, big), WEFT_ETOOBIG);
	/* A URL over the cap. */
	strcpy(big, "GET /");
	memset(big + 5, 'a', WEFT_HTTP_URL_MAX + 10);
	strcpy(big + 5 + WEFT_HTTP_URL_MAX + 10, " HTTP/1.1\r\n\r\n");
	assert_int_equal(feed(r, big), WEFT_ETOOBIG);
	/* A Host over its field. */
	strcpy(big, "GET / HTTP/1.1\r\nHost: ");
	memset(big + strlen(big), 'h', 300);
	strcpy(big + 22 + 300, "\r\n\r\n");
	assert_int_equal(feed(r, big), WEFT_ETOOBIG);
	/* A body over the cap is refused from its Content-Length. */
	assert_int_equal(feed(r, "POST / HTTP/1.1\r\nContent-Length: "
	    "99999999\r\n\r\n"), WEFT_ETOOBIG);
	/* Two Host headers are counted (the server refuses them). */
	assert_int_equal(feed(r, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
	    "\r\n"), 1);
	assert_int_equal(r->nhosts, 2);
	free(big);
	free(r);
}

static void
test_host_origin(void **state)
{
	const char	*allowed[] = { "127.0.0.1:7421", "localhost:7421" };

	(void)state;
	assert_true(weft_http_host_ok("127.0.0.1:7421", allowed, 2));
	assert_true(weft_http_host_ok("LOCALHOST:7421", allowed, 2));
	assert_false(weft_http_host_ok("evil.example:7421", allowed, 2));
	assert_false(weft_http_host_ok("127.0.0.1:7422", allowed, 2));
	assert_false(weft_http_host_ok("127.0.0.1", allowed, 2));
	assert_false(weft_http_host_ok("", allowed, 2));
	assert_true(weft_http_origin_ok("http://127.0.0.1:7421",
	    "127.0.0.1:7421"));
	assert_false(weft_http_origin_ok("http://evil.example",
	    "127.0.0.1:7421"));
	assert_false(weft_http_origin_ok("", "127.0.0.1:7421"));
	assert_false(weft_http_origin_ok("null", "127.0.0.1:7421"));
	assert_false(weft_http_origin_ok("https://127.0.0.1:7421",
	    "127.0.0.1:7421"));
	assert_true(weft_http_token_ok("0123456789abcdef",
	    "0123456789abcdef"));
	assert_false(weft_http_token_ok("0123456789abcdee",
	    "0123456789abcdef"));
	assert_false(weft_http_token_ok("", ""));
	assert_false(weft_http_token_ok("0123", "0123456789abcdef"));
}

static void
test_form(void **state)
{
	const char	*q = "q=a+b%21&tag=&x&bad=%zz&nul=%00";
	char		 out[8];

	(void)state;
	assert_int_equal(weft_http_form_get(q, strlen(q), "q", out,
	    sizeof(out)), 4);
	assert_string_equal(out, "a b!");
	assert_int_equal(weft_http_form_get(q, strlen(q), "tag", out,
	    sizeof(out)), 0);
	assert_int_equal(weft_http_form_get(q, strlen(q), "x", out,
	    sizeof(out)), 0);
	assert_int_equal(weft_http_form_get(q, strlen(q), "none", out,
	    sizeof(out)), WEFT_ENOTFOUND);
	assert_int_equal(weft_http_form_get(q, strlen(q), "bad", out,
	    sizeof(out)), WEFT_EPROTO);
	assert_int_equal(weft_http_form_get(q, strlen(q), "nul", out,
	    sizeof(out)), WEFT_EPROTO);
	assert_int_equal(weft_http_form_get("q=123456789", 11, "q", out,
	    sizeof(out)), WEFT_ETOOBIG);
	/* A failed value is an empty string, never a half-written one. */
	assert_string_equal(out, "");
	assert_int_equal(weft_http_form_get("q=%4", 4, "q", out,
	    sizeof(out)), WEFT_EPROTO);
	assert_int_equal(weft_http_cookie_get("a=1; t=xyz", "t", out,
	    sizeof(out)), 3);
	assert_string_equal(out, "xyz");
}

static void
route_is(const char *path, int kind, const char *arg)
{
	struct weft_web_route	rt;

	assert_int_equal(weft_web_route(path, strlen(path), &rt), 0);
	assert_int_equal(rt.kind, kind);
	if (arg != NULL)
		assert_string_equal(rt.arg, arg);
}

static void
route_none(const char *path)
{
	struct weft_web_route	rt;

	assert_int_equal(weft_web_route(path, strlen(path), &rt),
	    WEFT_ENOTFOUND);
}

static void
test_route(void **state)
{
	struct weft_web_route	rt;
	const char		*p;

	(void)state;
	route_is("/", WEFT_ROUTE_HOME, NULL);
	route_is("/search", WEFT_ROUTE_SEARCH, NULL);
	route_is("/status", WEFT_ROUTE_STATUS, NULL);
	route_is("/d/0123abcd", WEFT_ROUTE_DESIGN, "0123abcd");
	route_is("/a/0123abcd", WEFT_ROUTE_AUTHOR, "0123abcd");
	route_is("/l/0123abcd", WEFT_ROUTE_LIBRARY, "0123abcd");
	route_is("/static/style.css", WEFT_ROUTE_STATIC, "style.css");
	route_is("/api/status", WEFT_ROUTE_API_STATUS, NULL);
	route_is("/api/design/0123abcd", WEFT_ROUTE_API_DESIGN, "0123abcd");
	route_is("/act/follow", WEFT_ROUTE_ACTION, "follow");
	route_is("/act/like", WEFT_ROUTE_ACTION, "like");
	route_is("/act/unlike", WEFT_ROUTE_ACTION, "unlike");
	route_is("/act/comment", WEFT_ROUTE_ACTION, "comment");
	route_none("/act/delete");
	route_is("/thumb/0123abcd", WEFT_ROUTE_THUMB, "0123abcd");
	route_none("/thumb/0123abcg");
	route_none("/thumb/0123abcd/x");
	route_is("/login", WEFT_ROUTE_LOGIN, NULL);
	route_is("/logout", WEFT_ROUTE_LOGOUT, NULL);
	p = "/f/0123abcd/12/a%20b.stl";
	assert_int_equal(weft_web_route(p, strlen(p), &rt), 0);
	assert_int_equal(rt.kind, WEFT_ROUTE_FILE);
	assert_int_equal(rt.n, 12);
	assert_string_equal(rt.name, "a b.stl");
	route_is("/zip/0123abcd/x.zip", WEFT_ROUTE_ZIP, "0123abcd");
	route_none("/d/0123abc");		/* too short */
	route_none("/d/0123abcg");		/* not hex */
	route_none("/d/0123abcd/");
	route_none("/static/../etc");
	route_none("/static/.hidden");
	route_none("/static/a%2e%2e");
	route_is("/assets/3MFLoader.js", WEFT_ROUTE_ASSET, "3MFLoader.js");
	route_none("/f/0123abcd/1/a%2fb");	/* a slash inside */
	route_none("/f/0123abcd/1/..");
	route_none("/f/0123abcd/x/a");
	route_none("/f/0123abcd/1/a%00b");
	route_none("/act/delete");
	route_none("//");
	route_none("");
	route_none("/api/");
	route_none("/h/zz/x");
}

static char *
esc(const char *s, int (*fn)(struct weft_buf *, const char *, size_t))
{
	static char	out[1024];
	struct weft_buf	b;

	weft_buf_init(&b, sizeof(out) - 1);
	assert_int_equal(fn(&b, s, strlen(s)), 0);
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	weft_buf_release(&b);
	return out;
}

static void
test_html(void **state)
{
	(void)state;
	assert_string_equal(esc("<script>alert('x')</script>&\"",
	    weft_html_esc),
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
	assert_string_equal(esc("a\x01" "b\xff" "c\xc3\xa9", weft_html_esc),
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xc3\xa9");
	assert_string_equal(esc("a b/\"<", weft_html_url_esc),
	    "a%20b%2F%22%3C");
	assert_true(weft_html_link_ok("https://example.com/x", 21));
	assert_true(weft_html_link_ok("HTTP://example.com", 18));
	assert_false(weft_html_link_ok("javascript:alert(1)", 19));
	assert_false(weft_html_link_ok("JaVaScRiPt:alert(1)", 19));
	assert_false(weft_html_link_ok("//evil.example", 14));
	assert_false(weft_html_link_ok("data:text/html,x", 16));
	assert_false(weft_html_link_ok("http://", 7));
	assert_false(weft_html_link_ok("http://a\"onmouseover=x", 22));
	assert_string_equal(esc("see https://e.org/a. javascript:x <b>\n"
	    "\nnext", weft_html_text),
	    "<p>see <a rel=\"nofollow noopener noreferrer\" "
	    "href=\"https://e.org/a\">https://e.org/a</a>. javascript:x "
	    "&lt;b&gt;</p>\n<p>next</p>\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_get),
		cmocka_unit_test(test_parse_pieces),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_host_origin),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
