/*
 * HTML escaping (html.h). Every string a page shows goes through here:
 * the escapes are the same for text and quoted attributes, so a caller
 * cannot pick the wrong one.
 */
#include <string.h>

#include "weft/buf.h"
#include "weft/text.h"

#include "html.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

int
weft_html_esc(struct weft_buf *b, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, run = 0, len;
	const char		*rep;
	int			 err;

	while (i < n) {
		rep = NULL;
		len = 1;
		switch (p[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\t':
		case '\n':
			break;
		default:
			len = weft_text_char(p + i, n - i);
			if (len == 0) {
				rep = REPLACEMENT;
				len = 1;
			}
			break;
		}
		if (rep == NULL) {
			i += len;
			run += len;
			continue;
		}
		err = weft_buf_add(b, p + i - run, run);
		if (err)
			return err;
		run = 0;
		err = weft_buf_add(b, rep, strlen(rep));
		if (err)
			return err;
		i += len;
	}
	return weft_buf_add(b, p + i - run, run);
}

int
weft_html_escs(struct weft_buf *b, const char *s)
{
	return weft_html_esc(b, s, strlen(s));
}

int
weft_html_url_esc(struct weft_buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];
	unsigned char		 c;
	int			 err;

	for (size_t i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			err = weft_buf_add(b, &s[i], 1);
		} else {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			err = weft_buf_add(b, e, 3);
		}
		if (err)
			return err;
	}
	return 0;
}

static bool
prefix_ci(const char *s, size_t n, const char *pre)
{
	size_t	m = strlen(pre);

	if (n < m)
		return false;
	for (size_t i = 0; i < m; i++) {
		char	c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != pre[i])
			return false;
	}
	return true;
}

bool
weft_html_link_ok(const char *s, size_t n)
{
	size_t	skip;

	if (prefix_ci(s, n, "http://"))
		skip = 7;
	else if (prefix_ci(s, n, "https://"))
		skip = 8;
	else
		return false;
	if (n == skip || s[skip] == '/' || n > 2048)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' ||
		    c == '<' || c == '>' || c == '\\' || c == '`')
			return false;
	}
	return true;
}

/* The length of the URL starting at s[0..n), or 0. */
static size_t
url_at(const char *s, size_t n)
{
	size_t	i;

	if (!prefix_ci(s, n, "http://") && !prefix_ci(s, n, "https://"))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' ||
		    c == '<' || c == '>' || c == '\\' || c == '`')
			break;
	}
	/* A sentence's last period or comma is not part of the link. */
	while (i > 0 && strchr(".,;:!?)", s[i - 1]) != NULL)
		i--;
	return weft_html_link_ok(s, i) ? i : 0;
}

static int
add(struct weft_buf *b, const char *s)
{
	return weft_buf_add(b, s, strlen(s));
}

int
weft_html_text(struct weft_buf *b, const char *s, size_t n)
{
	size_t	i = 0, run = 0, u;
	int	err;

	err = add(b, "<p>");
	while (err == 0 && i < n) {
		u = 0;
		if (s[i] == 'h' || s[i] == 'H')
			u = url_at(s + i, n - i);
		if (u == 0 && s[i] != '\n') {
			i++;
			run++;
			continue;
		}
		err = weft_html_esc(b, s + i - run, run);
		run = 0;
		if (err)
			break;
		if (u > 0) {
			err = add(b, "<a rel=\"nofollow noopener noreferrer\""
			    " href=\"");
			if (err == 0)
				err = weft_html_esc(b, s + i, u);
			if (err == 0)
				err = add(b, "\">");
			if (err == 0)
				err = weft_html_esc(b, s + i, u);
			if (err == 0)
				err = add(b, "</a>");
			i += u;
		} else if (i + 1 < n && s[i + 1] == '\n') {
			while (i < n && s[i] == '\n')
				i++;
			err = add(b, "</p>\n<p>");
		} else {
			err = add(b, "<br>\n");
			i++;
		}
	}
	if (err == 0)
		err = weft_html_esc(b, s + i - run, run);
	if (err == 0)
		err = add(b, "</p>\n");
	return err;
}
