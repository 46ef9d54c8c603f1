/*
 * struct weft_buf: an owned, growable byte buffer with a hard cap fixed at
 * init (curl's dynbuf). Appending past the cap fails with WEFT_ETOOBIG and
 * leaves the buffer unchanged, so every producer of variable-length output
 * is bounded. struct weft_slice is a borrowed view: it owns nothing.
 */
#ifndef WEFT_BUF_H
#define WEFT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;		/* allocated */
	size_t	 max;		/* hard limit on len */
};

struct weft_slice {
	const uint8_t	*data;
	size_t		 len;
};

/* Prepares an empty buffer that may grow to max bytes. Allocates nothing. */
void	weft_buf_init(struct weft_buf *b, size_t max);
/* Frees the bytes; b is empty afterwards and may be reused. */
void	weft_buf_release(struct weft_buf *b);
/* Empties b without freeing its allocation. */
void	weft_buf_reset(struct weft_buf *b);
/* Appends n bytes. Returns 0, WEFT_ETOOBIG or -ENOMEM (b unchanged). */
int	weft_buf_add(struct weft_buf *b, const void *p, size_t n);
/* Ensures room for n more bytes. Returns 0, WEFT_ETOOBIG or -ENOMEM. */
int	weft_buf_reserve(struct weft_buf *b, size_t n);
/* Appends a printf-formatted string without its NUL. */
int	weft_buf_printf(struct weft_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Takes the bytes out of b (caller frees); b is left empty. */
uint8_t	*weft_buf_detach(struct weft_buf *b, size_t *len);

/* Hex: 2*n lowercase characters plus a NUL written to out. */
void	weft_hex_encode(char *out, const uint8_t *p, size_t n);
/*
 * Decodes exactly 2*n hex characters (either case) from s into out.
 * Returns 0 or WEFT_EUSAGE when s is not that.
 */
int	weft_hex_decode(uint8_t *out, size_t n, const char *s, size_t slen);
/* The value 0..15 of one hex digit (either case), or -1. */
int	weft_hex_digit(char c);

#endif
