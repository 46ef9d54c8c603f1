/*
 * file_design (store_moderation.c, docs/proto/store.md): which designs hold
 * a file, and which files a design holds, as labels on files use them.
 * Checks the walks by hash (exact designs in id order, a hash sharing
 * the 8-byte prefix finds nothing), the walk by design through a file
 * label's verdict (hash order: the smallest labelled hash is named, also
 * past a design's first block of 32), and the upgrade from format 9's
 * 65-byte keys, cut short as by a crash and resumed at the next open.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store.h"

#define TS0	UINT64_C(1700000000000)
#define ID	WEFT_ID_BYTES
#define NEXTRA	40	/* files of A's revision past its first four */

extern size_t	weft__store_fd_rebuild_n;
extern int	weft__store_fd_rebuild_stop;

struct key {
	uint8_t	pk[WEFT_PK_BYTES];
	uint8_t	sk[WEFT_SK_BYTES];
};

struct env {
	uint8_t	data[8192];
	size_t	len;
	uint8_t	id[ID];
};

/* The world: designs a and b, files h[0..3] and the extra ones. */
struct world {
	struct key	owner, mod;
	uint8_t		a[ID], b[ID];
	uint8_t		h[4][ID];
	uint8_t		extra[NEXTRA][ID];
	uint8_t		twin[ID];	/* h[0]'s 8 first bytes, no file */
};

static void
sign(struct weft_record *r, const struct key *k, struct env *e)
{
	struct weft_buf	body, env;

	memcpy(r->author, k->pk, WEFT_PK_BYTES);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, k->sk, &env),
	    0);
	assert_true(env.len <= sizeof(e->data));
	memcpy(e->data, env.data, env.len);
	e->len = env.len;
	weft_record_id(body.data, body.len, e->id);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

static void
rev(const struct key *k, uint64_t ts, const uint8_t *design,
    const uint8_t (*files)[ID], size_t n, struct env *e)
{
	struct weft_record	r;
	char			path[32];

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = ts;
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, ID);
		r.prev.ids = malloc(ID);
		assert_non_null(r.prev.ids);
		memcpy(r.prev.ids[0], design, ID);
		r.prev.n = 1;
	}
	r.title = strdup("bracket");
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("");
	r.description = strdup("");
	r.files = calloc(n, sizeof(*r.files));
	assert_non_null(r.files);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "part-%zu.stl", i);
		r.files[i].path = strdup(path);
		r.files[i].size = 1000 + i;
		memcpy(r.files[i].hash, files[i], ID);
		randombytes_buf(r.files[i].index, ID);
	}
	r.nfiles = (uint32_t)n;
	weft_record_sort(&r);
	sign(&r, k, e);
}

static void
label(const struct key *k, const uint8_t target[ID], const char *value,
    uint64_t ts, struct env *e)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_LABEL;
	r.ts = ts;
	r.label_on = WEFT_LABEL_FILE;
	memcpy(r.label_target, target, ID);
	r.label = strdup(value);
	r.label_reason = strdup("");
	sign(&r, k, e);
}

static void
put(struct weft_store *s, const struct env *e)
{
	struct weft_slice	sl = { e->data, e->len };
	int			res = -1;

	assert_int_equal(weft_store_records_put(s, &sl, 1, &res, NULL), 0);
	assert_true(res == 0 || res == WEFT_EEXISTS);
}

struct ids {
	size_t	n;
	uint8_t	id[4][ID];
};

static int
ids_cb(void *arg, const uint8_t id[ID])
{
	struct ids	*r = arg;

	assert_true(r->n < 4);
	memcpy(r->id[r->n++], id, ID);
	return 0;
}

static size_t
designs(struct weft_store *s, const uint8_t hash[ID], struct ids *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(weft_store_file_designs(s, hash, ids_cb, r), 0);
	return r->n;
}

/* Stores a world: a (h0, h1; then h1, h2 and NEXTRA more), b (h1, h3). */
static void
build(struct weft_store *s, struct world *w)
{
	uint8_t		files[4 + NEXTRA][ID];
	struct env	e;
	uint64_t	ts = TS0;

	crypto_sign_keypair(w->owner.pk, w->owner.sk);
	crypto_sign_keypair(w->mod.pk, w->mod.sk);
	for (int i = 0; i < 4; i++)
		randombytes_buf(w->h[i], ID);
	for (int i = 0; i < NEXTRA; i++)
		randombytes_buf(w->extra[i], ID);
	memcpy(w->twin, w->h[0], ID);
	w->twin[ID - 1] ^= 1;

	memcpy(files[0], w->h[0], ID);
	memcpy(files[1], w->h[1], ID);
	rev(&w->owner, ts++, NULL, files, 2, &e);
	put(s, &e);
	memcpy(w->a, e.id, ID);
	memcpy(files[0], w->h[1], ID);
	memcpy(files[1], w->h[3], ID);
	rev(&w->owner, ts++, NULL, files, 2, &e);
	put(s, &e);
	memcpy(w->b, e.id, ID);
	memcpy(files[0], w->h[1], ID);
	memcpy(files[1], w->h[2], ID);
	memcpy(files + 2, w->extra, sizeof(w->extra));
	rev(&w->owner, ts++, w->a, files, 2 + NEXTRA, &e);
	put(s, &e);
}

/* What the world's walks give: fails on any difference. */
static void
check(struct weft_store *s, const struct world *w)
{
	struct weft_store_verdict	v;
	struct ids			r;
	const uint8_t			*lo, *hi;
	struct env			e;

	lo = memcmp(w->a, w->b, ID) < 0 ? w->a : w->b;
	hi = lo == w->a ? w->b : w->a;
	assert_int_equal(designs(s, w->h[1], &r), 2);
	assert_memory_equal(r.id[0], lo, ID);
	assert_memory_equal(r.id[1], hi, ID);
	assert_int_equal(designs(s, w->h[0], &r), 1);
	assert_memory_equal(r.id[0], w->a, ID);
	assert_int_equal(designs(s, w->h[3], &r), 1);
	assert_memory_equal(r.id[0], w->b, ID);
	/* Every file of a, in either of its blocks. */
	for (int i = 0; i < NEXTRA; i++) {
		assert_int_equal(designs(s, w->extra[i], &r), 1);
		assert_memory_equal(r.id[0], w->a, ID);
	}
	assert_int_equal(designs(s, w->h[2], &r), 1);
	assert_memory_equal(r.id[0], w->a, ID);
	assert_int_equal(designs(s, w->twin, &r), 0);

	/* Labels on two of a's files: the verdict names the smaller. */
	assert_int_equal(weft_store_verdict(s, w->a, &v), 0);
	assert_int_equal(v.action, WEFT_VERDICT_NONE);
	lo = memcmp(w->h[2], w->extra[NEXTRA - 1], ID) < 0 ? w->h[2] :
	    w->extra[NEXTRA - 1];
	assert_int_equal(weft_store_moderator_put(s, w->mod.pk, TS0), 0);
	label(&w->mod, w->extra[NEXTRA - 1], "nsfw", TS0 + 10, &e);
	put(s, &e);
	label(&w->mod, w->h[2], "nsfw", TS0 + 11, &e);
	put(s, &e);
	assert_int_equal(weft_store_verdict(s, w->a, &v), 0);
	assert_int_equal(v.action, WEFT_VERDICT_HIDE);
	assert_true(v.file);
	assert_memory_equal(v.target, lo, ID);
	assert_int_equal(weft_store_verdict(s, w->b, &v), 0);
	assert_int_equal(v.action, WEFT_VERDICT_NONE);
	assert_int_equal(weft_store_moderator_del(s, w->mod.pk), 0);
}

static void
rm_dir(const char *dir)
{
	char	cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_walks(void **state)
{
	struct weft_store	*s;
	struct world		 w;
	char			 dir[] = "/tmp/weft-fdesign-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	build(s, &w);
	check(s, &w);
	weft_store_close(s);
	/* Read again from the file. */
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	check(s, &w);
	weft_store_close(s);
	rm_dir(dir);
}

/* Raw LMDB on a closed store. */
struct raw {
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 fd, meta;
};

static void
raw_open(struct raw *r, const char *dir, unsigned flags)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(r->env, (size_t)1 << 30), 0);
	assert_int_equal(mdb_env_open(r->env, dir, flags, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, flags, &r->txn), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "file_design", 0, &r->fd), 0);
	assert_int_equal(mdb_dbi_open(r->txn, "meta", 0, &r->meta), 0);
}

static void
raw_close(struct raw *r, int commit)
{
	if (commit)
		assert_int_equal(mdb_txn_commit(r->txn), 0);
	else
		mdb_txn_abort(r->txn);
	mdb_env_close(r->env);
}

static void
old_put(struct raw *r, int by, const uint8_t *a, const uint8_t *b)
{
	uint8_t	k[1 + 2 * ID];
	MDB_val	key = { sizeof(k), k }, val = { 0, "" };

	k[0] = (uint8_t)by;
	memcpy(k + 1, a, ID);
	memcpy(k + 1 + ID, b, ID);
	assert_int_equal(mdb_put(r->txn, r->fd, &key, &val, 0), 0);
}

/*
 * Turns the store into format 9: file_design's keys as format 9 wrote
 * them (both 65-byte keys per design and file), version 9.
 */
static void
to_format9(const char *dir)
{
	struct raw	 r;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		(*pairs)[2 * ID] = NULL, ver[4] = { 0, 0, 0, 9 };
	size_t		 n = 0;
	int		 rc;

	raw_open(&r, dir, 0);
	assert_int_equal(mdb_cursor_open(r.txn, r.fd, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (((uint8_t *)k.mv_data)[0] != 'F')
			continue;
		assert_int_equal(k.mv_size, 1 + ID + 8);
		for (size_t i = 0; i < v.mv_size / ID; i++) {
			pairs = realloc(pairs, (n + 1) * sizeof(*pairs));
			assert_non_null(pairs);
			memcpy(pairs[n], (uint8_t *)k.mv_data + 1, ID);
			memcpy(pairs[n] + ID, (uint8_t *)v.mv_data + i * ID,
			    ID);
			n++;
		}
	}
	mdb_cursor_close(c);
	assert_true(n > 32);
	assert_int_equal(mdb_drop(r.txn, r.fd, 0), 0);
	for (size_t i = 0; i < n; i++) {
		old_put(&r, 'd', pairs[i], pairs[i] + ID);
		old_put(&r, 'h', pairs[i] + ID, pairs[i]);
	}
	free(pairs);
	k.mv_size = 7;
	k.mv_data = "version";
	v.mv_size = 4;
	v.mv_data = ver;
	assert_int_equal(mdb_put(r.txn, r.meta, &k, &v, 0), 0);
	raw_close(&r, 1);
}

/* file_design's keys of each length (65, 41, 17), and the mark's size. */
static void
census(const char *dir, size_t n[3], int *mark, int *version)
{
	struct raw	 r;
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	n[0] = n[1] = n[2] = 0;
	raw_open(&r, dir, MDB_RDONLY);
	assert_int_equal(mdb_cursor_open(r.txn, r.fd, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		n[k.mv_size == 65 ? 0 : k.mv_size == 41 ? 1 : 2]++;
	mdb_cursor_close(c);
	k.mv_size = 10;
	k.mv_data = "fd_rebuild";
	*mark = mdb_get(r.txn, r.meta, &k, &v) == 0 ? (int)v.mv_size : -1;
	k.mv_size = 7;
	k.mv_data = "version";
	assert_int_equal(mdb_get(r.txn, r.meta, &k, &v), 0);
	*version = ((uint8_t *)v.mv_data)[3];
	raw_close(&r, 0);
}

/*
 * The bytes of docs/proto/store.md's example: a genesis with files of
 * hashes 22..22 and 33..33 (in that order) gives exactly three keys.
 */
static void
test_layout(void **state)
{
	struct weft_store	*s;
	struct raw		 r;
	struct key		 owner;
	struct env		 e;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint8_t			 files[2][ID], want[3][1 + ID + 8];
	size_t			 n = 0;
	char			 dir[] = "/tmp/weft-fdesign-XXXXXX";
	int			 rc;

	(void)state;
	crypto_sign_keypair(owner.pk, owner.sk);
	memset(files[0], 0x22, ID);
	memset(files[1], 0x33, ID);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	rev(&owner, TS0, NULL, files, 2, &e);
	put(s, &e);
	weft_store_close(s);
	/* In key order: 'F' (0x46) before 'H' (0x48). */
	want[0][0] = 'F';
	memcpy(want[0] + 1, e.id, ID);
	memset(want[0] + 1 + ID, 0, 8);
	want[1][0] = want[2][0] = 'H';
	memset(want[1] + 1, 0x22, 8);
	memset(want[2] + 1, 0x33, 8);
	memcpy(want[1] + 9, e.id, 8);
	memcpy(want[2] + 9, e.id, 8);
	raw_open(&r, dir, MDB_RDONLY);
	assert_int_equal(mdb_cursor_open(r.txn, r.fd, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), n++) {
		assert_true(n < 3);
		assert_int_equal(k.mv_size, n == 0 ? 1 + ID + 8 : 17);
		assert_memory_equal(k.mv_data, want[n], k.mv_size);
		if (n == 0) {
			assert_int_equal(v.mv_size, 2 * ID);
			assert_memory_equal(v.mv_data, files, 2 * ID);
		} else {
			assert_int_equal(v.mv_size, 0);
		}
	}
	assert_int_equal(n, 3);
	mdb_cursor_close(c);
	raw_close(&r, 0);
	rm_dir(dir);
}

static void
test_upgrade9(void **state)
{
	struct weft_store	*s;
	struct world		 w;
	size_t			 n[3], after[3];
	int			 mark, ver;
	char			 dir[] = "/tmp/weft-fdesign-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	build(s, &w);
	weft_store_close(s);
	census(dir, after, &mark, &ver);
	assert_int_equal(after[0], 0);
	/* a's 43 files split its block once; b's 2 fit in one. */
	assert_int_equal(after[1], 3);
	assert_int_equal(mark, -1);
	assert_int_equal(ver, 12);	/* STORE_VERSION */
	to_format9(dir);
	census(dir, n, &mark, &ver);
	assert_int_equal(n[1] + n[2], 0);
	assert_int_equal(ver, 9);

	/*
	 * Steps of 10 keys, each its own transaction: cut short after 3
	 * (as by a crash), the store goes on from there at the next open.
	 */
	weft__store_fd_rebuild_n = 10;
	weft__store_fd_rebuild_stop = 3;
	assert_int_equal(weft_store_open(&s, dir, NULL), WEFT_EUSAGE);
	assert_null(s);
	census(dir, n, &mark, &ver);
	assert_int_equal(mark, 0);
	assert_true(n[0] == 2 * (size_t)(after[2]) - 30);
	assert_int_equal(ver, 12);	/* STORE_VERSION */
	assert_true(n[0] > 0 && n[1] > 0 && n[2] > 0);
	weft__store_fd_rebuild_stop = -1;
	assert_int_equal(weft_store_open(&s, dir, NULL), 0);
	weft__store_fd_rebuild_n = 20000;
	check(s, &w);
	weft_store_close(s);
	census(dir, n, &mark, &ver);
	assert_int_equal(mark, -1);
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], after[1]);
	assert_int_equal(n[2], after[2]);
	rm_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walks),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_upgrade9),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
