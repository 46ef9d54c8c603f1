/*
 * Words for search: text (titles, descriptions, tags, file names, queries)
 * split into words and folded so that "Zahnrad für Wand" and "zahnrad fur
 * wand" give the same words. Folding is Unicode's, through utf8proc:
 * compatibility decomposition (NFKD), case folding, marks (accents)
 * stripped, default-ignorable characters dropped. The exact rules are in
 * docs/proto/store.md ("Words"); the store and a query use the same ones.
 */
#ifndef WEFT_WORDS_H
#define WEFT_WORDS_H

#include <stddef.h>
#include <stdint.h>

#define WEFT_WORD_MIN	2	/* bytes of a folded word; shorter: dropped */
#define WEFT_WORD_MAX	64	/* bytes; longer words are cut */

/*
 * Receives one folded word, w[0..n) with WEFT_WORD_MIN <= n <=
 * WEFT_WORD_MAX, valid UTF-8 holding no NUL. A non-zero return stops the
 * split and is returned by weft_words_split().
 */
typedef int weft_word_cb(void *arg, const uint8_t *w, size_t n);

/*
 * Splits text[0..n) (any bytes: invalid UTF-8 separates words) into
 * folded words, in order, duplicates included, calling cb for each.
 * Returns 0 or what cb returned.
 */
int	weft_words_split(const char *text, size_t n, weft_word_cb *cb,
	    void *arg);

#endif
