/*
 * The "interests" sync message (docs/proto/sync.md, "Interest updates"):
 * weft_sync_interests_encode() against the documented bytes, round trips
 * up to the limit of 256 interests, and weft_sync_interests_decode() fed
 * every way a peer can get it wrong (other types, keys, scopes and id
 * lengths, too many interests, every truncation, trailing bytes). Also
 * the WEFT_SYNC_INTERESTS parser, weft_sync_opts_interests().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/wire.h"

#include "sync.h"

#define MAX	WEFT_WIRE_INTERESTS_MAX

static struct weft_wire_interest	got[MAX];

static void
fill(struct weft_wire_interest *v, uint32_t n)
{
	memset(v, 0, n * sizeof(*v));
	for (uint32_t i = 0; i < n; i++) {
		v[i].scope = (enum weft_wire_scope)(1 + i % 3);
		if (v[i].scope != WEFT_WIRE_SCOPE_ALL)
			memset(v[i].id, (int)i, sizeof(v[i].id));
	}
}

static void
encode_doc_vector(void **state)
{
	static const uint8_t want[] = {
		0x82, 0xa1, 0x74, 0xa9, 'i', 'n', 't', 'e', 'r', 'e', 's',
		't', 's', 0xa9, 'i', 'n', 't', 'e', 'r', 'e', 's', 't', 's',
		0x91, 0x81, 0xa5, 's', 'c', 'o', 'p', 'e', 0xa3, 'a', 'l',
		'l',
	};
	struct weft_wire_interest	all[1];
	struct weft_buf			b;
	uint32_t			n;

	(void)state;
	fill(all, 1);
	weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
	assert_int_equal(weft_sync_interests_encode(&b, all, 1), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(weft_sync_interests_decode(b.data, b.len, got, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].scope, WEFT_WIRE_SCOPE_ALL);
	weft_buf_release(&b);
}

static void
round_trips(void **state)
{
	static struct weft_wire_interest	v[MAX];
	static const uint32_t			counts[] = { 0, 1, 2, 3, 7,
	    MAX };
	struct weft_buf				b;
	uint32_t				n;

	(void)state;
	fill(v, MAX);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
		assert_int_equal(weft_sync_interests_encode(&b, v, counts[c]),
		    0);
		memset(got, 0xa5, sizeof(got));
		assert_int_equal(weft_sync_interests_decode(b.data, b.len,
		    got, &n), 0);
		assert_int_equal(n, counts[c]);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(got[i].scope, v[i].scope);
			assert_memory_equal(got[i].id, v[i].id, 32);
		}
		weft_buf_release(&b);
	}
}

static void
encode_refuses(void **state)
{
	static struct weft_wire_interest	v[MAX + 1];
	struct weft_buf				b;

	(void)state;
	fill(v, MAX + 1);
	weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
	assert_int_equal(weft_sync_interests_encode(&b, v, MAX + 1),
	    WEFT_EUSAGE);
	v[0].scope = (enum weft_wire_scope)0;
	assert_int_equal(weft_sync_interests_encode(&b, v, 1), WEFT_EUSAGE);
	v[0].scope = (enum weft_wire_scope)4;
	assert_int_equal(weft_sync_interests_encode(&b, v, 1), WEFT_EUSAGE);
	weft_buf_release(&b);
}

/* The shapes of one bad element, packed by hand. */
enum bad {
	BAD_NOT_MAP = 1,
	BAD_SCOPE_BIN,		/* scope a bin, not a str */
	BAD_SCOPE_NAME,
	BAD_ALL_WITH_ID,
	BAD_AUTHOR_NO_ID,
	BAD_ID_SHORT,
	BAD_ID_LONG,
	BAD_ID_STR,
	BAD_EXTRA_KEY,
	BAD_NO_SCOPE,
	BAD_COUNT
};

static void
pack_bad(struct weft_pack *pk, enum bad bad)
{
	uint8_t	id[33];

	memset(id, 7, sizeof(id));
	switch (bad) {
	case BAD_NOT_MAP:
		weft_pack_str(pk, "all");
		break;
	case BAD_SCOPE_BIN:
		weft_pack_map(pk, 1);
		weft_pack_str(pk, "scope");
		weft_pack_bin(pk, "all", 3);
		break;
	case BAD_SCOPE_NAME:
		weft_pack_map(pk, 2);
		weft_pack_str(pk, "scope");
		weft_pack_str(pk, "design");
		weft_pack_str(pk, "id");
		weft_pack_bin(pk, id, 32);
		break;
	case BAD_ALL_WITH_ID:
		weft_pack_map(pk, 2);
		weft_pack_str(pk, "scope");
		weft_pack_str(pk, "all");
		weft_pack_str(pk, "id");
		weft_pack_bin(pk, id, 32);
		break;
	case BAD_AUTHOR_NO_ID:
		weft_pack_map(pk, 1);
		weft_pack_str(pk, "scope");
		weft_pack_str(pk, "author");
		break;
	case BAD_ID_SHORT:
	case BAD_ID_LONG:
	case BAD_ID_STR:
		weft_pack_map(pk, 2);
		weft_pack_str(pk, "scope");
		weft_pack_str(pk, "lib");
		weft_pack_str(pk, "id");
		if (bad == BAD_ID_STR)
			weft_pack_strn(pk, id, 32);
		else
			weft_pack_bin(pk, id, bad == BAD_ID_SHORT ? 31 : 33);
		break;
	case BAD_EXTRA_KEY:
		weft_pack_map(pk, 3);
		weft_pack_str(pk, "scope");
		weft_pack_str(pk, "author");
		weft_pack_str(pk, "id");
		weft_pack_bin(pk, id, 32);
		weft_pack_str(pk, "since");
		weft_pack_uint(pk, 1);
		break;
	case BAD_NO_SCOPE:
		weft_pack_map(pk, 1);
		weft_pack_str(pk, "id");
		weft_pack_bin(pk, id, 32);
		break;
	case BAD_COUNT:
		break;
	}
}

static int
decode(const struct weft_buf *b)
{
	uint32_t	n = 99;
	int		err;

	err = weft_sync_interests_decode(b->data, b->len, got, &n);
	if (err)
		assert_int_equal(n, 0);
	return err;
}

static void
bad_elements(void **state)
{
	struct weft_wire_interest	ok[2];
	struct weft_buf			b;
	struct weft_pack		pk;

	(void)state;
	fill(ok, 2);
	for (int bad = BAD_NOT_MAP; bad < BAD_COUNT; bad++) {
		/* The bad element last, after good ones. */
		weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
		weft_pack_init(&pk, &b);
		weft_pack_map(&pk, 2);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "interests");
		weft_pack_str(&pk, "interests");
		weft_pack_array(&pk, 2);
		weft_pack_map(&pk, 1);
		weft_pack_str(&pk, "scope");
		weft_pack_str(&pk, "all");
		pack_bad(&pk, (enum bad)bad);
		assert_int_equal(weft_pack_error(&pk), 0);
		assert_int_equal(decode(&b), WEFT_EPROTO);
		weft_buf_release(&b);
	}
}

static void
bad_messages(void **state)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	uint8_t			id[32];

	(void)state;
	memset(id, 1, sizeof(id));
	for (int c = 0; c < 8; c++) {
		weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
		weft_pack_init(&pk, &b);
		switch (c) {
		case 0:		/* another type */
			weft_pack_map(&pk, 2);
			weft_pack_str(&pk, "t");
			weft_pack_str(&pk, "interest");
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, 0);
			break;
		case 1:		/* no interests */
			weft_pack_map(&pk, 1);
			weft_pack_str(&pk, "t");
			weft_pack_str(&pk, "interests");
			break;
		case 2:		/* an extra key */
			weft_pack_map(&pk, 3);
			weft_pack_str(&pk, "t");
			weft_pack_str(&pk, "interests");
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, 0);
			weft_pack_str(&pk, "v");
			weft_pack_uint(&pk, 2);
			break;
		case 3:		/* interests a map */
			weft_pack_map(&pk, 2);
			weft_pack_str(&pk, "t");
			weft_pack_str(&pk, "interests");
			weft_pack_str(&pk, "interests");
			weft_pack_map(&pk, 0);
			break;
		case 4:		/* one too many */
			weft_pack_map(&pk, 2);
			weft_pack_str(&pk, "t");
			weft_pack_str(&pk, "interests");
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, MAX + 1);
			for (int i = 0; i < MAX + 1; i++) {
				weft_pack_map(&pk, 2);
				weft_pack_str(&pk, "scope");
				weft_pack_str(&pk, "author");
				weft_pack_str(&pk, "id");
				weft_pack_bin(&pk, id, 32);
			}
			break;
		case 5:		/* not a map */
			weft_pack_array(&pk, 2);
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, 0);
			break;
		case 6:		/* t not a str */
			weft_pack_map(&pk, 2);
			weft_pack_str(&pk, "t");
			weft_pack_bin(&pk, "interests", 9);
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, 0);
			break;
		case 7:		/* a repeated key */
			weft_pack_map(&pk, 3);
			weft_pack_str(&pk, "t");
			weft_pack_str(&pk, "interests");
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, 0);
			weft_pack_str(&pk, "interests");
			weft_pack_array(&pk, 0);
			break;
		}
		assert_int_equal(weft_pack_error(&pk), 0);
		assert_int_equal(decode(&b), WEFT_EPROTO);
		weft_buf_release(&b);
	}
}

static void
truncated_and_trailing(void **state)
{
	struct weft_wire_interest	v[3];
	struct weft_buf			b, t;
	uint32_t			n;

	(void)state;
	fill(v, 3);
	weft_buf_init(&b, WEFT_WIRE_MSG_MAX);
	assert_int_equal(weft_sync_interests_encode(&b, v, 3), 0);
	for (size_t len = 0; len < b.len; len++)
		assert_int_equal(weft_sync_interests_decode(b.data, len, got,
		    &n), WEFT_EPROTO);
	weft_buf_init(&t, WEFT_WIRE_MSG_MAX);
	assert_int_equal(weft_buf_add(&t, b.data, b.len), 0);
	assert_int_equal(weft_buf_add(&t, "\xc0", 1), 0);
	assert_int_equal(weft_sync_interests_decode(t.data, t.len, got, &n),
	    WEFT_EPROTO);
	weft_buf_release(&t);
	weft_buf_release(&b);
}

static void
parse_spec(void **state)
{
	struct weft_sync_opts	o;
	char			spec[512], hex[65];

	(void)state;
	weft_sync_opts_default(&o);
	memset(hex, 'a', 64);
	hex[64] = '\0';
	snprintf(spec, sizeof(spec), " author:%s,lib:%s all ", hex, hex);
	assert_int_equal(weft_sync_opts_interests(&o, spec), 0);
	assert_int_equal(o.ninterests, 3);
	assert_int_equal(o.interests[0].scope, WEFT_WIRE_SCOPE_AUTHOR);
	assert_int_equal(o.interests[0].id[31], 0xaa);
	assert_int_equal(o.interests[1].scope, WEFT_WIRE_SCOPE_LIB);
	assert_int_equal(o.interests[2].scope, WEFT_WIRE_SCOPE_ALL);

	/* A failure leaves the options as they were. */
	assert_int_equal(weft_sync_opts_interests(&o, "everything"),
	    WEFT_EUSAGE);
	assert_int_equal(weft_sync_opts_interests(&o, "author:abcd"),
	    WEFT_EUSAGE);
	snprintf(spec, sizeof(spec), "author:%sff", hex);
	assert_int_equal(weft_sync_opts_interests(&o, spec), WEFT_EUSAGE);
	assert_int_equal(weft_sync_opts_interests(&o,
	    "all all all all all all all all all"), WEFT_EUSAGE);
	assert_int_equal(o.ninterests, 3);
	assert_int_equal(weft_sync_opts_interests(&o, ""), 0);
	assert_int_equal(o.ninterests, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_doc_vector),
		cmocka_unit_test(round_trips),
		cmocka_unit_test(encode_refuses),
		cmocka_unit_test(bad_elements),
		cmocka_unit_test(bad_messages),
		cmocka_unit_test(truncated_and_trailing),
		cmocka_unit_test(parse_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
