/*
 * Writing HTML from strings that strangers wrote: every title, file name,
 * description and tag is escaped for the context it lands in, and only
 * http(s) links ever become links.
 */
#ifndef WEFT_HTML_H
#define WEFT_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct weft_buf;

/*
 * Appends s[0..n) escaped for HTML text and for a double-quoted attribute
 * value alike: & < > " ' become entities, NUL, C0 controls other than
 * tab and newline, DEL, C1 controls and bytes that are not well-formed
 * UTF-8 become U+FFFD. Returns 0 or a buf error.
 */
int	weft_html_esc(struct weft_buf *b, const char *s, size_t n);
/* weft_html_esc() of a NUL-terminated string. */
int	weft_html_escs(struct weft_buf *b, const char *s);
/*
 * Appends s[0..n) percent-encoded for a URL path segment or query value
 * (everything but ALPHA DIGIT - . _ ~ is %XX), which is then also safe
 * inside a quoted attribute.
 */
int	weft_html_url_esc(struct weft_buf *b, const char *s, size_t n);
/*
 * Whether s[0..n) may be rendered as a link: an absolute http:// or
 * https:// URL (scheme in any case) with a host, made only of printable
 * ASCII other than space, quotes, < > and backslash. javascript:, data:,
 * relative and protocol-relative URLs are not links.
 */
bool	weft_html_link_ok(const char *s, size_t n);
/*
 * Appends a description as paragraphs: text escaped, blank lines split
 * paragraphs, line breaks become <br>, and http(s) URLs that
 * weft_html_link_ok() accepts become links with rel="nofollow noopener
 * noreferrer". Nothing else of the text is markup.
 */
int	weft_html_text(struct weft_buf *b, const char *s, size_t n);

#endif
