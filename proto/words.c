/*
 * The search tokenizer (include/weft/words.h): decodes UTF-8 one code
 * point at a time, maps each through utf8proc (NFKD, case fold, marks and
 * default ignorables stripped) into a small fixed buffer, and joins the
 * letters and numbers that come out into words. Total: any input bytes,
 * no allocation, every buffer capped.
 */
#include <stdbool.h>
#include <string.h>

#include <utf8proc.h>

#include "weft/words.h"

/* The longest mapping kept; longer ones (a few ligatures) separate. */
#define MAP_MAX		18

#define FOLD_OPTS	(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |	\
			 UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |	\
			 UTF8PROC_IGNORE)

static bool
word_cp(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

int
weft_words_split(const char *text, size_t n, weft_word_cb *cb, void *arg)
{
	const utf8proc_uint8_t	*p = (const utf8proc_uint8_t *)text;
	utf8proc_int32_t	 cp, map[MAP_MAX];
	utf8proc_ssize_t	 step, m;
	uint8_t			 w[WEFT_WORD_MAX], enc[4];
	size_t			 i = 0, wl = 0, el;
	bool			 in = false, full = false;
	int			 bound = 0, err;

	for (;;) {
		m = -1;
		if (i < n) {
			step = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i),
			    &cp);
			if (step <= 0) {
				step = 1;	/* an invalid byte separates */
			} else {
				m = utf8proc_decompose_char(cp, map, MAP_MAX,
				    FOLD_OPTS, &bound);
				if (m > MAP_MAX)
					m = -1;
			}
			i += (size_t)step;
		}
		/* m < 0: a separator (or the end); m == 0: nothing, go on. */
		for (utf8proc_ssize_t j = 0; j < m; j++) {
			if (!word_cp(map[j])) {
				m = -1;
				break;
			}
		}
		if (m > 0) {
			for (utf8proc_ssize_t j = 0; j < m && !full; j++) {
				el = (size_t)utf8proc_encode_char(map[j], enc);
				if (el == 0 || wl + el > WEFT_WORD_MAX) {
					full = true;	/* cut here */
					break;
				}
				memcpy(w + wl, enc, el);
				wl += el;
			}
			in = true;
			continue;
		}
		if (m < 0 && in) {
			if (wl >= WEFT_WORD_MIN) {
				err = cb(arg, w, wl);
				if (err)
					return err;
			}
			wl = 0;
			in = full = false;
		}
		if (i >= n && m < 0)
			return 0;
	}
}
