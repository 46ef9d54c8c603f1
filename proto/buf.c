/*
 * Capped buffers and hex. Growth doubles up to the cap; a failed append
 * never changes the buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"

void
weft_buf_init(struct weft_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
weft_buf_release(struct weft_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
weft_buf_reset(struct weft_buf *b)
{
	b->len = 0;
}

int
weft_buf_reserve(struct weft_buf *b, size_t n)
{
	size_t	 want, ncap;
	uint8_t	*p;

	if (n > b->max || b->len > b->max - n)
		return WEFT_ETOOBIG;
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	p = realloc(b->data, ncap ? ncap : 1);
	if (p == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
weft_buf_add(struct weft_buf *b, const void *p, size_t n)
{
	int	err;

	if (n == 0)
		return 0;
	/* Room already (cap never passes max): the common, small add. */
	if (n <= b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return 0;
	}
	err = weft_buf_reserve(b, n);
	if (err)
		return err;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
weft_buf_printf(struct weft_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = weft_buf_reserve(b, (size_t)n + 1);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

uint8_t *
weft_buf_detach(struct weft_buf *b, size_t *len)
{
	uint8_t	*p = b->data;

	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void
weft_hex_encode(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
weft_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
weft_hex_decode(uint8_t *out, size_t n, const char *s, size_t slen)
{
	int	hi, lo;

	if (slen != 2 * n)
		return WEFT_EUSAGE;
	for (size_t i = 0; i < n; i++) {
		hi = weft_hex_digit(s[2 * i]);
		lo = weft_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return WEFT_EUSAGE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
