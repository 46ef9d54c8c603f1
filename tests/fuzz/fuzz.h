/*
 * Shared by the fuzz harnesses in tests/fuzz/. Each fuzz-<name>.c defines
 * LLVMFuzzerTestOneInput() for one decoder and fuzz_seeds(), which builds
 * a few valid inputs with the real encoders. A harness links either with
 * libFuzzer (WEFT_FUZZ=ON, clang) or with replay.c, the plain driver ctest
 * runs. Harnesses check properties with FUZZ_CHECK(), never assert(): the
 * RelWithDebInfo build defines NDEBUG, and a failed property must abort
 * so that libFuzzer and ctest both report it.
 */
#ifndef WEFT_FUZZ_H
#define WEFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The entry point libFuzzer calls; always returns 0. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Receives one seed input; name is a short file name ("rev", "empty"). */
typedef void fuzz_emit_cb(const char *name, const uint8_t *p, size_t n,
    void *arg);

/* Emits the harness's seed inputs (tests/fuzz/corpus/<name>/ holds them). */
void	fuzz_seeds(fuzz_emit_cb *emit, void *arg);

#define FUZZ_CHECK(c)							\
	do {								\
		if (!(c))						\
			fuzz_fail(__FILE__, __LINE__, #c);		\
	} while (0)

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
	abort();
}

/*
 * The input as a stream: harnesses take control bytes (modes, split
 * points) from the front. Reading past the end gives zeros and empty
 * slices, so every harness stays total.
 */
struct fuzz_in {
	const uint8_t	*p;
	size_t		 n;
};

static inline uint8_t
fuzz_byte(struct fuzz_in *in)
{
	uint8_t	b;

	if (in->n == 0)
		return 0;
	b = in->p[0];
	in->p++;
	in->n--;
	return b;
}

/* Up to want bytes from the front; *got says how many. */
static inline const uint8_t *
fuzz_take(struct fuzz_in *in, size_t want, size_t *got)
{
	const uint8_t	*p = in->p;

	if (want > in->n)
		want = in->n;
	in->p += want;
	in->n -= want;
	*got = want;
	return p;
}

#endif
