/*
 * MessagePack for the rest of weft. proto/pack.c is the only user of
 * msgpack-c: everything else writes through struct weft_pack and reads
 * through struct weft_msg, so limits are enforced in one place.
 *
 * Writing: calls append to a capped struct weft_buf; the first failure is
 * remembered in pk->err and later calls do nothing, so a sequence of calls
 * is checked once at the end with weft_pack_error().
 *
 * Reading: weft_msg_decode() accepts exactly one complete object filling
 * the input, after a bounded pre-walk (depth, counts, lengths, total
 * objects) so that a hostile input cannot make msgpack-c allocate more than
 * a small multiple of its own size. Maps whose keys are not strings or
 * repeat, ext types and floats are rejected.
 */
#ifndef WEFT_PACK_H
#define WEFT_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

struct weft_pack {
	struct weft_buf	*buf;
	int		 err;
};

void	weft_pack_init(struct weft_pack *pk, struct weft_buf *b);
void	weft_pack_map(struct weft_pack *pk, uint32_t n);
void	weft_pack_array(struct weft_pack *pk, uint32_t n);
void	weft_pack_str(struct weft_pack *pk, const char *s);
void	weft_pack_strn(struct weft_pack *pk, const void *s, size_t n);
void	weft_pack_bin(struct weft_pack *pk, const void *p, size_t n);
void	weft_pack_uint(struct weft_pack *pk, uint64_t v);
void	weft_pack_int(struct weft_pack *pk, int64_t v);
void	weft_pack_bool(struct weft_pack *pk, bool v);
void	weft_pack_nil(struct weft_pack *pk);
/* Appends bytes that already are a msgpack encoding (a nested object). */
void	weft_pack_raw(struct weft_pack *pk, const void *p, size_t n);
/* 0, or the first error: WEFT_ETOOBIG or -ENOMEM. */
int	weft_pack_error(const struct weft_pack *pk);

enum weft_obj_type {
	WEFT_OBJ_NIL = 1,
	WEFT_OBJ_BOOL,
	WEFT_OBJ_UINT,
	WEFT_OBJ_INT,		/* negative integers only */
	WEFT_OBJ_STR,
	WEFT_OBJ_BIN,
	WEFT_OBJ_ARRAY,
	WEFT_OBJ_MAP,
};

/* An object inside a decoded message; opaque, valid until the release. */
struct weft_obj;

struct weft_msg {
	void			*zone;	/* private */
	const struct weft_obj	*root;
};

/* Limits applied by weft_msg_decode(). */
#define WEFT_MSG_DEPTH_MAX	8
#define WEFT_MSG_OBJS_MAX	(1u << 20)

/*
 * Decodes p[0..len) as one msgpack object. The message borrows p: strings
 * and binaries point into it, so p must outlive the message. Returns 0,
 * WEFT_EPROTO (malformed, trailing bytes, duplicate keys, floats, ext),
 * WEFT_ETOOBIG (limits) or -ENOMEM. On failure nothing needs releasing.
 */
int	weft_msg_decode(struct weft_msg *m, const uint8_t *p, size_t len);
void	weft_msg_release(struct weft_msg *m);

/* Accessors are total: a NULL or mistyped object gives the failure value. */
enum weft_obj_type weft_obj_type(const struct weft_obj *o);
/* Map value for a string key, or NULL if o is no map or key is absent. */
const struct weft_obj *weft_obj_get(const struct weft_obj *o, const char *key);
/* A key for weft_obj_get_keys(): its bytes and their length. */
struct weft_obj_key {
	const char	*name;
	size_t		 len;
};
/*
 * vals[i] = weft_obj_get(o, keys[i].name) for each of the n keys, in one
 * pass over the map (fastest when the map holds them in keys' order):
 * for reading many keys of many maps, such as a list's summaries.
 */
void	weft_obj_get_keys(const struct weft_obj *o,
	    const struct weft_obj_key *keys, size_t n,
	    const struct weft_obj **vals);
/* Number of entries of an array or map; 0 for anything else. */
uint32_t weft_obj_len(const struct weft_obj *o);
/* i-th element of an array, or NULL. */
const struct weft_obj *weft_obj_at(const struct weft_obj *o, uint32_t i);
/* i-th key and value of a map, or NULL. */
const struct weft_obj *weft_obj_key_at(const struct weft_obj *o, uint32_t i);
const struct weft_obj *weft_obj_val_at(const struct weft_obj *o, uint32_t i);

/* Each returns 0, or WEFT_EBADFIELD when o is NULL or of another type. */
int	weft_obj_uint(const struct weft_obj *o, uint64_t *v);
int	weft_obj_int(const struct weft_obj *o, int64_t *v);  /* uint or int */
int	weft_obj_bool(const struct weft_obj *o, bool *v);
/* A str: pointer (not NUL-terminated, borrowed) and length. */
int	weft_obj_str(const struct weft_obj *o, const char **s, size_t *n);
/* A bin of any length: borrowed pointer and length. */
int	weft_obj_bin(const struct weft_obj *o, const uint8_t **p, size_t *n);
/* A bin of exactly n bytes, copied to out. */
int	weft_obj_binn(const struct weft_obj *o, uint8_t *out, size_t n);
/*
 * A str copied into out[0..outsz) with a NUL; fails with WEFT_EBADFIELD if
 * it does not fit or holds a NUL byte.
 */
int	weft_obj_cstr(const struct weft_obj *o, char *out, size_t outsz);
/* A str duplicated with malloc (NUL-terminated); NUL bytes rejected. */
int	weft_obj_strdup(const struct weft_obj *o, char **out);

#endif
