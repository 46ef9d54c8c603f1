/*
 * Terminal-safe text: strings that someone else chose (titles, file names,
 * peer and client messages, a daemon's error lines) are escaped before a
 * terminal or a log shows them, so they can neither move the cursor nor
 * split one line into two.
 */
#ifndef WEFT_TEXT_H
#define WEFT_TEXT_H

#include <stddef.h>

/*
 * Copies s[0..n) to out as one line of text: C0 controls (newline and tab
 * included), DEL, the C1 controls U+0080..U+009F, NUL and every byte that
 * is not part of well-formed UTF-8 become "\xNN" (the byte in lowercase
 * hex). Everything else, backslashes included, is copied as it is. out
 * is always NUL-terminated when outsz > 0; what does not fit is dropped
 * at a character boundary and the last bytes that fit become "...".
 * Returns the length written (without the NUL).
 */
size_t	weft_text_escape(char *out, size_t outsz, const char *s, size_t n);

/*
 * The length of the well-formed UTF-8 sequence at p[0..n) that is not a
 * control character, or 0 (a control, NUL or an invalid byte).
 */
size_t	weft_text_char(const unsigned char *p, size_t n);

/*
 * The length of the well-formed UTF-8 sequence at p[0..n), controls
 * included, or 0 (NUL, an invalid or truncated sequence, a surrogate,
 * an overlong form).
 */
size_t	weft_utf8_seq(const unsigned char *p, size_t n);

#endif
