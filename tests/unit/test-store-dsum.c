/*
 * Compact summaries (store_dsum.h) and short ids without `info`: the
 * compact value's bytes (a vector) and the control map built from it,
 * byte for byte the map format 10 stored; `idshare` kept exactly through
 * puts and deletes of ids with forced shared prefixes, and the short
 * ids found through it equal to those `info`'s neighbours give; and a
 * store of format 10 upgraded at open, cut short and resumed, answering
 * with the same bytes; `info` values without the design they imply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"
#include "store_dsum.h"
#include "store_mods.h"

#define NDES	600
#define NREV	150

static uint8_t	pk[WEFT_PK_BYTES], sk[WEFT_SK_BYTES];

/* The map format 10 stored: store_index.c's summary_encode() then. */
static void
old_map(struct weft_buf *out, const uint8_t design[ID],
    const uint8_t head[ID], const uint8_t author[WEFT_PK_BYTES],
    const char *title, const char *license, const char *const *tags,
    uint32_t ntags, uint64_t created, uint64_t updated, uint64_t revs,
    uint64_t heads, bool conflict)
{
	struct weft_pack	pk_;

	weft_buf_reset(out);
	weft_pack_init(&pk_, out);
	weft_pack_map(&pk_, conflict ? 11 : 10);
	weft_pack_str(&pk_, "design");
	weft_pack_bin(&pk_, design, ID);
	weft_pack_str(&pk_, "head");
	weft_pack_bin(&pk_, head, ID);
	weft_pack_str(&pk_, "author");
	weft_pack_bin(&pk_, author, WEFT_PK_BYTES);
	weft_pack_str(&pk_, "title");
	weft_pack_str(&pk_, title);
	weft_pack_str(&pk_, "license");
	weft_pack_str(&pk_, license);
	weft_pack_str(&pk_, "tags");
	weft_pack_array(&pk_, ntags);
	for (uint32_t i = 0; i < ntags; i++)
		weft_pack_str(&pk_, tags[i]);
	weft_pack_str(&pk_, "created");
	weft_pack_uint(&pk_, created);
	weft_pack_str(&pk_, "updated");
	weft_pack_uint(&pk_, updated);
	weft_pack_str(&pk_, "revs");
	weft_pack_uint(&pk_, revs);
	weft_pack_str(&pk_, "heads");
	weft_pack_uint(&pk_, heads);
	if (conflict) {
		weft_pack_str(&pk_, "conflict");
		weft_pack_bool(&pk_, true);
	}
	assert_int_equal(weft_pack_error(&pk_), 0);
}

static void
compact(struct weft_buf *b, const uint8_t design[ID], const uint8_t head[ID],
    const uint8_t author[WEFT_PK_BYTES], const char *title,
    const char *license, const char *const *tags, uint32_t ntags,
    uint64_t created, uint64_t updated, uint64_t revs, uint64_t heads,
    bool conflict)
{
	assert_int_equal(dsum_encode(b, design, head, author, title,
	    strlen(title), license, strlen(license), created, updated, revs,
	    heads, conflict, ntags), 0);
	for (uint32_t i = 0; i < ntags; i++)
		assert_int_equal(dsum_bytes_put(b, tags[i], strlen(tags[i])),
		    0);
}

static void
map_of(const uint8_t dk[DKEY], const struct weft_buf *v, struct weft_buf *m)
{
	struct dsum	d;

	assert_int_equal(dsum_decode(dk, v->data, v->len, &d), 0);
	weft_buf_reset(m);
	assert_int_equal(dsum_pack(m, &d, 0), 0);
}

/* The vector of docs/proto/store.md, and maps equal to format 10's. */
static void
test_vector(void **state)
{
	static const char *const	tags[] = { "a", "bc" };
	static const uint8_t		want_tail[] = {
		0xdc, 0x0b, 0x02, 0x01, 0x0a, 'G', 'e', 'a', 'r', ' ', 'w',
		'h', 'e', 'e', 'l', 0x03, 'M', 'I', 'T', 0x02, 0x01, 'a',
		0x02, 'b', 'c',
	};
	struct weft_buf			v, m, om;
	uint8_t				dk[DKEY], head[ID], au[WEFT_PK_BYTES];
	uint64_t			c = UINT64_C(1700000000000);

	(void)state;
	weft_buf_init(&v, DSUM_MAX);
	weft_buf_init(&m, 2 * DSUM_MAX);
	weft_buf_init(&om, 2 * DSUM_MAX);
	be64enc(dk, c);
	memset(dk + 8, 0x11, ID);
	memset(au, 0x22, sizeof(au));
	memset(head, 0x33, sizeof(head));

	/* A genesis that is its own head: no head field. */
	compact(&v, dk + 8, dk + 8, au, "Gear wheel", "MIT", tags, 2, c,
	    c + 1500, 2, 1, false);
	assert_int_equal(v.len, 1 + 32 + sizeof(want_tail));
	assert_int_equal(v.data[0], DSUM_HEADISD);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(v.data[1 + i], 0x22);
	assert_memory_equal(v.data + 33, want_tail, sizeof(want_tail));
	map_of(dk, &v, &m);
	old_map(&om, dk + 8, dk + 8, au, "Gear wheel", "MIT", tags, 2, c,
	    c + 1500, 2, 1, false);
	assert_int_equal(m.len, 209);
	assert_int_equal(m.len, om.len);
	assert_memory_equal(m.data, om.data, m.len);
	assert_true(dsum_is_map(om.data, om.len));
	assert_false(dsum_is_map(v.data, v.len));

	/* Another head, a conflict, updated before created, no tags. */
	compact(&v, dk + 8, head, au, "", "CC-BY-4.0", NULL, 0, c, c - 7, 300,
	    3, true);
	assert_int_equal(v.data[0], DSUM_CONFLICT | DSUM_BACKWARD);
	assert_memory_equal(v.data + 1, head, ID);
	map_of(dk, &v, &m);
	old_map(&om, dk + 8, head, au, "", "CC-BY-4.0", NULL, 0, c, c - 7,
	    300, 3, true);
	assert_int_equal(m.len, om.len);
	assert_memory_equal(m.data, om.data, m.len);

	/* Every msgpack form: str 8, array 16, uint 16, 32 and 64. */
	{
		char		 title[201], tagb[20][4];
		const char	*many[20];

		memset(title, 'x', 200);
		title[200] = '\0';
		for (int i = 0; i < 20; i++) {
			snprintf(tagb[i], sizeof(tagb[i]), "t%02d", i);
			many[i] = tagb[i];
		}
		compact(&v, dk + 8, head, au, title, "CC-BY-SA-4.0", many, 20,
		    c, c + UINT64_C(5000000000), 70000, 300, false);
		map_of(dk, &v, &m);
		old_map(&om, dk + 8, head, au, title, "CC-BY-SA-4.0", many,
		    20, c, c + UINT64_C(5000000000), 70000, 300, false);
		assert_int_equal(m.len, om.len);
		assert_memory_equal(m.data, om.data, m.len);
		compact(&v, dk + 8, head, au, title + 160, "MIT", many, 15,
		    0, 200, 128, 65536, false);
		be64enc(dk, 0);
		map_of(dk, &v, &m);
		old_map(&om, dk + 8, head, au, title + 160, "MIT", many, 15, 0,
		    200, 128, 65536, false);
		assert_int_equal(m.len, om.len);
		assert_memory_equal(m.data, om.data, m.len);
	}
	weft_buf_release(&v);
	weft_buf_release(&m);
	weft_buf_release(&om);
}

/* Every cut and every flipped byte of a value decodes or is refused. */
static void
test_decode_total(void **state)
{
	static const char *const	tags[] = { "x", "yz", "abc" };
	struct weft_buf			v;
	struct dsum			d;
	uint8_t				dk[DKEY], au[WEFT_PK_BYTES], buf[512];
	uint64_t			c = UINT64_C(1700000000000);
	int				err;

	(void)state;
	weft_buf_init(&v, DSUM_MAX);
	be64enc(dk, c);
	memset(dk + 8, 0x44, ID);
	memset(au, 0x55, sizeof(au));
	compact(&v, dk + 8, au, au, "t", "MIT", tags, 3, c, c + 1, 1, 1,
	    false);
	assert_true(v.len <= sizeof(buf));
	for (size_t n = 0; n < v.len; n++) {
		err = dsum_decode(dk, v.data, n, &d);
		assert_int_equal(err, WEFT_ECORRUPT);
	}
	for (size_t i = 0; i < v.len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(buf, v.data, v.len);
			buf[i] ^= (uint8_t)(1u << bit);
			err = dsum_decode(dk, buf, v.len, &d);
			assert_true(err == 0 || err == WEFT_ECORRUPT);
		}
	}
	/* Wrapping updated, an unknown flag, a trailing byte. */
	memcpy(buf, v.data, v.len);
	buf[0] = DSUM_BACKWARD;
	buf[1 + 64] = 0x7f;
	assert_int_equal(dsum_decode((const uint8_t[DKEY]){ 0 }, buf, v.len,
	    &d), WEFT_ECORRUPT);
	buf[0] = 0x08;
	assert_int_equal(dsum_decode(dk, buf, v.len, &d), WEFT_ECORRUPT);
	memcpy(buf, v.data, v.len);
	buf[v.len] = 0;
	assert_int_equal(dsum_decode(dk, buf, v.len + 1, &d), WEFT_ECORRUPT);
	assert_int_equal(dsum_decode(dk, buf, v.len, &d), 0);
	weft_buf_release(&v);
}

/* ids: random ones, and families sharing 3..31 bytes of prefix. */
#define NIDS	400
static uint8_t	ids[NIDS][ID];
static bool	live[NIDS];

struct idop {
	size_t	from, to;
	bool	del;
};

static int
ids_write(struct weft_store *s, MDB_txn *txn, void *arg)
{
	const struct idop	*op = arg;
	uint8_t			 info[INFO_LEN];
	int			 err = 0;

	memset(info, 0, sizeof(info));
	info[0] = 3;
	for (size_t i = op->from; i < op->to && err == 0; i++) {
		if (op->del)
			err = weft__store_rec_del(s, txn, ids[i]);
		else
			err = weft__store_info_put(s, txn, ids[i], info);
	}
	return err;
}

static void
ids_make(void)
{
	size_t	i = 0;

	/* Families at both ends of the key space too. */
	memset(ids[i++], 0x00, ID);
	memset(ids[i], 0x00, ID);
	ids[i++][31] = 1;
	memset(ids[i++], 0xff, ID);
	memset(ids[i], 0xff, ID);
	ids[i++][4] = 0;
	while (i < NIDS) {
		randombytes_buf(ids[i], ID);
		if (i % 3 == 0 && i + 3 <= NIDS) {
			size_t	share = 3 + randombytes_uniform(29);
			size_t	fam = 2 + randombytes_uniform(2);

			for (size_t j = 1; j < fam; j++) {
				randombytes_buf(ids[i + j], ID);
				memcpy(ids[i + j], ids[i], share);
				/* Never the same id twice (share 31 leaves
				 * one random byte). */
				ids[i + j][ID - 1] = (uint8_t)(ids[i][ID - 1] +
				    j);
			}
			i += fam;
		} else {
			i++;
		}
	}
}

/* idshare and short ids against what `info` says, for every live id. */
static void
ids_check(struct weft_store *s)
{
	MDB_txn		*txn;
	MDB_stat	 st;
	unsigned	 a, b;
	size_t		 want = 0, in;

	for (size_t i = 0; i < NIDS; i++) {
		if (!live[i])
			continue;
		in = 0;
		for (size_t j = 0; j < NIDS; j++)
			if (j != i && live[j] &&
			    memcmp(ids[j], ids[i], IDSHARE_PFX) == 0 &&
			    memcmp(ids[j], ids[i], ID) != 0)
				in = 1;
		assert_int_equal(weft__store_read_begin(s, &txn), 0);
		assert_int_equal(db_has(txn, s->dbi[DB_IDSHARE], ids[i], ID) ==
		    0, in == 1);
		weft__store_read_end(s, txn);
		want += in;
		assert_int_equal(weft_store_short_len(s, ids[i], &a), 0);
		assert_int_equal(weft__store_short_len_known(s, ids[i], &b),
		    0);
		assert_int_equal(a, b);
		if (!in)
			assert_int_equal(b, WEFT_SHORT_MIN);
	}
	assert_int_equal(weft__store_read_begin(s, &txn), 0);
	assert_int_equal(mdb_stat(txn, s->dbi[DB_IDSHARE], &st), 0);
	weft__store_read_end(s, txn);
	assert_int_equal(st.ms_entries, want);
	assert_true(want > 0);
}

static void
rm_dir(const char *dir)
{
	char	cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_short_ids(void **state)
{
	struct weft_store	*s;
	struct idop		 op;
	char			 dir[] = "/tmp/weft-dsum-XXXXXX";
	size_t			 longer = 0;
	unsigned		 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	ids_make();
	/* In three batches, so that twins arrive in either order. */
	for (size_t part = 0; part < 3; part++) {
		op.from = part * NIDS / 3;
		op.to = (part + 1) * NIDS / 3;
		op.del = false;
		if (part == 1) {	/* backwards: each put at once */
			for (size_t i = op.to; i-- > op.from;) {
				struct idop	one = { i, i + 1, false };

				assert_int_equal(weft__store_write(s,
				    ids_write, &one), 0);
				live[i] = true;
			}
			continue;
		}
		assert_int_equal(weft__store_write(s, ids_write, &op), 0);
		for (size_t i = op.from; i < op.to; i++)
			live[i] = true;
	}
	ids_check(s);
	for (size_t i = 0; i < NIDS; i++) {
		assert_int_equal(weft_store_short_len(s, ids[i], &n), 0);
		longer += n > WEFT_SHORT_MIN;
	}
	assert_true(longer > 50);
	/* Deletes: every third, then one of each remaining family. */
	for (size_t i = 0; i < NIDS; i += 3) {
		struct idop	one = { i, i + 1, true };

		assert_int_equal(weft__store_write(s, ids_write, &one), 0);
		live[i] = false;
	}
	ids_check(s);
	for (size_t i = 1; i < NIDS; i += 3) {
		struct idop	one = { i, i + 1, true };

		assert_int_equal(weft__store_write(s, ids_write, &one), 0);
		live[i] = false;
	}
	for (size_t i = 0; i < 4; i++)
		live[i] = true;
	op.from = 0;
	op.to = 4;
	op.del = false;
	assert_int_equal(weft__store_write(s, ids_write, &op), 0);
	ids_check(s);
	weft_store_close(s);
	rm_dir(dir);
}

/* A revision of a design (a genesis when design is NULL). */
static void
make(struct weft_slice *e, uint64_t ts, const uint8_t *design,
    const uint8_t *prev, uint8_t id[WEFT_ID_BYTES], unsigned i)
{
	struct weft_record	r;
	struct weft_buf		body, env;
	char			t[64];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	memcpy(r.author, pk, WEFT_PK_BYTES);
	snprintf(t, sizeof(t), "Design %u%s", i, design ? " again" : "");
	r.title = strdup(t);
	r.description = strdup("");
	r.license = strdup(i % 3 ? "CC0-1.0" : "MIT");
	r.message = strdup("");
	r.ntags = i % 4;
	r.tags = calloc(4, sizeof(*r.tags));
	assert_non_null(r.tags);
	for (uint32_t j = 0; j < r.ntags; j++) {
		snprintf(t, sizeof(t), "Tag%c%u", 'a' + j, (i + j) % 7);
		r.tags[j] = strdup(t);
	}
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, WEFT_ID_BYTES);
		r.prev.ids = malloc(WEFT_ID_BYTES);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], prev, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, &env), 0);
	e->data = weft_buf_detach(&env, &e->len);
	if (id != NULL)
		weft_record_id(body.data, body.len, id);
	weft_buf_release(&body);
	weft_record_release(&r);
}

static void
put_all(struct weft_store *s, struct weft_slice *e, size_t n)
{
	int	*res = calloc(n, sizeof(*res));

	assert_non_null(res);
	assert_int_equal(weft_store_records_put(s, e, n, res, NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], 0);
	for (size_t i = 0; i < n; i++)
		free((void *)e[i].data);
	free(res);
}

/* Every summary a listing gives, one after another, into out. */
static int
cat_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct weft_buf	*out = arg;

	(void)id;
	return weft_buf_add(out, data, len);
}

static void
listings(struct weft_store *s, struct weft_buf *out)
{
	struct weft_store_query		q;
	struct weft_store_search_info	info;

	weft_buf_reset(out);
	assert_int_equal(weft_store_designs(s, NULL, NULL, cat_cb, out), 0);
	assert_int_equal(weft_store_designs(s, NULL, "tagb3", cat_cb, out),
	    0);
	assert_int_equal(weft_store_designs_recent(s, 50, cat_cb, out), 0);
	memset(&q, 0, sizeof(q));
	q.short_ids = true;
	q.counts = true;
	assert_int_equal(weft_store_search_page(s, &q, &info, cat_cb, out),
	    0);
	q.query = "design";
	q.license = "MIT";
	assert_int_equal(weft_store_search_page(s, &q, &info, cat_cb, out),
	    0);
}

/*
 * Closes nothing: turns the LMDB of dir back into format 10 (summaries
 * as maps, no idshare); the maps come from the listing all (one after
 * another, in key order).
 */
static void
to_format10(const char *dir, const struct weft_buf *maps)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 dsum, meta, dbi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	struct weft_msg	 msg;
	uint8_t		 ver[4] = { 0, 0, 0, 10 }, key[DKEY];
	size_t		 off = 0, n;
	int		 rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1 << 30), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "dsum", 0, &dsum), 0);
	assert_int_equal(mdb_cursor_open(txn, dsum, &c), 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		/* The length of the next map: decode it alone. */
		for (n = 1; off + n <= maps->len; n++)
			if (weft_msg_decode(&msg, maps->data + off, n) == 0)
				break;
		assert_true(off + n <= maps->len);
		weft_msg_release(&msg);
		/* A copy of the key: the put moves the page's bytes. */
		assert_int_equal(k.mv_size, DKEY);
		memcpy(key, k.mv_data, DKEY);
		k.mv_data = key;
		v.mv_size = n;
		v.mv_data = maps->data + off;
		assert_int_equal(mdb_put(txn, dsum, &k, &v, 0), 0);
		assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_SET), 0);
		off += n;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	mdb_cursor_close(c);
	assert_int_equal(mdb_dbi_open(txn, "idshare", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 7;
	k.mv_data = "version";
	v.mv_size = 4;
	v.mv_data = ver;
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/*
 * The upgrade's mark (its first byte in *phase, its size returned, -1
 * when none), the maps among dsum's values and the entries of dsum and
 * dsum_tmp.
 */
static int
dsum_mark(const char *dir, int *phase, size_t *maps, size_t *n,
    size_t *ntmp)
{
	MDB_env		*env;
	MDB_txn		*txn;
	MDB_dbi		 meta, dsum, tmp;
	MDB_cursor	*c;
	MDB_stat	 st;
	MDB_val		 k, v;
	int		 len = -1, rc;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	k.mv_size = 12;
	k.mv_data = "dsum_compact";
	*phase = -1;
	if (mdb_get(txn, meta, &k, &v) == 0) {
		len = (int)v.mv_size;
		*phase = len > 0 ? *(uint8_t *)v.mv_data : 0;
	}
	assert_int_equal(mdb_dbi_open(txn, "dsum", 0, &dsum), 0);
	assert_int_equal(mdb_cursor_open(txn, dsum, &c), 0);
	*maps = *n = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		*maps += dsum_is_map(v.mv_data, v.mv_size);
		(*n)++;
	}
	mdb_cursor_close(c);
	*ntmp = 0;
	if (mdb_dbi_open(txn, "dsum_tmp", 0, &tmp) == 0 &&
	    mdb_stat(txn, tmp, &st) == 0)
		*ntmp = st.ms_entries;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return len;
}

static void
test_upgrade(void **state)
{
	struct weft_store	*s;
	struct weft_slice	*e;
	struct weft_buf		 all, before, after;
	uint8_t			 gid[NDES][WEFT_ID_BYTES];
	char			 dir[] = "/tmp/weft-dsum-XXXXXX";
	size_t			 maps, n, ntmp;
	int			 phase;

	(void)state;
	crypto_sign_keypair(pk, sk);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	e = calloc(NDES, sizeof(*e));
	assert_non_null(e);
	for (unsigned i = 0; i < NDES; i++)
		make(&e[i], UINT64_C(1700000000000) + 1000 * i, NULL, NULL,
		    gid[i], i);
	put_all(s, e, NDES);
	for (unsigned i = 0; i < NREV; i++)
		make(&e[i], UINT64_C(1700000000000) + 1000 * (3 * i) + 500,
		    gid[3 * i], gid[3 * i], NULL, i + 1);
	put_all(s, e, NREV);
	free(e);
	weft_buf_init(&all, 1 << 24);
	weft_buf_init(&before, 1 << 24);
	weft_buf_init(&after, 1 << 24);
	assert_int_equal(weft_store_designs(s, NULL, NULL, cat_cb, &all), 0);
	listings(s, &before);
	assert_true(before.len > all.len);
	weft_store_close(s);

	to_format10(dir, &all);
	assert_int_equal(dsum_mark(dir, &phase, &maps, &n, &ntmp), -1);
	assert_int_equal(maps, NDES);
	/*
	 * Steps of 100, cut short after 3 as by a crash (the first pass:
	 * 300 compacted into dsum_tmp), then after 3 more (the sixth, at
	 * the end, empties dsum), then 3 more (300 back in dsum).
	 */
	weft__store_dsum_step = 100;
	weft__store_dsum_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_null(s);
	assert_int_equal(dsum_mark(dir, &phase, &maps, &n, &ntmp), 1 + DKEY);
	assert_int_equal(phase, 'c');
	assert_int_equal(maps, NDES);
	assert_int_equal(ntmp, 300);
	weft__store_dsum_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_int_equal(dsum_mark(dir, &phase, &maps, &n, &ntmp), 1);
	assert_int_equal(phase, 'm');
	assert_int_equal(ntmp, NDES);
	assert_int_equal(n, 0);
	weft__store_dsum_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_int_equal(dsum_mark(dir, &phase, &maps, &n, &ntmp), 1 + DKEY);
	assert_int_equal(phase, 'm');
	assert_int_equal(n, 300);
	assert_int_equal(maps, 0);
	weft__store_dsum_stop = -1;
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft__store_dsum_step = 20000;
	assert_int_equal(dsum_mark(dir, &phase, &maps, &n, &ntmp), -1);
	assert_int_equal(maps, 0);
	assert_int_equal(n, NDES);
	assert_int_equal(ntmp, 0);
	listings(s, &after);
	assert_int_equal(after.len, before.len);
	assert_memory_equal(after.data, before.data, before.len);
	weft_store_close(s);
	weft_buf_release(&all);
	weft_buf_release(&before);
	weft_buf_release(&after);
	rm_dir(dir);
}

/* info values: 41 bytes when the design is implied, else 73; same facts. */
static int
info_put3(struct weft_store *s, MDB_txn *txn, void *arg)
{
	uint8_t	(*in)[ID] = arg;
	uint8_t	 v[INFO_LEN];
	int	 err = 0;

	for (int i = 0; i < 4 && err == 0; i++) {
		memset(v, 0, sizeof(v));
		v[0] = i == 2 ? WEFT_REC_LIB : i == 3 ? WEFT_REC_COMMENT :
		    WEFT_REC_REV;
		be64enc(v + 1, UINT64_C(1700000000000) + (uint64_t)i);
		memset(v + 9, 0x20 + i, WEFT_PK_BYTES);
		if (i == 0)		/* a genesis */
			memcpy(v + 9 + WEFT_PK_BYTES, in[0], ID);
		else if (i == 1 || i == 3)	/* a revision, a comment */
			memcpy(v + 9 + WEFT_PK_BYTES, in[0], ID);
		err = weft__store_info_put(s, txn, in[i], v);
	}
	return err;
}

static void
test_info_short(void **state)
{
	static const size_t	 want[4] = { INFO_SHORT, INFO_LEN, INFO_SHORT,
	    INFO_LEN };
	struct weft_store	*s;
	struct recinfo		 ri;
	MDB_txn			*txn;
	MDB_val			 v;
	uint8_t			 in[4][ID];
	char			 dir[] = "/tmp/weft-dsum-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	for (int i = 0; i < 4; i++)
		randombytes_buf(in[i], ID);
	assert_int_equal(weft__store_write(s, info_put3, in), 0);
	assert_int_equal(weft__store_read_begin(s, &txn), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(db_get(txn, s->dbi[DB_INFO], in[i], ID, &v),
		    0);
		assert_int_equal(v.mv_size, want[i]);
		assert_int_equal(weft__store_info_get(s, txn, in[i], &ri), 0);
		assert_int_equal(ri.ts, UINT64_C(1700000000000) + (uint64_t)i);
		for (size_t j = 0; j < WEFT_PK_BYTES; j++)
			assert_int_equal(ri.author[j], 0x20 + i);
		if (i == 2)
			assert_memory_equal(ri.design,
			    (const uint8_t[ID]){ 0 }, ID);
		else
			assert_memory_equal(ri.design, in[0], ID);
	}
	weft__store_read_end(s, txn);
	assert_int_equal(weft__store_info_parse(in[0], "x", 1, &ri),
	    WEFT_ECORRUPT);
	weft_store_close(s);
	rm_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_decode_total),
		cmocka_unit_test(test_short_ids),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_info_short),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
