/*
 * The msgpack wrapper (proto/pack.c): the writer's shortest forms and cap,
 * the reader's pre-walk limits (depth, counts, lengths, object count),
 * rejection of floats, ext, 0xc1, duplicate and non-string keys, trailing
 * bytes and every truncation, and the total accessors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

/* Decodes a copy of exactly n bytes, so ASan sees any read past n. */
static int
decode_copy(const uint8_t *p, size_t n)
{
	struct weft_msg	 m;
	uint8_t		*c = malloc(n ? n : 1);
	int		 err;

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	err = weft_msg_decode(&m, c, n);
	if (err == 0)
		weft_msg_release(&m);
	else
		assert_null(m.root);
	free(c);
	return err;
}

#define DECODE(lit)	decode_copy((const uint8_t *)(lit), sizeof(lit) - 1)

/* Packs one value with stmt (using pk) and compares the bytes. */
#define EXPECT_PACK(stmt, lit) do {					\
	struct weft_buf		b_;					\
	struct weft_pack	pk_, *pk = &pk_;			\
	weft_buf_init(&b_, 1 << 20);					\
	weft_pack_init(pk, &b_);					\
	stmt;								\
	assert_int_equal(weft_pack_error(pk), 0);			\
	assert_int_equal(b_.len, sizeof(lit) - 1);			\
	assert_memory_equal(b_.data, lit, sizeof(lit) - 1);		\
	weft_buf_release(&b_);						\
} while (0)

static void
test_shortest_forms(void **state)
{
	(void)state;
	EXPECT_PACK(weft_pack_uint(pk, 0), "\x00");
	EXPECT_PACK(weft_pack_uint(pk, 127), "\x7f");
	EXPECT_PACK(weft_pack_uint(pk, 128), "\xcc\x80");
	EXPECT_PACK(weft_pack_uint(pk, 255), "\xcc\xff");
	EXPECT_PACK(weft_pack_uint(pk, 256), "\xcd\x01\x00");
	EXPECT_PACK(weft_pack_uint(pk, 65535), "\xcd\xff\xff");
	EXPECT_PACK(weft_pack_uint(pk, 65536), "\xce\x00\x01\x00\x00");
	EXPECT_PACK(weft_pack_uint(pk, UINT32_MAX), "\xce\xff\xff\xff\xff");
	EXPECT_PACK(weft_pack_uint(pk, UINT64_C(1) << 32),
	    "\xcf\x00\x00\x00\x01\x00\x00\x00\x00");
	EXPECT_PACK(weft_pack_uint(pk, UINT64_MAX),
	    "\xcf\xff\xff\xff\xff\xff\xff\xff\xff");
	EXPECT_PACK(weft_pack_int(pk, 5), "\x05");
	EXPECT_PACK(weft_pack_int(pk, -1), "\xff");
	EXPECT_PACK(weft_pack_int(pk, -32), "\xe0");
	EXPECT_PACK(weft_pack_int(pk, -33), "\xd0\xdf");
	EXPECT_PACK(weft_pack_int(pk, -129), "\xd1\xff\x7f");
	EXPECT_PACK(weft_pack_int(pk, INT64_MIN),
	    "\xd3\x80\x00\x00\x00\x00\x00\x00\x00");
	EXPECT_PACK(weft_pack_str(pk, ""), "\xa0");
	EXPECT_PACK(weft_pack_str(pk, "abc"), "\xa3" "abc");
	EXPECT_PACK(weft_pack_strn(pk, "0123456789012345678901234567890", 31),
	    "\xbf" "0123456789012345678901234567890");
	EXPECT_PACK(weft_pack_strn(pk, "01234567890123456789012345678901", 32),
	    "\xd9\x20" "01234567890123456789012345678901");
	EXPECT_PACK(weft_pack_bin(pk, "", 0), "\xc4\x00");
	EXPECT_PACK(weft_pack_bin(pk, "\x01\x02", 2), "\xc4\x02\x01\x02");
	EXPECT_PACK(weft_pack_nil(pk), "\xc0");
	EXPECT_PACK(weft_pack_bool(pk, true), "\xc3");
	EXPECT_PACK(weft_pack_bool(pk, false), "\xc2");
	EXPECT_PACK(weft_pack_array(pk, 15), "\x9f");
	EXPECT_PACK(weft_pack_array(pk, 16), "\xdc\x00\x10");
	EXPECT_PACK(weft_pack_array(pk, 65536), "\xdd\x00\x01\x00\x00");
	EXPECT_PACK(weft_pack_map(pk, 15), "\x8f");
	EXPECT_PACK(weft_pack_map(pk, 16), "\xde\x00\x10");
	EXPECT_PACK(weft_pack_raw(pk, "\x91\xc0", 2), "\x91\xc0");
}

/* Long str and bin lengths pick 16- and 32-bit headers. */
static void
test_long_forms(void **state)
{
	static const size_t	lens[] = { 255, 256, 65535, 65536 };
	struct weft_buf		b;
	struct weft_pack	pk;
	struct weft_msg		m;
	uint8_t			*data;
	const uint8_t		*p;
	const char		*s;
	size_t			 n;

	(void)state;
	data = malloc(65536);
	assert_non_null(data);
	memset(data, 'x', 65536);
	for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
		size_t hdr = lens[i] < 256 ? 2 : lens[i] < 65536 ? 3 : 5;

		weft_buf_init(&b, 1 << 20);
		weft_pack_init(&pk, &b);
		weft_pack_bin(&pk, data, lens[i]);
		assert_int_equal(b.len, hdr + lens[i]);
		assert_int_equal(b.data[0], 0xc4 + (hdr == 3) + 2 * (hdr == 5));
		assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
		assert_int_equal(weft_obj_bin(m.root, &p, &n), 0);
		assert_int_equal(n, lens[i]);
		assert_ptr_equal(p, b.data + hdr);	/* borrowed */
		weft_msg_release(&m);

		weft_buf_reset(&b);
		weft_pack_strn(&pk, data, lens[i]);
		/* str8 stops at 255 like bin8. */
		assert_int_equal(b.len, hdr + lens[i]);
		assert_int_equal(b.data[0], 0xd9 + (hdr == 3) + 2 * (hdr == 5));
		assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
		assert_int_equal(weft_obj_str(m.root, &s, &n), 0);
		assert_int_equal(n, lens[i]);
		weft_msg_release(&m);
		weft_buf_release(&b);
	}
	free(data);
}

/* A map of every type, written and read back. */
static void
build_sample(struct weft_buf *b)
{
	struct weft_pack	pk;

	weft_buf_init(b, 4096);
	weft_pack_init(&pk, b);
	weft_pack_map(&pk, 8);
	weft_pack_str(&pk, "nil");
	weft_pack_nil(&pk);
	weft_pack_str(&pk, "t");
	weft_pack_bool(&pk, true);
	weft_pack_str(&pk, "u");
	weft_pack_uint(&pk, UINT64_MAX);
	weft_pack_str(&pk, "i");
	weft_pack_int(&pk, -300);
	weft_pack_str(&pk, "s");
	weft_pack_str(&pk, "h\xc3\xa9llo");
	weft_pack_str(&pk, "b");
	weft_pack_bin(&pk, "\x00\x01\x02", 3);
	weft_pack_str(&pk, "a");
	weft_pack_array(&pk, 3);
	weft_pack_uint(&pk, 1);
	weft_pack_map(&pk, 1);
	weft_pack_str(&pk, "k");
	weft_pack_array(&pk, 0);
	weft_pack_str(&pk, "x");
	weft_pack_str(&pk, "ab");
	weft_pack_map(&pk, 0);
	assert_int_equal(weft_pack_error(&pk), 0);
}

static void
test_roundtrip(void **state)
{
	struct weft_buf			 b;
	struct weft_msg			 m;
	const struct weft_obj		*a, *o;
	const uint8_t			*p;
	const char			*s;
	size_t				 n;
	uint64_t			 u;
	int64_t				 i;
	bool				 t;
	char				 cs[8];

	(void)state;
	build_sample(&b);
	assert_int_equal(weft_msg_decode(&m, b.data, b.len), 0);
	assert_int_equal(weft_obj_type(m.root), WEFT_OBJ_MAP);
	assert_int_equal(weft_obj_len(m.root), 8);
	assert_int_equal(weft_obj_type(weft_obj_get(m.root, "nil")),
	    WEFT_OBJ_NIL);
	assert_int_equal(weft_obj_bool(weft_obj_get(m.root, "t"), &t), 0);
	assert_true(t);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "u"), &u), 0);
	assert_true(u == UINT64_MAX);
	/* A uint past INT64_MAX is not an int. */
	assert_int_equal(weft_obj_int(weft_obj_get(m.root, "u"), &i),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_obj_int(weft_obj_get(m.root, "i"), &i), 0);
	assert_int_equal(i, -300);
	assert_int_equal(weft_obj_type(weft_obj_get(m.root, "i")),
	    WEFT_OBJ_INT);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "i"), &u),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_obj_str(weft_obj_get(m.root, "s"), &s, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(s, "h\xc3\xa9llo", 6);
	assert_int_equal(weft_obj_cstr(weft_obj_get(m.root, "s"), cs,
	    sizeof(cs)), 0);
	assert_string_equal(cs, "h\xc3\xa9llo");
	assert_int_equal(weft_obj_cstr(weft_obj_get(m.root, "s"), cs, 6),
	    WEFT_EBADFIELD);	/* no room for the NUL */
	assert_int_equal(weft_obj_bin(weft_obj_get(m.root, "b"), &p, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "\x00\x01\x02", 3);
	{
		uint8_t	three[3], four[4];

		assert_int_equal(weft_obj_binn(weft_obj_get(m.root, "b"),
		    three, 3), 0);
		assert_int_equal(weft_obj_binn(weft_obj_get(m.root, "b"),
		    four, 4), WEFT_EBADFIELD);
	}
	/* str and bin do not mix. */
	assert_int_equal(weft_obj_str(weft_obj_get(m.root, "b"), &s, &n),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_obj_bin(weft_obj_get(m.root, "s"), &p, &n),
	    WEFT_EBADFIELD);

	a = weft_obj_get(m.root, "a");
	assert_int_equal(weft_obj_type(a), WEFT_OBJ_ARRAY);
	assert_int_equal(weft_obj_len(a), 3);
	assert_int_equal(weft_obj_uint(weft_obj_at(a, 0), &u), 0);
	assert_true(u == 1);
	o = weft_obj_at(a, 1);
	assert_int_equal(weft_obj_type(o), WEFT_OBJ_MAP);
	assert_int_equal(weft_obj_len(weft_obj_get(o, "k")), 0);
	assert_int_equal(weft_obj_type(weft_obj_get(o, "k")), WEFT_OBJ_ARRAY);
	assert_null(weft_obj_at(a, 3));
	assert_null(weft_obj_get(a, "k"));	/* not a map */
	assert_null(weft_obj_get(m.root, "missing"));
	assert_null(weft_obj_get(m.root, "ni"));	/* prefix of a key */
	assert_null(weft_obj_get(m.root, "nill"));
	/* Key and value by position. */
	assert_int_equal(weft_obj_str(weft_obj_key_at(m.root, 0), &s, &n), 0);
	assert_memory_equal(s, "nil", 3);
	assert_int_equal(weft_obj_type(weft_obj_val_at(m.root, 7)),
	    WEFT_OBJ_MAP);
	assert_null(weft_obj_key_at(m.root, 8));
	assert_null(weft_obj_val_at(m.root, 8));
	assert_null(weft_obj_key_at(a, 0));
	weft_msg_release(&m);
	weft_msg_release(&m);	/* twice is harmless */
	weft_buf_release(&b);
}

/* Every accessor is total on NULL and on the wrong type. */
static void
test_accessors_total(void **state)
{
	const uint8_t	*p;
	const char	*s;
	size_t		 n;
	uint64_t	 u;
	int64_t		 i;
	bool		 t;
	char		 buf[4], *d;
	uint8_t		 id[2];

	(void)state;
	assert_int_equal(weft_obj_type(NULL), 0);
	assert_null(weft_obj_get(NULL, "a"));
	assert_int_equal(weft_obj_len(NULL), 0);
	assert_null(weft_obj_at(NULL, 0));
	assert_null(weft_obj_key_at(NULL, 0));
	assert_null(weft_obj_val_at(NULL, 0));
	assert_int_equal(weft_obj_uint(NULL, &u), WEFT_EBADFIELD);
	assert_int_equal(weft_obj_int(NULL, &i), WEFT_EBADFIELD);
	assert_int_equal(weft_obj_bool(NULL, &t), WEFT_EBADFIELD);
	assert_int_equal(weft_obj_str(NULL, &s, &n), WEFT_EBADFIELD);
	assert_int_equal(weft_obj_bin(NULL, &p, &n), WEFT_EBADFIELD);
	assert_int_equal(weft_obj_binn(NULL, id, 2), WEFT_EBADFIELD);
	assert_int_equal(weft_obj_cstr(NULL, buf, sizeof(buf)),
	    WEFT_EBADFIELD);
	assert_int_equal(weft_obj_strdup(NULL, &d), WEFT_EBADFIELD);

	{
		struct weft_msg	m;
		static const uint8_t nul[] = { 0xa3, 'a', 0, 'b' };

		assert_int_equal(weft_msg_decode(&m, nul, sizeof(nul)), 0);
		assert_int_equal(weft_obj_str(m.root, &s, &n), 0);
		assert_int_equal(n, 3);
		assert_int_equal(weft_obj_cstr(m.root, buf, sizeof(buf)),
		    WEFT_EBADFIELD);
		assert_int_equal(weft_obj_strdup(m.root, &d), WEFT_EBADFIELD);
		assert_int_equal(weft_obj_len(m.root), 0);
		assert_int_equal(weft_obj_uint(m.root, &u), WEFT_EBADFIELD);
		assert_int_equal(weft_obj_bool(m.root, &t), WEFT_EBADFIELD);
		weft_msg_release(&m);
	}
	{
		struct weft_msg	m;
		static const uint8_t ok[] = { 0xa2, 'o', 'k' };

		assert_int_equal(weft_msg_decode(&m, ok, sizeof(ok)), 0);
		assert_int_equal(weft_obj_strdup(m.root, &d), 0);
		assert_string_equal(d, "ok");
		free(d);
		weft_msg_release(&m);
	}
}

/* The writer stops at its buffer's cap and stays stopped. */
static void
test_writer_cap(void **state)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	size_t			len;

	(void)state;
	weft_buf_init(&b, 8);
	weft_pack_init(&pk, &b);
	weft_pack_array(&pk, 2);
	weft_pack_uint(&pk, 1);
	assert_int_equal(weft_pack_error(&pk), 0);
	assert_int_equal(b.len, 2);
	weft_pack_str(&pk, "far too long for eight");
	assert_int_equal(weft_pack_error(&pk), WEFT_ETOOBIG);
	len = b.len;
	assert_true(len <= 8);
	weft_pack_nil(&pk);	/* would fit, but the error sticks */
	weft_pack_raw(&pk, "\xc0", 1);
	assert_int_equal(b.len, len);
	assert_int_equal(weft_pack_error(&pk), WEFT_ETOOBIG);
	weft_buf_release(&b);
}

/* Structurally fine but forbidden: floats, ext, 0xc1. */
static void
test_rejected_types(void **state)
{
	(void)state;
	assert_int_equal(DECODE("\xca\x00\x00\x00\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xcb\x00\x00\x00\x00\x00\x00\x00\x00"),
	    WEFT_EPROTO);
	assert_int_equal(DECODE("\xd4\x01\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xd5\x01\x00\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xd6\xff\x00\x00\x00\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xd7\x01\x00\x00\x00\x00\x00\x00\x00\x00"),
	    WEFT_EPROTO);
	assert_int_equal(DECODE("\xd8\x01" "0123456789abcdef"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xc7\x01\x05\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xc8\x00\x01\x05\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xc9\x00\x00\x00\x01\x05\x00"),
	    WEFT_EPROTO);
	assert_int_equal(DECODE("\xc1"), WEFT_EPROTO);
	/* Hidden inside containers too. */
	assert_int_equal(DECODE("\x92\x01\xca\x00\x00\x00\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x81\xa1" "a" "\xd4\x01\x00"), WEFT_EPROTO);
	/* The allowed scalars. */
	assert_int_equal(DECODE("\xc0"), 0);
	assert_int_equal(DECODE("\xc2"), 0);
	assert_int_equal(DECODE("\xd3\x80\x00\x00\x00\x00\x00\x00\x00"), 0);
}

/*
 * Decodes a map of n nil values under the keys "a<perm[i]>", the first
 * key replaced by the one of perm[dup] (dup 0: none replaced).
 */
static int
map_of_keys(const int *perm, int n, int dup)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	char			k[8];
	int			err;

	weft_buf_init(&b, 1 << 12);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "a%d", perm[i == 0 ? dup : i]);
		weft_pack_str(&pk, k);
		weft_pack_nil(&pk);
	}
	assert_int_equal(weft_pack_error(&pk), 0);
	err = decode_copy(b.data, b.len);
	weft_buf_release(&b);
	return err;
}

static void
test_map_keys(void **state)
{
	(void)state;
	/* {"a": 1, "a": 2} */
	assert_int_equal(DECODE("\x82\xa1" "a" "\x01\xa1" "a" "\x02"),
	    WEFT_EPROTO);
	/* The same key in another width is the same key. */
	assert_int_equal(DECODE("\x82\xa1" "a" "\x01\xd9\x01" "a" "\x02"),
	    WEFT_EPROTO);
	/* Duplicates deep inside arrays and maps. */
	assert_int_equal(DECODE("\x91\x91\x82\xa1" "b" "\xc0\xa1" "b" "\xc0"),
	    WEFT_EPROTO);
	assert_int_equal(DECODE("\x81\xa1" "x" "\x83\xa1" "a" "\xc0\xa2"
	    "ab" "\xc0\xa1" "a" "\xc0"), WEFT_EPROTO);
	/* Keys that share a prefix are distinct. */
	assert_int_equal(DECODE("\x83\xa1" "a" "\xc0\xa2" "ab" "\xc0\xa0"
	    "\xc0"), 0);
	/*
	 * Keys of one length that share their first 8 bytes (which the
	 * check compares first) differ by a later byte, or are the same.
	 */
	assert_int_equal(DECODE("\x82\xaa" "remixes_ab" "\xc0\xaa"
	    "remixes_ac" "\xc0"), 0);
	assert_int_equal(DECODE("\x83\xaa" "remixes_ab" "\xc0\xaa"
	    "remixes_ac" "\xc0\xaa" "remixes_ab" "\xc0"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x82\xa9" "remixes_a" "\xc0\xaa"
	    "remixes_ab" "\xc0"), 0);
	/* A NUL byte is a byte like any other. */
	assert_int_equal(DECODE("\x82\xa2" "a\0" "\xc0\xa1" "a" "\xc0"),
	    0);
	assert_int_equal(DECODE("\x82\xa2" "a\0" "\xc0\xa2" "a\0" "\xc0"),
	    WEFT_EPROTO);
	/* Non-string keys. */
	assert_int_equal(DECODE("\x81\x01\xc0"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x81\xc4\x01" "a" "\xc0"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x81\xc0\xc0"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x81\x90\xc0"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x81\x80\xc0"), WEFT_EPROTO);
	/* Many distinct keys (the check sorts them). */
	{
		struct weft_buf		b;
		struct weft_pack	pk;
		char			k[8];

		weft_buf_init(&b, 1 << 16);
		weft_pack_init(&pk, &b);
		weft_pack_map(&pk, 1000);
		for (int i = 999; i >= 0; i--) {
			snprintf(k, sizeof(k), "k%d", i);
			weft_pack_str(&pk, k);
			weft_pack_uint(&pk, (uint64_t)i);
		}
		assert_int_equal(decode_copy(b.data, b.len), 0);
		/* Rewrite the last key, "k0", as "k9", which is present. */
		assert_memory_equal(b.data + b.len - 4, "\xa2k0", 3);
		b.data[b.len - 2] = '9';
		assert_int_equal(decode_copy(b.data, b.len), WEFT_EPROTO);
		weft_buf_release(&b);
	}
	/*
	 * Around the size at which the check stops sorting in place: the
	 * keys "a0".."a<n-1>" in a mixed order decode; with the first key
	 * made a copy of another, they do not.
	 */
	for (int n = 2; n <= 40; n++) {
		int	perm[40], m = 0;

		for (int i = 1; i < n; i += 2)
			perm[m++] = i;
		for (int i = (n - 1) / 2 * 2; i >= 0; i -= 2)
			perm[m++] = i;
		for (int dup = 0; dup < n; dup += 3)
			assert_int_equal(map_of_keys(perm, n, dup),
			    dup == 0 ? 0 : WEFT_EPROTO);
	}
}

/* weft_obj_get_keys() gives what weft_obj_get() gives, key by key. */
static void
test_get_keys(void **state)
{
	static const struct weft_obj_key keys[] = {
		{ "a", 1 }, { "b", 1 }, { "ab", 2 }, { "", 0 }, { "zz", 2 },
		{ "c", 1 },
	};
	static const char *const names[] = { "a", "b", "ab", "", "zz", "c" };
	/* {"c": 3, "ab": 2, "": 4, "a": 1, "x": 5}: out of order, one absent */
	static const char map[] = "\x85\xa1" "c" "\x03\xa2" "ab" "\x02\xa0"
	    "\x04\xa1" "a" "\x01\xa1" "x" "\x05";
	const struct weft_obj	*v[6];
	struct weft_msg		 m;
	uint64_t		 u;

	(void)state;
	assert_int_equal(weft_msg_decode(&m, (const uint8_t *)map,
	    sizeof(map) - 1), 0);
	weft_obj_get_keys(m.root, keys, 6, v);
	for (int i = 0; i < 6; i++)
		assert_ptr_equal(v[i], weft_obj_get(m.root, names[i]));
	assert_int_equal(weft_obj_uint(v[0], &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(weft_obj_uint(v[2], &u), 0);
	assert_int_equal(u, 2);
	assert_int_equal(weft_obj_uint(v[3], &u), 0);
	assert_int_equal(u, 4);
	assert_null(v[1]);
	assert_null(v[4]);
	/* Not a map: nothing. */
	weft_obj_get_keys(weft_obj_get(m.root, "c"), keys, 6, v);
	for (int i = 0; i < 6; i++)
		assert_null(v[i]);
	weft_obj_get_keys(NULL, keys, 6, v);
	assert_null(v[0]);
	weft_msg_release(&m);
}

static void
test_framing(void **state)
{
	struct weft_buf	b;
	uint8_t		*p;

	(void)state;
	assert_int_equal(decode_copy(NULL, 0), WEFT_EPROTO);
	/* Exactly one object: trailing bytes fail. */
	assert_int_equal(DECODE("\xc0\xc0"), WEFT_EPROTO);
	assert_int_equal(DECODE("\x90\x00"), WEFT_EPROTO);
	/* Every strict prefix of a valid message fails cleanly. */
	build_sample(&b);
	assert_int_equal(decode_copy(b.data, b.len), 0);
	for (size_t n = 0; n < b.len; n++)
		assert_int_not_equal(decode_copy(b.data, n), 0);
	p = malloc(b.len + 1);
	assert_non_null(p);
	memcpy(p, b.data, b.len);
	p[b.len] = 0x00;
	assert_int_equal(decode_copy(p, b.len + 1), WEFT_EPROTO);
	/* Any byte changed: never a crash, whatever the verdict. */
	for (size_t i = 0; i < b.len; i++) {
		for (int v = 0; v < 256; v += 17) {
			memcpy(p, b.data, b.len);
			p[i] = (uint8_t)v;
			(void)decode_copy(p, b.len);
		}
	}
	free(p);
	weft_buf_release(&b);
}

/* Headers that promise more than the input holds. */
static void
test_lying_headers(void **state)
{
	(void)state;
	/* array32 / map32 of 2^32-1 entries in 5 bytes: no allocation. */
	assert_int_equal(DECODE("\xdd\xff\xff\xff\xff"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xdf\xff\xff\xff\xff"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xdc\xff\xff"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xde\x00\x01\xc0"), WEFT_EPROTO);
	/* A map of n pairs needs 2n objects, not n. */
	assert_int_equal(DECODE("\x82\xa1" "a" "\xc0\xa1" "b"), WEFT_EPROTO);
	/* str/bin lengths past the end. */
	assert_int_equal(DECODE("\xdb\xff\xff\xff\xff" "a"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xc6\xff\xff\xff\xff" "a"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xc5\x00\x02" "a"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xa5" "abcd"), WEFT_EPROTO);
	/* Truncated length fields and fixed-width numbers. */
	assert_int_equal(DECODE("\xc6\x00\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xdd\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xcf\x00\x00\x00"), WEFT_EPROTO);
	assert_int_equal(DECODE("\xd1\x00"), WEFT_EPROTO);
	/* An array count within the bytes left, but objects run short. */
	assert_int_equal(DECODE("\x93\xc4\x01" "a"), WEFT_EPROTO);
}

static void
test_depth(void **state)
{
	uint8_t	p[WEFT_MSG_DEPTH_MAX + 2];

	(void)state;
	/* WEFT_MSG_DEPTH_MAX nested one-element arrays around a nil. */
	memset(p, 0x91, sizeof(p));
	p[WEFT_MSG_DEPTH_MAX] = 0xc0;
	assert_int_equal(decode_copy(p, WEFT_MSG_DEPTH_MAX + 1), 0);
	/* One more level is refused. */
	p[WEFT_MSG_DEPTH_MAX] = 0x91;
	p[WEFT_MSG_DEPTH_MAX + 1] = 0xc0;
	assert_int_equal(decode_copy(p, WEFT_MSG_DEPTH_MAX + 2),
	    WEFT_ETOOBIG);
	/* An empty container at the limit adds no level. */
	p[WEFT_MSG_DEPTH_MAX] = 0x90;
	assert_int_equal(decode_copy(p, WEFT_MSG_DEPTH_MAX + 1), 0);
	/* Maps count as levels too. */
	{
		uint8_t	q[4 * (WEFT_MSG_DEPTH_MAX + 1) + 1];
		size_t	n = 0;

		for (int i = 0; i < WEFT_MSG_DEPTH_MAX + 1; i++) {
			q[n++] = 0x81;
			q[n++] = 0xa1;
			q[n++] = 'k';
		}
		q[n++] = 0xc0;
		assert_int_equal(decode_copy(q, n), WEFT_ETOOBIG);
		/* One map fewer fits. */
		assert_int_equal(decode_copy(q + 3, n - 3), 0);
	}
}

/* WEFT_MSG_OBJS_MAX objects are fine; one more is refused. */
static void
test_object_cap(void **state)
{
	uint8_t		*p;
	uint32_t	 n;
	size_t		 len;

	(void)state;
	n = WEFT_MSG_OBJS_MAX - 1;	/* plus the array itself */
	len = 5 + (size_t)n + 1;
	p = malloc(len);
	assert_non_null(p);
	memset(p, 0xc0, len);
	p[0] = 0xdd;
	p[1] = (uint8_t)(n >> 24);
	p[2] = (uint8_t)(n >> 16);
	p[3] = (uint8_t)(n >> 8);
	p[4] = (uint8_t)n;
	assert_int_equal(decode_copy(p, len - 1), 0);
	n++;
	p[1] = (uint8_t)(n >> 24);
	p[2] = (uint8_t)(n >> 16);
	p[3] = (uint8_t)(n >> 8);
	p[4] = (uint8_t)n;
	assert_int_equal(decode_copy(p, len), WEFT_ETOOBIG);
	free(p);
}

/* Hex digits and strings (proto/buf.c), both cases, nothing else. */
static void
test_hex(void **state)
{
	uint8_t	b[2];
	char	out[5];

	(void)state;
	for (int c = 0; c < 256; c++) {
		int	want = -1;

		if (c >= '0' && c <= '9')
			want = c - '0';
		else if (c >= 'a' && c <= 'f')
			want = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			want = c - 'A' + 10;
		assert_int_equal(weft_hex_digit((char)c), want);
	}
	assert_int_equal(weft_hex_decode(b, 2, "0aFf", 4), 0);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xff);
	weft_hex_encode(out, b, 2);
	assert_string_equal(out, "0aff");
	assert_int_equal(weft_hex_decode(b, 2, "0aF", 3), WEFT_EUSAGE);
	assert_int_equal(weft_hex_decode(b, 2, "0aFg", 4), WEFT_EUSAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_shortest_forms),
		cmocka_unit_test(test_long_forms),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_accessors_total),
		cmocka_unit_test(test_writer_cap),
		cmocka_unit_test(test_rejected_types),
		cmocka_unit_test(test_map_keys),
		cmocka_unit_test(test_get_keys),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_lying_headers),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_object_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
