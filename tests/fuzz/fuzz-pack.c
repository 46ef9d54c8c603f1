/*
 * Fuzzes weft_msg_decode() and every struct weft_obj accessor. A decoded
 * message is walked in full, each object asked through every accessor
 * (the wrong ones must fail cleanly), and re-encoded with struct
 * weft_pack. That encoding must decode again and re-encode to the same
 * bytes: what the writer produces, the reader accepts, and a tree
 * survives the round trip.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#include "fuzz.h"

#define PACK_MAX	(1024 * 1024)

static bool
is_error(int err)
{
	return err == WEFT_EPROTO || err == WEFT_ETOOBIG || err == -ENOMEM;
}

/* Asks o through every accessor and appends its encoding to pk. */
static void
walk(const struct weft_obj *o, struct weft_pack *pk, int depth)
{
	enum weft_obj_type	 t = weft_obj_type(o);
	const char		*s;
	const uint8_t		*b;
	char			 small[4], *dup = NULL, *key;
	uint8_t			 bin[4];
	size_t			 n;
	uint64_t		 u;
	int64_t			 i;
	bool			 v;
	uint32_t		 len;

	FUZZ_CHECK(depth <= WEFT_MSG_DEPTH_MAX);
	FUZZ_CHECK(t >= WEFT_OBJ_NIL && t <= WEFT_OBJ_MAP);
	len = weft_obj_len(o);
	FUZZ_CHECK(len == 0 || t == WEFT_OBJ_ARRAY || t == WEFT_OBJ_MAP);
	FUZZ_CHECK((weft_obj_uint(o, &u) == 0) == (t == WEFT_OBJ_UINT));
	FUZZ_CHECK((weft_obj_bool(o, &v) == 0) == (t == WEFT_OBJ_BOOL));
	FUZZ_CHECK((weft_obj_str(o, &s, &n) == 0) == (t == WEFT_OBJ_STR));
	FUZZ_CHECK((weft_obj_bin(o, &b, &n) == 0) == (t == WEFT_OBJ_BIN));
	if (weft_obj_int(o, &i) == 0)
		FUZZ_CHECK(t == WEFT_OBJ_INT ? i < 0 :
		    t == WEFT_OBJ_UINT && i >= 0);
	FUZZ_CHECK(weft_obj_at(o, len) == NULL);
	FUZZ_CHECK(weft_obj_key_at(o, len) == NULL);
	FUZZ_CHECK(weft_obj_val_at(o, len) == NULL);
	FUZZ_CHECK(weft_obj_at(o, UINT32_MAX) == NULL);
	(void)weft_obj_binn(o, bin, sizeof(bin));
	(void)weft_obj_cstr(o, small, sizeof(small));
	(void)weft_obj_get(o, "");
	(void)weft_obj_get(o, "op");

	switch (t) {
	case WEFT_OBJ_NIL:
		weft_pack_nil(pk);
		break;
	case WEFT_OBJ_BOOL:
		(void)weft_obj_bool(o, &v);
		weft_pack_bool(pk, v);
		break;
	case WEFT_OBJ_UINT:
		(void)weft_obj_uint(o, &u);
		weft_pack_uint(pk, u);
		break;
	case WEFT_OBJ_INT:
		FUZZ_CHECK(weft_obj_int(o, &i) == 0 && i < 0);
		weft_pack_int(pk, i);
		break;
	case WEFT_OBJ_STR:
		(void)weft_obj_str(o, &s, &n);
		if (weft_obj_strdup(o, &dup) == 0) {
			FUZZ_CHECK(memchr(s, 0, n) == NULL);
			FUZZ_CHECK(strlen(dup) == n && memcmp(dup, s, n) == 0);
			free(dup);
		} else {
			FUZZ_CHECK(memchr(s, 0, n) != NULL);
		}
		weft_pack_strn(pk, s, n);
		break;
	case WEFT_OBJ_BIN:
		(void)weft_obj_bin(o, &b, &n);
		if (n <= sizeof(bin)) {
			FUZZ_CHECK(weft_obj_binn(o, bin, n) == 0);
			FUZZ_CHECK(n == 0 || memcmp(bin, b, n) == 0);
		}
		weft_pack_bin(pk, b, n);
		break;
	case WEFT_OBJ_ARRAY:
		weft_pack_array(pk, len);
		for (uint32_t k = 0; k < len; k++) {
			FUZZ_CHECK(weft_obj_at(o, k) != NULL);
			FUZZ_CHECK(weft_obj_key_at(o, k) == NULL);
			walk(weft_obj_at(o, k), pk, depth + 1);
		}
		break;
	case WEFT_OBJ_MAP:
		weft_pack_map(pk, len);
		for (uint32_t k = 0; k < len; k++) {
			const struct weft_obj	*ko = weft_obj_key_at(o, k);
			const struct weft_obj	*vo = weft_obj_val_at(o, k);

			/* The decoder promises string keys, all distinct. */
			FUZZ_CHECK(weft_obj_type(ko) == WEFT_OBJ_STR);
			FUZZ_CHECK(vo != NULL && weft_obj_at(o, k) == NULL);
			if (weft_obj_strdup(ko, &key) == 0) {
				FUZZ_CHECK(weft_obj_get(o, key) == vo);
				free(key);
			}
			walk(ko, pk, depth + 1);
			walk(vo, pk, depth + 1);
		}
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_msg		m, m2;
	struct weft_buf		b1, b2;
	struct weft_pack	pk;
	int			err;

	err = weft_msg_decode(&m, data, size);
	if (err) {
		FUZZ_CHECK(is_error(err));
		FUZZ_CHECK(m.zone == NULL && m.root == NULL);
		return 0;
	}
	FUZZ_CHECK(m.root != NULL);
	weft_buf_init(&b1, PACK_MAX);
	weft_buf_init(&b2, PACK_MAX);
	weft_pack_init(&pk, &b1);
	walk(m.root, &pk, 0);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	/* Shortest forms never make an encoding longer. */
	FUZZ_CHECK(b1.len <= size);

	FUZZ_CHECK(weft_msg_decode(&m2, b1.data, b1.len) == 0);
	weft_pack_init(&pk, &b2);
	walk(m2.root, &pk, 0);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);

	weft_msg_release(&m2);
	weft_buf_release(&b2);
	weft_buf_release(&b1);
	weft_msg_release(&m);
	weft_msg_release(&m);	/* twice is harmless */
	return 0;
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const uint8_t nested[] = {
		0x83, 0xa1, 'v', 0x01, 0xa2, 'o', 'p', 0xa6, 's', 't', 'a',
		't', 'u', 's', 0xa4, 'l', 'i', 's', 't', 0x94, 0xc0, 0xc3,
		0xd0, 0x80, 0x92, 0xc4, 0x02, 0xde, 0xad, 0x81, 0xa0, 0xcf,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	static const uint8_t deep[] = {
		0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x90,
	};
	static const uint8_t wide[] = {
		0xdc, 0x00, 0x03, 0xd9, 0x01, 'x', 0xda, 0x00, 0x00, 0xc5,
		0x00, 0x01, 0x00,
	};
	struct weft_buf		b;
	struct weft_pack	pk;

	emit("nested", nested, sizeof(nested), arg);
	emit("deep", deep, sizeof(deep), arg);
	emit("wide", wide, sizeof(wide), arg);

	weft_buf_init(&b, 4096);
	weft_pack_init(&pk, &b);
	weft_pack_map(&pk, 4);
	weft_pack_str(&pk, "int");
	weft_pack_int(&pk, INT64_MIN);
	weft_pack_str(&pk, "uint");
	weft_pack_uint(&pk, 65536);
	weft_pack_str(&pk, "bin");
	weft_pack_bin(&pk, "\0\1\2\3", 4);
	weft_pack_str(&pk, "s");
	weft_pack_strn(&pk, "nul\0inside", 10);
	if (weft_pack_error(&pk) == 0)
		emit("writer", b.data, b.len, arg);
	weft_buf_release(&b);
}
