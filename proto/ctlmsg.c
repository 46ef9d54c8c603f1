/*
 * Typed control messages (docs/proto/control.md, "Typed replies"). Each
 * message is described once, by a table of its keys in the order they are
 * written: the encoder walks the table over a struct, the decoder walks
 * the same table over a decoded map, so the two cannot disagree on a
 * name, a type or a limit. The encoder applies the decoder's limits, so
 * whatever weftd sends, weft accepts. The decoder looks every known key
 * up by name and never walks the map itself, which is what makes unknown
 * keys (from a newer daemon) harmless.
 */
#include <stddef.h>
#include <string.h>

#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/pack.h"

enum ftype {
	F_U64 = 1,
	F_BOOL,
	F_STR,		/* struct weft_ctlmsg_str, never nil */
	F_STRNIL,	/* struct weft_ctlmsg_str, nil when s == NULL */
	F_BIN32,	/* uint8_t[32] */
	F_BLOB,		/* const uint8_t * at off, size_t at len */
	F_STRS,		/* array of str at off, uint32_t count at len */
	F_MAP,		/* a nested struct described by sub */
};

enum presence {
	P_REQ = 0,	/* always written, required */
	P_OPT,		/* written when the bool at has is true; optional */
	P_WHEN,		/* written and required when the bool at has is */
};

struct msgdef;

struct field {
	const char		*key;
	enum ftype		 type;
	enum presence		 presence;
	size_t			 off;
	size_t			 len;	/* F_BLOB, F_STRS */
	size_t			 has;	/* P_OPT, P_WHEN */
	size_t			 max;	/* bytes, or F_STRS entries */
	const struct msgdef	*sub;
};

struct msgdef {
	const struct field	*f;
	size_t			 n;
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define DEF(t)		{ t, NELEM(t) }
#define U64(T, k)	{ #k, F_U64, P_REQ, offsetof(T, k), 0, 0, 0, NULL }
#define BOOL(T, k)	{ #k, F_BOOL, P_REQ, offsetof(T, k), 0, 0, 0, NULL }
#define STR(T, k, m)	{ #k, F_STR, P_REQ, offsetof(T, k), 0, 0, m, NULL }
#define STRNIL(T, k, m)	{ #k, F_STRNIL, P_REQ, offsetof(T, k), 0, 0, m, NULL }
#define BIN32(T, k)	{ #k, F_BIN32, P_REQ, offsetof(T, k), 0, 0, 0, NULL }
#define MAP(T, k, d)	{ #k, F_MAP, P_REQ, offsetof(T, k), 0, 0, 0, &d }
#define WHEN(T, k, h)	{ #k, F_U64, P_WHEN, offsetof(T, k), 0,		\
			  offsetof(T, h), 0, NULL }

/* status */

#define T	struct weft_ctlmsg_disk
static const struct field disk_f[] = {
	BOOL(T, paused), STRNIL(T, error, WEFT_CTLMSG_STR_MAX),
	U64(T, free), U64(T, reserve), U64(T, failures),
	{ "max_store", F_U64, P_OPT, offsetof(T, max_store), 0,
	  offsetof(T, has_max_store), 0, NULL },
	{ "at_max", F_BOOL, P_WHEN, offsetof(T, at_max), 0,
	  offsetof(T, has_max_store), 0, NULL },
	WHEN(T, store_bytes, has_max_store),
};
#undef T
#define T	struct weft_ctlmsg_files
static const struct field files_f[] = {
	U64(T, received), U64(T, stored), U64(T, served),
};
#undef T
#define T	struct weft_ctlmsg_missing
static const struct field missing_f[] = {
	U64(T, records), U64(T, files), U64(T, designs), U64(T, bytes),
};
#undef T
#define T	struct weft_ctlmsg_sync
static const struct field sync_f[] = {
	U64(T, peers), U64(T, stored), U64(T, dups), U64(T, rejected),
	U64(T, held), U64(T, queued), U64(T, rounds), U64(T, msgs_in),
	U64(T, msgs_out), U64(T, bytes_in), U64(T, bytes_out),
	{ "blocked", F_U64, P_OPT, offsetof(T, blocked), 0,
	  offsetof(T, has_blocked), 0, NULL },
};
#undef T
/* While LAN discovery is off, "on" is the only key. */
#define T	struct weft_ctlmsg_lan
static const struct field lan_f[] = {
	BOOL(T, on), WHEN(T, port, on), WHEN(T, nodes, on),
	WHEN(T, received, on), WHEN(T, rejected, on), WHEN(T, opened4, on),
	WHEN(T, opened6, on), WHEN(T, accepted, on), WHEN(T, sent, on),
};
#undef T

static const struct msgdef disk_d = DEF(disk_f);
static const struct msgdef files_d = DEF(files_f);
static const struct msgdef missing_d = DEF(missing_f);
static const struct msgdef sync_d = DEF(sync_f);
static const struct msgdef lan_d = DEF(lan_f);

#define T	struct weft_ctlmsg_status
static const struct field status_f[] = {
	MAP(T, disk, disk_d), MAP(T, files, files_d),
	MAP(T, missing, missing_d),
	STR(T, version, WEFT_CTLMSG_STR_MAX),
	BIN32(T, author), BIN32(T, node),
	STR(T, home, WEFT_CTLMSG_HOME_MAX),
	U64(T, records), U64(T, designs), U64(T, libs), U64(T, chunks),
	U64(T, chunk_bytes), U64(T, map_size), U64(T, map_used),
	U64(T, uptime_ms),
	STRNIL(T, address, WEFT_CTLMSG_STR_MAX),
	{ "addresses", F_STRS, P_REQ, offsetof(T, addresses),
	  offsetof(T, naddresses), 0, WEFT_CTLMSG_ADDRS_MAX, NULL },
	STRNIL(T, listen, WEFT_CTLMSG_STR_MAX),
	STR(T, network_key_id, WEFT_CTLMSG_STR_MAX),
	U64(T, peers), U64(T, conns_in), U64(T, conns_out),
	U64(T, netkey_mismatch),
	MAP(T, sync, sync_d), MAP(T, lan, lan_d),
	{ "web", F_STR, P_OPT, offsetof(T, web), 0, offsetof(T, has_web),
	  WEFT_CTLMSG_STR_MAX, NULL },
	{ "reclaimable", F_U64, P_OPT, offsetof(T, reclaimable), 0,
	  offsetof(T, has_reclaimable), 0, NULL },
};
#undef T
static const struct msgdef status_d = DEF(status_f);

/* show */

#define T	struct weft_ctlmsg_show
static const struct field show_f[] = {
	BIN32(T, id), STR(T, type, WEFT_CTLMSG_STR_MAX),
	{ "record", F_BLOB, P_REQ, offsetof(T, record),
	  offsetof(T, record_len), 0, WEFT_CTLMSG_RECORD_MAX, NULL },
	{ "design", F_BIN32, P_OPT, offsetof(T, design), 0,
	  offsetof(T, has_design), 0, NULL },
	/* Written only when true; absent reads as false. */
	{ "conflict", F_BOOL, P_OPT, offsetof(T, conflict), 0,
	  offsetof(T, conflict), 0, NULL },
	{ "moderation", F_STR, P_OPT, offsetof(T, moderation), 0,
	  offsetof(T, has_moderation), WEFT_CTLMSG_STR_MAX, NULL },
};
#undef T
static const struct msgdef show_d = DEF(show_f);

/* peers, known */

#define T	struct weft_ctlmsg_peer
static const struct field peer_f[] = {
	BIN32(T, node), STR(T, address, WEFT_CTLMSG_STR_MAX),
	STR(T, direction, WEFT_CTLMSG_STR_MAX),
	STR(T, state, WEFT_CTLMSG_STR_MAX),
	U64(T, bytes_in), U64(T, bytes_out), U64(T, since),
	STRNIL(T, listen, WEFT_CTLMSG_STR_MAX),
	STRNIL(T, sw, WEFT_CTLMSG_STR_MAX),
	STRNIL(T, error, WEFT_CTLMSG_STR_MAX),
	{ "retry_ms", F_U64, P_OPT, offsetof(T, retry_ms), 0,
	  offsetof(T, has_retry), 0, NULL },
};
#undef T
static const struct msgdef peer_d = DEF(peer_f);

#define T	struct weft_ctlmsg_known
static const struct field known_f[] = {
	BIN32(T, node), STR(T, address, WEFT_CTLMSG_STR_MAX),
	BOOL(T, verified), U64(T, last_seen), U64(T, fails),
	STR(T, source, WEFT_CTLMSG_STR_MAX), BOOL(T, connected),
};
#undef T
static const struct msgdef known_d = DEF(known_f);

/* The engine */

#define AT(base, off, type)	((type *)(void *)((char *)(base) + (off)))
#define CAT(base, off, type)						\
	((const type *)(const void *)((const char *)(base) + (off)))

static void
pack_fail(struct weft_pack *pk, int err)
{
	if (pk->err == 0)
		pk->err = err;
}

static bool
written(const struct field *f, const void *base)
{
	return f->presence == P_REQ || *CAT(base, f->has, bool);
}

static void
encode_str(struct weft_pack *pk, const struct weft_ctlmsg_str *s,
    size_t max, bool nil_ok)
{
	if (s->s == NULL && nil_ok) {
		weft_pack_nil(pk);
		return;
	}
	if (s->n > max) {
		pack_fail(pk, WEFT_ETOOBIG);
		return;
	}
	weft_pack_strn(pk, s->s != NULL ? s->s : "", s->s != NULL ? s->n : 0);
}

static void	encode_map(struct weft_pack *, const struct msgdef *,
		    const void *, bool);

static void
encode_field(struct weft_pack *pk, const struct field *f, const void *base)
{
	const struct weft_ctlmsg_str	*v;
	uint32_t			 n;
	size_t				 len;

	weft_pack_str(pk, f->key);
	switch (f->type) {
	case F_U64:
		weft_pack_uint(pk, *CAT(base, f->off, uint64_t));
		break;
	case F_BOOL:
		weft_pack_bool(pk, *CAT(base, f->off, bool));
		break;
	case F_STR:
	case F_STRNIL:
		encode_str(pk, CAT(base, f->off, struct weft_ctlmsg_str),
		    f->max, f->type == F_STRNIL);
		break;
	case F_BIN32:
		weft_pack_bin(pk, CAT(base, f->off, uint8_t), 32);
		break;
	case F_BLOB:
		len = *CAT(base, f->len, size_t);
		if (len > f->max)
			pack_fail(pk, WEFT_ETOOBIG);
		else
			weft_pack_bin(pk, *CAT(base, f->off, uint8_t *),
			    len);
		break;
	case F_STRS:
		n = *CAT(base, f->len, uint32_t);
		if (n > f->max) {
			pack_fail(pk, WEFT_ETOOBIG);
			break;
		}
		v = CAT(base, f->off, struct weft_ctlmsg_str);
		weft_pack_array(pk, n);
		for (uint32_t i = 0; i < n; i++)
			encode_str(pk, &v[i], WEFT_CTLMSG_STR_MAX, false);
		break;
	case F_MAP:
		encode_map(pk, f->sub, CAT(base, f->off, char), false);
		break;
	}
}

/* Appends the map of d over base; reply: with "status" 0 first. */
static void
encode_map(struct weft_pack *pk, const struct msgdef *d, const void *base,
    bool reply)
{
	uint32_t	n = reply ? 1 : 0;

	for (size_t i = 0; i < d->n; i++)
		if (written(&d->f[i], base))
			n++;
	weft_pack_map(pk, n);
	if (reply) {
		weft_pack_str(pk, "status");
		weft_pack_int(pk, 0);
	}
	for (size_t i = 0; i < d->n; i++)
		if (written(&d->f[i], base))
			encode_field(pk, &d->f[i], base);
}

static int
decode_str(const struct weft_obj *o, struct weft_ctlmsg_str *s, size_t max,
    bool nil_ok)
{
	if (nil_ok && o != NULL && weft_obj_type(o) == WEFT_OBJ_NIL) {
		s->s = NULL;
		s->n = 0;
		return 0;
	}
	if (weft_obj_str(o, &s->s, &s->n) != 0)
		return WEFT_EPROTO;
	return s->n > max ? WEFT_ETOOBIG : 0;
}

static int	decode_map(const struct weft_obj *, const struct msgdef *,
		    void *);

static int
decode_field(const struct weft_obj *o, const struct field *f, void *base)
{
	struct weft_ctlmsg_str	*v;
	const uint8_t		*p;
	uint32_t		 n;
	size_t			 len;
	int			 err;

	switch (f->type) {
	case F_U64:
		return weft_obj_uint(o, AT(base, f->off, uint64_t)) ?
		    WEFT_EPROTO : 0;
	case F_BOOL:
		return weft_obj_bool(o, AT(base, f->off, bool)) ?
		    WEFT_EPROTO : 0;
	case F_STR:
	case F_STRNIL:
		return decode_str(o, AT(base, f->off, struct weft_ctlmsg_str),
		    f->max, f->type == F_STRNIL);
	case F_BIN32:
		return weft_obj_binn(o, AT(base, f->off, uint8_t), 32) ?
		    WEFT_EPROTO : 0;
	case F_BLOB:
		if (weft_obj_bin(o, &p, &len) != 0)
			return WEFT_EPROTO;
		if (len > f->max)
			return WEFT_ETOOBIG;
		*AT(base, f->off, const uint8_t *) = p;
		*AT(base, f->len, size_t) = len;
		return 0;
	case F_STRS:
		if (weft_obj_type(o) != WEFT_OBJ_ARRAY)
			return WEFT_EPROTO;
		n = weft_obj_len(o);
		if (n > f->max)
			return WEFT_ETOOBIG;
		v = AT(base, f->off, struct weft_ctlmsg_str);
		for (uint32_t i = 0; i < n; i++) {
			err = decode_str(weft_obj_at(o, i), &v[i],
			    WEFT_CTLMSG_STR_MAX, false);
			if (err)
				return err;
		}
		*AT(base, f->len, uint32_t) = n;
		return 0;
	case F_MAP:
		return decode_map(o, f->sub, AT(base, f->off, char));
	}
	return WEFT_EPROTO;
}

/* Fills base from map o by d; base was zeroed by the caller. */
static int
decode_map(const struct weft_obj *o, const struct msgdef *d, void *base)
{
	const struct field	*f;
	const struct weft_obj	*v;
	int			 err;

	if (weft_obj_type(o) != WEFT_OBJ_MAP)
		return WEFT_EPROTO;
	for (size_t i = 0; i < d->n; i++) {
		f = &d->f[i];
		v = weft_obj_get(o, f->key);
		if (f->presence == P_OPT) {
			*AT(base, f->has, bool) = v != NULL;
			if (v == NULL)
				continue;
		} else if (f->presence == P_WHEN && !*AT(base, f->has, bool)) {
			continue;
		}
		if (v == NULL)
			return WEFT_EPROTO;
		err = decode_field(v, f, base);
		if (err)
			return err;
	}
	return 0;
}

/* Strings */

struct weft_ctlmsg_str
weft_ctlmsg_cstr(const char *s)
{
	struct weft_ctlmsg_str	r;

	r.s = s;
	r.n = s != NULL ? strlen(s) : 0;
	return r;
}

bool
weft_ctlmsg_str_eq(struct weft_ctlmsg_str s, const char *lit)
{
	return s.s != NULL && strlen(lit) == s.n && memcmp(s.s, lit, s.n) == 0;
}

/* Messages */

void
weft_ctlmsg_status_encode(struct weft_pack *pk,
    const struct weft_ctlmsg_status *st)
{
	encode_map(pk, &status_d, st, true);
}

int
weft_ctlmsg_status_decode(const struct weft_obj *o,
    struct weft_ctlmsg_status *st)
{
	memset(st, 0, sizeof(*st));
	return decode_map(o, &status_d, st);
}

void
weft_ctlmsg_show_encode(struct weft_pack *pk,
    const struct weft_ctlmsg_show *sh)
{
	encode_map(pk, &show_d, sh, true);
}

int
weft_ctlmsg_show_decode(const struct weft_obj *o, struct weft_ctlmsg_show *sh)
{
	memset(sh, 0, sizeof(*sh));
	return decode_map(o, &show_d, sh);
}

void
weft_ctlmsg_peer_encode(struct weft_pack *pk,
    const struct weft_ctlmsg_peer *p)
{
	encode_map(pk, &peer_d, p, false);
}

int
weft_ctlmsg_peer_decode(const struct weft_obj *o, struct weft_ctlmsg_peer *p)
{
	memset(p, 0, sizeof(*p));
	return decode_map(o, &peer_d, p);
}

void
weft_ctlmsg_known_encode(struct weft_pack *pk,
    const struct weft_ctlmsg_known *k)
{
	encode_map(pk, &known_d, k, false);
}

int
weft_ctlmsg_known_decode(const struct weft_obj *o,
    struct weft_ctlmsg_known *k)
{
	memset(k, 0, sizeof(*k));
	return decode_map(o, &known_d, k);
}

/* policies: the kind decides whether "id" is there, so no table. */

static const char *const kind_names[] = {
	[WEFT_CTLMSG_FOLLOW] = "follow",
	[WEFT_CTLMSG_MIRROR] = "mirror",
	[WEFT_CTLMSG_MIRROR_ALL] = "mirror-all",
};

const char *
weft_ctlmsg_policy_kind_name(enum weft_ctlmsg_policy_kind k)
{
	if ((unsigned)k >= NELEM(kind_names))
		return NULL;
	return kind_names[k];
}

void
weft_ctlmsg_policy_encode(struct weft_pack *pk,
    const struct weft_ctlmsg_policy *p)
{
	const char	*name = weft_ctlmsg_policy_kind_name(p->kind);
	bool		 has_id = p->kind != WEFT_CTLMSG_MIRROR_ALL;

	if (name == NULL) {
		pack_fail(pk, WEFT_EBADFIELD);
		return;
	}
	weft_pack_map(pk, (has_id ? 2 : 1) + (p->has_progress ? 4 : 0));
	weft_pack_str(pk, "kind");
	weft_pack_str(pk, name);
	if (has_id) {
		weft_pack_str(pk, "id");
		weft_pack_bin(pk, p->id, 32);
	}
	if (p->has_progress) {
		weft_pack_str(pk, "designs");
		weft_pack_uint(pk, p->designs);
		weft_pack_str(pk, "designs_held");
		weft_pack_uint(pk, p->designs_held);
		weft_pack_str(pk, "bytes");
		weft_pack_uint(pk, p->bytes);
		weft_pack_str(pk, "bytes_held");
		weft_pack_uint(pk, p->bytes_held);
	}
}

int
weft_ctlmsg_policy_decode(const struct weft_obj *o,
    struct weft_ctlmsg_policy *p)
{
	const struct weft_obj	*id;
	struct weft_ctlmsg_str	 kind;

	memset(p, 0, sizeof(*p));
	if (weft_obj_type(o) != WEFT_OBJ_MAP ||
	    weft_obj_str(weft_obj_get(o, "kind"), &kind.s, &kind.n) != 0)
		return WEFT_EPROTO;
	for (size_t i = 1; i < NELEM(kind_names); i++)
		if (weft_ctlmsg_str_eq(kind, kind_names[i]))
			p->kind = (enum weft_ctlmsg_policy_kind)i;
	if (p->kind == 0)
		return WEFT_EPROTO;
	if (weft_obj_get(o, "designs") != NULL) {
		if (weft_obj_uint(weft_obj_get(o, "designs"),
		    &p->designs) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "designs_held"),
		    &p->designs_held) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "bytes"), &p->bytes) != 0 ||
		    weft_obj_uint(weft_obj_get(o, "bytes_held"),
		    &p->bytes_held) != 0)
			return WEFT_EPROTO;
		p->has_progress = true;
	}
	id = weft_obj_get(o, "id");
	if (p->kind == WEFT_CTLMSG_MIRROR_ALL)
		return id == NULL ? 0 : WEFT_EPROTO;
	return weft_obj_binn(id, p->id, 32) ? WEFT_EPROTO : 0;
}
