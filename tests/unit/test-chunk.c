/*
 * Chunker, chunk ids and index encoding. The known answers below were
 * computed by an independent Python model of docs/proto/files.md (gear
 * table from hashlib.blake2b, the cut rule as written there), so they pin
 * the format, not just this implementation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"

#define MIB		(1024 * 1024)
#define BIG_LEN		(64 * MIB)
#define KAT_LEN		(4 * MIB)

extern const uint64_t weft__chunk_gear[256];

/* 64 MiB of xorshift64 output, shared by the tests that need bulk data. */
static uint8_t	*big;

static void
xorshift_fill(uint8_t *p, size_t n, uint64_t s)
{
	for (size_t i = 0; i < n; i += 8) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		for (size_t j = 0; j < 8 && i + j < n; j++)
			p[i + j] = (uint8_t)(s >> (8 * j));
	}
}

struct sizes {
	uint32_t	*v;
	size_t		 n;
};

static void
sizes_add(struct sizes *s, size_t size)
{
	s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	assert_non_null(s->v);
	s->v[s->n++] = (uint32_t)size;
}

/*
 * Chunks p[0..n) feeding the chunker slices whose lengths come from
 * step(): 0 means "all the rest at once".
 */
static void
chunk_all(const uint8_t *p, size_t n, size_t (*step)(void), struct sizes *out)
{
	struct weft_chunker	c;
	size_t			off = 0, start = 0, len, k;

	weft_chunker_init(&c);
	while (off < n) {
		len = step != NULL ? step() : 0;
		if (len == 0 || len > n - off)
			len = n - off;
		k = weft_chunker_scan(&c, p + off, len);
		if (k == 0) {
			off += len;
			continue;
		}
		assert_true(k <= len);
		off += k;
		sizes_add(out, off - start);
		start = off;
	}
	if (start < n)
		sizes_add(out, n - start);
}

static size_t
step_random(void)
{
	/* Mostly small slices, sometimes big ones, sometimes empty ones. */
	switch (randombytes_uniform(4)) {
	case 0:
		return 1 + randombytes_uniform(16);
	case 1:
		return randombytes_uniform(2) ? 1 : 0;
	case 2:
		return 1 + randombytes_uniform(WEFT_CHUNK_MAX);
	default:
		return 1 + randombytes_uniform(3 * WEFT_CHUNK_MAX);
	}
}

static size_t
step_one(void)
{
	return 1;
}

static void
sizes_hash_hex(const struct sizes *s, char hex[2 * WEFT_HASH_BYTES + 1])
{
	uint8_t	*le, h[WEFT_HASH_BYTES];

	le = malloc(s->n * 4 + 1);
	assert_non_null(le);
	for (size_t i = 0; i < s->n; i++)
		for (int j = 0; j < 4; j++)
			le[4 * i + (size_t)j] = (uint8_t)(s->v[i] >> (8 * j));
	weft_hash(le, s->n * 4, h);
	weft_hex_encode(hex, h, sizeof(h));
	free(le);
}

static void
test_hash_abc(void **state)
{
	uint8_t	h[WEFT_HASH_BYTES];
	char	hex[2 * WEFT_HASH_BYTES + 1];

	(void)state;
	weft_hash((const uint8_t *)"abc", 3, h);
	weft_hex_encode(hex, h, sizeof(h));
	assert_string_equal(hex, "bddd813c634239723171ef3fee98579b"
	    "94964e3bb1cb3e427262c8c068d52319");
}

static void
test_gear_derivation(void **state)
{
	uint8_t		 in[13], h[WEFT_HASH_BYTES];
	uint64_t	 g;
	int		 bad = 0;

	(void)state;
	memcpy(in, "weft/gear/v1", 12);
	for (int i = 0; i < 256; i++) {
		in[12] = (uint8_t)i;
		weft_hash(in, sizeof(in), h);
		g = 0;
		for (int j = 7; j >= 0; j--)
			g = g << 8 | h[j];
		if (g != weft__chunk_gear[i])
			bad++;
	}
	if (bad) {
		/* Print the table as proto/chunk.c spells it. */
		for (int i = 0; i < 256; i++) {
			in[12] = (uint8_t)i;
			weft_hash(in, sizeof(in), h);
			g = 0;
			for (int j = 7; j >= 0; j--)
				g = g << 8 | h[j];
			printf("%s0x%016llxULL,%s", i % 2 ? " " : "\t",
			    (unsigned long long)g, i % 2 ? "\n" : "");
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_known_boundaries(void **state)
{
	static const uint32_t	first[] = { 23777, 75996, 68849, 42596,
	    42143, 71506, 38354, 115079 };
	struct sizes		s = { NULL, 0 };
	uint8_t			h[WEFT_HASH_BYTES];
	char			hex[2 * WEFT_HASH_BYTES + 1];

	(void)state;
	/* The input itself is pinned too, so a generator bug shows here. */
	weft_hash(big, KAT_LEN, h);
	weft_hex_encode(hex, h, sizeof(h));
	assert_string_equal(hex, "398cdf7a5bd021b254d56b8e88c25d1b"
	    "a62c8896c00fc49f6206711b2082fe36");

	chunk_all(big, KAT_LEN, NULL, &s);
	assert_int_equal(s.n, 60);
	assert_memory_equal(s.v, first, sizeof(first));
	sizes_hash_hex(&s, hex);
	assert_string_equal(hex, "7c270ee73c386c9d63d326cc69fe94f3"
	    "f0afe9da0bdff1fceb598e4e3e6c2a93");
	free(s.v);
}

static void
test_streaming_equivalence(void **state)
{
	struct sizes	whole = { NULL, 0 }, split, bytes = { NULL, 0 };

	(void)state;
	chunk_all(big, KAT_LEN, NULL, &whole);
	for (int round = 0; round < 20; round++) {
		split.v = NULL;
		split.n = 0;
		chunk_all(big, KAT_LEN, step_random, &split);
		assert_int_equal(split.n, whole.n);
		assert_memory_equal(split.v, whole.v,
		    whole.n * sizeof(*whole.v));
		free(split.v);
	}
	chunk_all(big, KAT_LEN, step_one, &bytes);
	assert_int_equal(bytes.n, whole.n);
	assert_memory_equal(bytes.v, whole.v, whole.n * sizeof(*whole.v));
	free(bytes.v);
	free(whole.v);
}

static void
test_sizes_and_speed(void **state)
{
	struct weft_chunker	c;
	struct timespec		t0, t1;
	size_t			off = 0, k, n = 0, lo = SIZE_MAX, hi = 0;
	double			secs;

	(void)state;
	weft_chunker_init(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (off < BIG_LEN) {
		k = weft_chunker_scan(&c, big + off, BIG_LEN - off);
		if (k == 0)
			break;
		off += k;
		n++;
		lo = k < lo ? k : lo;
		hi = k > hi ? k : hi;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("chunker: %zu chunks, avg %zu, min %zu, max %zu, "
	    "%.0f MB/s\n", n, off / n, lo, hi,
	    (double)off / 1e6 / (secs > 0 ? secs : 1e-9));
	assert_true(off / n >= 40 * 1024 && off / n <= 100 * 1024);
	assert_true(lo > WEFT_CHUNK_MIN);
	assert_true(hi <= WEFT_CHUNK_MAX);
}

static void
test_forced_max(void **state)
{
	struct sizes	 s = { NULL, 0 };
	uint8_t		*z;
	size_t		 n = 3 * WEFT_CHUNK_MAX + 100;

	(void)state;
	/* A constant input never matches a mask: every cut is forced. */
	z = calloc(1, n);
	assert_non_null(z);
	chunk_all(z, n, step_random, &s);
	assert_int_equal(s.n, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s.v[i], WEFT_CHUNK_MAX);
	assert_int_equal(s.v[3], 100);
	free(s.v);

	/* Short inputs are one final chunk; no cut is ever at MIN or less. */
	s.v = NULL;
	s.n = 0;
	chunk_all(big, WEFT_CHUNK_MIN + 1, NULL, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], WEFT_CHUNK_MIN + 1);
	free(s.v);
	free(z);
}

static int
cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, WEFT_HASH_BYTES);
}

/* Distinct chunk ids of p[0..n), sorted. */
static uint8_t *
chunk_ids(const uint8_t *p, size_t n, size_t *count)
{
	struct sizes	 s = { NULL, 0 };
	uint8_t		*ids;
	size_t		 off = 0, k = 0;

	chunk_all(p, n, NULL, &s);
	ids = malloc(s.n * WEFT_HASH_BYTES);
	assert_non_null(ids);
	for (size_t i = 0; i < s.n; i++) {
		weft_hash(p + off, s.v[i], ids + i * WEFT_HASH_BYTES);
		off += s.v[i];
	}
	qsort(ids, s.n, WEFT_HASH_BYTES, cmp_id);
	for (size_t i = 0; i < s.n; i++)
		if (k == 0 || memcmp(ids + (k - 1) * WEFT_HASH_BYTES,
		    ids + i * WEFT_HASH_BYTES, WEFT_HASH_BYTES) != 0)
			memmove(ids + k++ * WEFT_HASH_BYTES,
			    ids + i * WEFT_HASH_BYTES, WEFT_HASH_BYTES);
	*count = k;
	free(s.v);
	return ids;
}

/*
 * The requirement, chunker half: rewriting 1 MiB in the middle of
 * a 64 MiB file yields only the chunks covering that MiB plus one or two
 * on either side.
 */
static void
test_local_edit(void **state)
{
	uint8_t	*v2, *a, *b;
	size_t	 na, nb, fresh = 0, j = 0;

	(void)state;
	v2 = malloc(BIG_LEN);
	assert_non_null(v2);
	memcpy(v2, big, BIG_LEN);
	xorshift_fill(v2 + 31 * MIB + 12345, MIB, 0x0123456789abcdefULL);
	a = chunk_ids(big, BIG_LEN, &na);
	b = chunk_ids(v2, BIG_LEN, &nb);
	for (size_t i = 0; i < nb; i++) {
		while (j < na && cmp_id(a + j * WEFT_HASH_BYTES,
		    b + i * WEFT_HASH_BYTES) < 0)
			j++;
		if (j == na || cmp_id(a + j * WEFT_HASH_BYTES,
		    b + i * WEFT_HASH_BYTES) != 0)
			fresh++;
	}
	print_message("local edit: %zu of %zu chunks new\n", fresh, nb);
	assert_true(fresh >= 1);
	assert_true(fresh <= MIB / WEFT_CHUNK_AVG + 4);
	free(a);
	free(b);
	free(v2);
}

static void
test_index_round_trip(void **state)
{
	static const size_t	 counts[] = { 0, 1, 15, 16, 1000, 70000 };
	struct weft_chunk_ref	*refs, *got;
	struct weft_buf		 b;
	uint64_t		 total, want;
	size_t			 n;

	(void)state;
	for (size_t t = 0; t < sizeof(counts) / sizeof(counts[0]); t++) {
		refs = calloc(counts[t] + 1, sizeof(*refs));
		assert_non_null(refs);
		want = 0;
		for (size_t i = 0; i < counts[t]; i++) {
			randombytes_buf(refs[i].id, WEFT_HASH_BYTES);
			/* Cover every integer width the sizes can take. */
			refs[i].size = i % 4 == 0 ? 1 + (uint32_t)i % 127 :
			    i % 4 == 1 ? WEFT_CHUNK_MAX :
			    1 + randombytes_uniform(WEFT_CHUNK_MAX);
			want += refs[i].size;
		}
		weft_buf_init(&b, WEFT_INDEX_MAX);
		assert_int_equal(weft_index_encode(refs, counts[t], &b), 0);
		assert_int_equal(weft_index_decode(b.data, b.len, &got, &n,
		    &total), 0);
		assert_int_equal(n, counts[t]);
		assert_int_equal(total, want);
		if (n == 0)
			assert_null(got);
		else
			assert_memory_equal(got, refs, n * sizeof(*refs));
		free(got);
		weft_buf_release(&b);
		free(refs);
	}
}

static void
test_index_encode_limits(void **state)
{
	struct weft_chunk_ref	*refs;
	struct weft_buf		 b;

	(void)state;
	refs = calloc(WEFT_INDEX_REFS_MAX + 1, sizeof(*refs));
	assert_non_null(refs);
	for (size_t i = 0; i <= WEFT_INDEX_REFS_MAX; i++)
		refs[i].size = WEFT_CHUNK_MAX;
	weft_buf_init(&b, WEFT_INDEX_MAX);
	assert_int_equal(weft_index_encode(refs, WEFT_INDEX_REFS_MAX + 1, &b),
	    WEFT_ETOOBIG);
	/* The largest index fits and decodes. */
	assert_int_equal(weft_index_encode(refs, WEFT_INDEX_REFS_MAX, &b), 0);
	assert_true(b.len <= WEFT_INDEX_MAX);
	weft_buf_reset(&b);
	refs[3].size = 0;
	assert_int_equal(weft_index_encode(refs, 5, &b), WEFT_EUSAGE);
	refs[3].size = WEFT_CHUNK_MAX + 1;
	assert_int_equal(weft_index_encode(refs, 5, &b), WEFT_EUSAGE);
	weft_buf_release(&b);
	free(refs);
}

static int
decode_status(const uint8_t *p, size_t len)
{
	struct weft_chunk_ref	*refs = (void *)1;
	size_t			 n = 99;
	uint64_t		 total = 99;
	int			 err;

	err = weft_index_decode(p, len, &refs, &n, &total);
	if (err) {
		assert_null(refs);
		assert_int_equal(n, 0);
		assert_int_equal(total, 0);
	}
	free(refs);
	return err;
}

/* Packs one index entry [bin(idlen), size] through weft_pack. */
static void
pack_entry(struct weft_pack *pk, size_t idlen, uint64_t size)
{
	static const uint8_t	id[40];

	weft_pack_array(pk, 2);
	weft_pack_bin(pk, id, idlen);
	weft_pack_uint(pk, size);
}

static void
test_index_malformed(void **state)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			 raw[64];
	size_t			 n;

	(void)state;
	weft_buf_init(&b, 4096);
#define CASE(expect, ...) do {						\
	weft_buf_reset(&b);						\
	weft_pack_init(&pk, &b);					\
	__VA_ARGS__;							\
	assert_int_equal(weft_pack_error(&pk), 0);			\
	assert_int_equal(decode_status(b.data, b.len), (expect));	\
} while (0)
	CASE(0, weft_pack_array(&pk, 1); pack_entry(&pk, 32, 5));
	CASE(WEFT_EPROTO, weft_pack_map(&pk, 0));
	CASE(WEFT_EPROTO, weft_pack_uint(&pk, 1));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); pack_entry(&pk, 31, 5));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); pack_entry(&pk, 33, 5));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); pack_entry(&pk, 32, 0));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1);
	    pack_entry(&pk, 32, WEFT_CHUNK_MAX + 1));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1);
	    pack_entry(&pk, 32, UINT64_MAX));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); weft_pack_array(&pk, 3);
	    weft_pack_bin(&pk, raw, 32); weft_pack_uint(&pk, 1);
	    weft_pack_uint(&pk, 1));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); weft_pack_array(&pk, 2);
	    weft_pack_str(&pk, "0123456789abcdef0123456789abcdef");
	    weft_pack_uint(&pk, 1));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); weft_pack_array(&pk, 2);
	    weft_pack_bin(&pk, raw, 32); weft_pack_int(&pk, -1));
	CASE(WEFT_EPROTO, weft_pack_array(&pk, 1); weft_pack_array(&pk, 2);
	    weft_pack_bin(&pk, raw, 32); weft_pack_bool(&pk, true));
#undef CASE

	/* Non-canonical encodings of a valid list: [[bin32, 5]]. */
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x91;			/* fixarray 1 */
	raw[1] = 0x92;			/* fixarray 2 */
	raw[2] = 0xc4;			/* bin8 */
	raw[3] = 32;
	raw[36] = 0x05;			/* fixint 5 */
	n = 37;
	assert_int_equal(decode_status(raw, n), 0);
	assert_int_equal(decode_status(raw, n - 1), WEFT_EPROTO);
	raw[37] = 0xc0;			/* trailing nil */
	assert_int_equal(decode_status(raw, n + 1), WEFT_EPROTO);
	raw[36] = 0xcc;			/* uint8 5 */
	raw[37] = 0x05;
	assert_int_equal(decode_status(raw, n + 1), WEFT_EPROTO);
	/* array16 of 1 */
	memmove(raw + 3, raw + 1, 35);
	raw[0] = 0xdc;
	raw[1] = 0;
	raw[2] = 1;
	raw[38] = 0x05;
	assert_int_equal(decode_status(raw, 39), WEFT_EPROTO);
	/* bin16 of 32 */
	memset(raw, 0, sizeof(raw));
	raw[0] = 0x91;
	raw[1] = 0x92;
	raw[2] = 0xc5;
	raw[3] = 0;
	raw[4] = 32;
	raw[37] = 0x05;
	assert_int_equal(decode_status(raw, 38), WEFT_EPROTO);

	/* Garbage and limits. */
	assert_int_equal(decode_status(raw, 0), WEFT_EPROTO);
	raw[0] = 0xdd;			/* array32 claiming 2^32-1 entries */
	memset(raw + 1, 0xff, 4);
	assert_true(decode_status(raw, 5) < 0);
	assert_int_equal(weft_index_decode(raw, WEFT_INDEX_MAX + 1,
	    &(struct weft_chunk_ref *){ NULL }, &n, &(uint64_t){ 0 }),
	    WEFT_ETOOBIG);
	for (int i = 0; i < 2000; i++) {
		size_t	len = 1 + randombytes_uniform(sizeof(raw));

		randombytes_buf(raw, len);
		(void)decode_status(raw, len);
	}
	weft_buf_release(&b);
}

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	big = malloc(BIG_LEN);
	if (big == NULL)
		return -1;
	xorshift_fill(big, BIG_LEN, 0x9E3779B97F4A7C15ULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(big);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_abc),
		cmocka_unit_test(test_gear_derivation),
		cmocka_unit_test(test_known_boundaries),
		cmocka_unit_test(test_streaming_equivalence),
		cmocka_unit_test(test_sizes_and_speed),
		cmocka_unit_test(test_forced_max),
		cmocka_unit_test(test_local_edit),
		cmocka_unit_test(test_index_round_trip),
		cmocka_unit_test(test_index_encode_limits),
		cmocka_unit_test(test_index_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
