/*
 * The only user of msgpack-c. Writing goes through msgpack_packer with a
 * callback into a capped weft_buf. Reading first pre-walks the raw bytes
 * (msgpack-c trusts array and map headers and would allocate count * 24
 * bytes from a 5-byte input), then unpacks, then rejects duplicate keys.
 * struct weft_obj is msgpack_object under another name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"

#define OBJ(o)	((const msgpack_object *)(const void *)(o))
#define WOBJ(o)	((const struct weft_obj *)(const void *)(o))

static int
pack_write(void *data, const char *p, size_t n)
{
	struct weft_pack	*pk = data;
	int			 err;

	if (pk->err)
		return -1;
	err = weft_buf_add(pk->buf, p, n);
	if (err) {
		pk->err = err;
		return -1;
	}
	return 0;
}

#define PACKER(pk, pkr)	msgpack_packer pkr = { (pk), pack_write }

void
weft_pack_init(struct weft_pack *pk, struct weft_buf *b)
{
	pk->buf = b;
	pk->err = 0;
}

void
weft_pack_map(struct weft_pack *pk, uint32_t n)
{
	PACKER(pk, pkr);
	msgpack_pack_map(&pkr, n);
}

void
weft_pack_array(struct weft_pack *pk, uint32_t n)
{
	PACKER(pk, pkr);
	msgpack_pack_array(&pkr, n);
}

void
weft_pack_str(struct weft_pack *pk, const char *s)
{
	weft_pack_strn(pk, s, strlen(s));
}

void
weft_pack_strn(struct weft_pack *pk, const void *s, size_t n)
{
	PACKER(pk, pkr);
	if (n > UINT32_MAX) {
		pk->err = pk->err ? pk->err : WEFT_ETOOBIG;
		return;
	}
	msgpack_pack_str_with_body(&pkr, s, n);
}

void
weft_pack_bin(struct weft_pack *pk, const void *p, size_t n)
{
	PACKER(pk, pkr);
	if (n > UINT32_MAX) {
		pk->err = pk->err ? pk->err : WEFT_ETOOBIG;
		return;
	}
	msgpack_pack_bin_with_body(&pkr, p, n);
}

void
weft_pack_uint(struct weft_pack *pk, uint64_t v)
{
	PACKER(pk, pkr);
	msgpack_pack_uint64(&pkr, v);
}

void
weft_pack_int(struct weft_pack *pk, int64_t v)
{
	PACKER(pk, pkr);
	msgpack_pack_int64(&pkr, v);
}

void
weft_pack_bool(struct weft_pack *pk, bool v)
{
	PACKER(pk, pkr);
	if (v)
		msgpack_pack_true(&pkr);
	else
		msgpack_pack_false(&pkr);
}

void
weft_pack_nil(struct weft_pack *pk)
{
	PACKER(pk, pkr);
	msgpack_pack_nil(&pkr);
}

void
weft_pack_raw(struct weft_pack *pk, const void *p, size_t n)
{
	pack_write(pk, p, n);
}

int
weft_pack_error(const struct weft_pack *pk)
{
	return pk->err;
}

/* Big-endian length field of w bytes at p. */
static uint64_t
be(const uint8_t *p, int w)
{
	uint64_t	v = 0;

	for (int i = 0; i < w; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Walks the encoding without allocating: every header's count or length
 * must fit in what remains, nesting stays under WEFT_MSG_DEPTH_MAX and the
 * object count under WEFT_MSG_OBJS_MAX. Floats, ext and 0xc1 are refused.
 */
static int
prewalk(const uint8_t *p, size_t len)
{
	uint64_t	 left[WEFT_MSG_DEPTH_MAX + 1];
	int		 depth = 0;
	size_t		 off = 0, objs = 0;
	uint64_t	 n, skip;
	int		 w, container;
	uint8_t		 c;

	left[0] = 1;
	for (;;) {
		while (depth > 0 && left[depth] == 0)
			depth--;
		if (left[depth] == 0)
			break;
		left[depth]--;
		if (off >= len)
			return WEFT_EPROTO;
		if (++objs > WEFT_MSG_OBJS_MAX)
			return WEFT_ETOOBIG;
		c = p[off++];
		skip = 0;
		container = 0;
		n = 0;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 ||
		    c == 0xc3) {
			/* fixint, nil, bool */
		} else if (c >= 0x80 && c <= 0x8f) {
			n = (uint64_t)(c & 0x0f) * 2;
			container = 1;
		} else if (c >= 0x90 && c <= 0x9f) {
			n = c & 0x0f;
			container = 1;
		} else if (c >= 0xa0 && c <= 0xbf) {
			skip = c & 0x1f;
		} else {
			switch (c) {
			case 0xc4: case 0xd9: w = 1; goto lenfield;
			case 0xc5: case 0xda: w = 2; goto lenfield;
			case 0xc6: case 0xdb: w = 4;
			lenfield:
				if (len - off < (size_t)w)
					return WEFT_EPROTO;
				skip = be(p + off, w);
				off += (size_t)w;
				break;
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xce: case 0xd2: skip = 4; break;
			case 0xcf: case 0xd3: skip = 8; break;
			case 0xdc: case 0xdd: case 0xde: case 0xdf:
				w = (c == 0xdc || c == 0xde) ? 2 : 4;
				if (len - off < (size_t)w)
					return WEFT_EPROTO;
				n = be(p + off, w);
				off += (size_t)w;
				if (c >= 0xde)
					n *= 2;
				container = 1;
				break;
			default:	/* 0xc1, ext, float */
				return WEFT_EPROTO;
			}
		}
		if (skip > len - off)
			return WEFT_EPROTO;
		off += (size_t)skip;
		if (container && n > 0) {
			/* Each element takes at least one byte. */
			if (n > len - off)
				return WEFT_EPROTO;
			if (depth + 1 > WEFT_MSG_DEPTH_MAX)
				return WEFT_ETOOBIG;
			left[++depth] = n;
		}
	}
	return off == len ? 0 : WEFT_EPROTO;
}

static int
keycmp(const void *a, const void *b)
{
	const msgpack_object_str	*x = *(const msgpack_object_str *const *)a;
	const msgpack_object_str	*y = *(const msgpack_object_str *const *)b;
	uint32_t			 n = x->size < y->size ? x->size : y->size;
	int				 r;

	/* An empty str may have a NULL ptr, which memcmp must not see. */
	r = n > 0 ? memcmp(x->ptr, y->ptr, n) : 0;
	if (r)
		return r;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* Every map must have distinct string keys. */
#define KEYS_SMALL	32

/* Equal keys give equal values: from the length and the first 8 bytes. */
static uint64_t
key_head(const msgpack_object_str *k)
{
	uint64_t	x = 0;

	if (k->size > 0)
		memcpy(&x, k->ptr, k->size < 8 ? k->size : 8);
	return x ^ (uint64_t)k->size * UINT64_C(0x9e3779b97f4a7c15);
}

static int
check_keys(const msgpack_object *o, int depth)
{
	const msgpack_object_str	**keys;
	uint32_t			  n;
	int				  err = 0;

	if (depth > WEFT_MSG_DEPTH_MAX)
		return WEFT_ETOOBIG;
	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			err = check_keys(&o->via.array.ptr[i], depth + 1);
			if (err)
				return err;
		}
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_MAP)
		return 0;
	n = o->via.map.size;
	for (uint32_t i = 0; i < n; i++) {
		if (o->via.map.ptr[i].key.type != MSGPACK_OBJECT_STR)
			return WEFT_EPROTO;
		err = check_keys(&o->via.map.ptr[i].val, depth + 1);
		if (err)
			return err;
	}
	if (n < 2)
		return 0;
	/*
	 * Maps are mostly small (a record has a dozen keys): those are
	 * checked pair by pair in place, with no allocation, as every
	 * record decode does this; larger ones are sorted and equal
	 * neighbours looked for.
	 */
	if (n <= KEYS_SMALL) {
		const msgpack_object_str	*k[KEYS_SMALL];
		uint64_t			 h[KEYS_SMALL];

		/*
		 * A key's length and first 8 bytes tell most keys apart
		 * with one integer compare; only equal ones are compared
		 * in full. A list reply's summaries have 16 keys each, and
		 * the memcmp() calls of sorting them were a third of the
		 * CPU of a long listing in the CLI.
		 */
		for (uint32_t i = 0; i < n; i++) {
			k[i] = &o->via.map.ptr[i].key.via.str;
			h[i] = key_head(k[i]);
			for (uint32_t j = 0; j < i; j++)
				if (h[j] == h[i] && keycmp(&k[j], &k[i]) == 0)
					return WEFT_EPROTO;
		}
		return 0;
	}
	keys = malloc(n * sizeof(*keys));
	if (keys == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		keys[i] = &o->via.map.ptr[i].key.via.str;
	qsort(keys, n, sizeof(*keys), keycmp);
	for (uint32_t i = 1; i < n && !err; i++)
		if (keycmp(&keys[i - 1], &keys[i]) == 0)
			err = WEFT_EPROTO;
	free(keys);
	return err;
}

int
weft_msg_decode(struct weft_msg *m, const uint8_t *p, size_t len)
{
	msgpack_zone		*zone;
	msgpack_object		 obj;
	msgpack_unpack_return	 rc;
	size_t			 off = 0;
	int			 err;

	m->zone = NULL;
	m->root = NULL;
	err = prewalk(p, len);
	if (err)
		return err;
	zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
	if (zone == NULL)
		return -ENOMEM;
	rc = msgpack_unpack((const char *)p, len, &off, zone, &obj);
	if (rc == MSGPACK_UNPACK_NOMEM_ERROR) {
		err = -ENOMEM;
		goto fail;
	}
	if (rc != MSGPACK_UNPACK_SUCCESS || off != len) {
		err = WEFT_EPROTO;
		goto fail;
	}
	err = check_keys(&obj, 0);
	if (err)
		goto fail;
	/* The root itself must live in the zone so that m->root stays valid. */
	{
		msgpack_object	*root;

		root = msgpack_zone_malloc(zone, sizeof(*root));
		if (root == NULL) {
			err = -ENOMEM;
			goto fail;
		}
		*root = obj;
		m->root = WOBJ(root);
	}
	m->zone = zone;
	return 0;
fail:
	msgpack_zone_free(zone);
	return err;
}

void
weft_msg_release(struct weft_msg *m)
{
	if (m->zone != NULL)
		msgpack_zone_free(m->zone);
	m->zone = NULL;
	m->root = NULL;
}

enum weft_obj_type
weft_obj_type(const struct weft_obj *o)
{
	if (o == NULL)
		return 0;
	switch (OBJ(o)->type) {
	case MSGPACK_OBJECT_NIL:
		return WEFT_OBJ_NIL;
	case MSGPACK_OBJECT_BOOLEAN:
		return WEFT_OBJ_BOOL;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return WEFT_OBJ_UINT;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return WEFT_OBJ_INT;
	case MSGPACK_OBJECT_STR:
		return WEFT_OBJ_STR;
	case MSGPACK_OBJECT_BIN:
		return WEFT_OBJ_BIN;
	case MSGPACK_OBJECT_ARRAY:
		return WEFT_OBJ_ARRAY;
	case MSGPACK_OBJECT_MAP:
		return WEFT_OBJ_MAP;
	default:
		return 0;
	}
}

const struct weft_obj *
weft_obj_get(const struct weft_obj *o, const char *key)
{
	const msgpack_object	*m = OBJ(o);
	size_t			 klen = strlen(key);

	if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    (klen == 0 || memcmp(k->via.str.ptr, key, klen) == 0))
			return WOBJ(&m->via.map.ptr[i].val);
	}
	return NULL;
}

void
weft_obj_get_keys(const struct weft_obj *o, const struct weft_obj_key *keys,
    size_t n, const struct weft_obj **vals)
{
	const msgpack_object	*m = OBJ(o);
	size_t			 next = 0, j;

	for (j = 0; j < n; j++)
		vals[j] = NULL;
	if (m == NULL || m->type != MSGPACK_OBJECT_MAP || n == 0)
		return;
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object	*k = &m->via.map.ptr[i].key;
		size_t			 len;

		if (k->type != MSGPACK_OBJECT_STR)
			continue;
		len = k->via.str.size;
		/* Try the key after the last one found first. */
		for (size_t t = 0; t < n; t++) {
			j = next + t < n ? next + t : next + t - n;
			if (keys[j].len == len && (len == 0 ||
			    memcmp(keys[j].name, k->via.str.ptr, len) == 0)) {
				if (vals[j] == NULL)
					vals[j] = WOBJ(&m->via.map.ptr[i].val);
				next = j + 1 < n ? j + 1 : 0;
				break;
			}
		}
	}
}

uint32_t
weft_obj_len(const struct weft_obj *o)
{
	const msgpack_object	*m = OBJ(o);

	if (m == NULL)
		return 0;
	if (m->type == MSGPACK_OBJECT_ARRAY)
		return m->via.array.size;
	if (m->type == MSGPACK_OBJECT_MAP)
		return m->via.map.size;
	return 0;
}

const struct weft_obj *
weft_obj_at(const struct weft_obj *o, uint32_t i)
{
	const msgpack_object	*m = OBJ(o);

	if (m == NULL || m->type != MSGPACK_OBJECT_ARRAY ||
	    i >= m->via.array.size)
		return NULL;
	return WOBJ(&m->via.array.ptr[i]);
}

const struct weft_obj *
weft_obj_key_at(const struct weft_obj *o, uint32_t i)
{
	const msgpack_object	*m = OBJ(o);

	if (m == NULL || m->type != MSGPACK_OBJECT_MAP || i >= m->via.map.size)
		return NULL;
	return WOBJ(&m->via.map.ptr[i].key);
}

const struct weft_obj *
weft_obj_val_at(const struct weft_obj *o, uint32_t i)
{
	const msgpack_object	*m = OBJ(o);

	if (m == NULL || m->type != MSGPACK_OBJECT_MAP || i >= m->via.map.size)
		return NULL;
	return WOBJ(&m->via.map.ptr[i].val);
}

int
weft_obj_uint(const struct weft_obj *o, uint64_t *v)
{
	if (o == NULL || OBJ(o)->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return WEFT_EBADFIELD;
	*v = OBJ(o)->via.u64;
	return 0;
}

int
weft_obj_int(const struct weft_obj *o, int64_t *v)
{
	if (o == NULL)
		return WEFT_EBADFIELD;
	if (OBJ(o)->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = OBJ(o)->via.i64;
		return 0;
	}
	if (OBJ(o)->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    OBJ(o)->via.u64 <= INT64_MAX) {
		*v = (int64_t)OBJ(o)->via.u64;
		return 0;
	}
	return WEFT_EBADFIELD;
}

int
weft_obj_bool(const struct weft_obj *o, bool *v)
{
	if (o == NULL || OBJ(o)->type != MSGPACK_OBJECT_BOOLEAN)
		return WEFT_EBADFIELD;
	*v = OBJ(o)->via.boolean;
	return 0;
}

/*
 * msgpack-c leaves ptr NULL for some empty strs and bins (str 16 and bin
 * 16 with length 0), and memcpy or memchr on NULL is undefined even for
 * 0 bytes, so empty values get a pointer to a static empty string.
 */
int
weft_obj_str(const struct weft_obj *o, const char **s, size_t *n)
{
	if (o == NULL || OBJ(o)->type != MSGPACK_OBJECT_STR)
		return WEFT_EBADFIELD;
	*n = OBJ(o)->via.str.size;
	*s = *n > 0 ? OBJ(o)->via.str.ptr : "";
	return 0;
}

int
weft_obj_bin(const struct weft_obj *o, const uint8_t **p, size_t *n)
{
	if (o == NULL || OBJ(o)->type != MSGPACK_OBJECT_BIN)
		return WEFT_EBADFIELD;
	*n = OBJ(o)->via.bin.size;
	*p = *n > 0 ? (const uint8_t *)OBJ(o)->via.bin.ptr :
	    (const uint8_t *)"";
	return 0;
}

int
weft_obj_binn(const struct weft_obj *o, uint8_t *out, size_t n)
{
	const uint8_t	*p;
	size_t		 len;

	if (weft_obj_bin(o, &p, &len) || len != n)
		return WEFT_EBADFIELD;
	memcpy(out, p, n);
	return 0;
}

int
weft_obj_cstr(const struct weft_obj *o, char *out, size_t outsz)
{
	const char	*s;
	size_t		 n;

	if (weft_obj_str(o, &s, &n) || n >= outsz || memchr(s, 0, n) != NULL)
		return WEFT_EBADFIELD;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
weft_obj_strdup(const struct weft_obj *o, char **out)
{
	const char	*s;
	size_t		 n;
	char		*d;

	if (weft_obj_str(o, &s, &n) || memchr(s, 0, n) != NULL)
		return WEFT_EBADFIELD;
	d = malloc(n + 1);
	if (d == NULL)
		return -ENOMEM;
	memcpy(d, s, n);
	d[n] = '\0';
	*out = d;
	return 0;
}
