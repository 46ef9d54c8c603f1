/*
 * The LMDB store: ingest checks (signature, rights, dependencies), heads,
 * remixes, summaries, ls, search, libraries, id prefixes, map growth,
 * verification of damaged values, stats and reopening. Each test gets a
 * fresh store in its own mkdtemp directory, removed afterwards. Records
 * are built and signed with the real record code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <lmdb.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "store.h"

#define MIB	(1024 * 1024)
#define TS0	UINT64_C(1700000000000)

struct fx {
	char			 dir[64];
	struct weft_store	*s;
};

struct author {
	uint8_t	pk[WEFT_PK_BYTES];
	uint8_t	sk[WEFT_SK_BYTES];
};

/* A revision to build; NULL/0 fields are left empty. */
struct rev_spec {
	const struct author	*a;
	uint64_t		 ts;
	const uint8_t		*design;	/* NULL: genesis */
	const uint8_t		*prev[4];
	const uint8_t		*remix[2];
	const char		*title;
	const char		*desc;
	const char		*tags[4];
	const char		*files[4];
	const char		*license;	/* NULL: MIT */
};

static void
author_new(struct author *a)
{
	crypto_sign_keypair(a->pk, a->sk);
}

static void
id_list(struct weft_id_list *l, const uint8_t *const *ids, size_t max)
{
	size_t	n = 0;

	while (n < max && ids[n] != NULL)
		n++;
	l->n = (uint32_t)n;
	if (n == 0)
		return;
	l->ids = calloc(n, WEFT_ID_BYTES);
	assert_non_null(l->ids);
	for (size_t i = 0; i < n; i++)
		memcpy(l->ids[i], ids[i], WEFT_ID_BYTES);
}

/* Encodes and signs r into env (released first), then releases r. */
static void
seal(struct weft_record *r, const uint8_t *sk, struct weft_buf *env)
{
	struct weft_buf	body;

	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_release(env);
	weft_buf_init(env, WEFT_RECORD_MAX);
	weft_record_sort(r);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk, env), 0);
	weft_buf_release(&body);
	weft_record_release(r);
}

static void
mk_rev(const struct rev_spec *sp, struct weft_buf *env)
{
	struct weft_record	r;
	size_t			n = 0;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, sp->a->pk, WEFT_PK_BYTES);
	r.ts = sp->ts;
	if (sp->design != NULL) {
		r.has_design = true;
		memcpy(r.design, sp->design, WEFT_ID_BYTES);
	}
	id_list(&r.prev, sp->prev, 4);
	id_list(&r.remix_of, sp->remix, 2);
	r.title = strdup(sp->title ? sp->title : "untitled");
	r.description = strdup(sp->desc ? sp->desc : "");
	r.license = strdup(sp->license ? sp->license : "MIT");
	r.message = strdup("");
	while (n < 4 && sp->files[n] != NULL)
		n++;
	if (n > 0) {
		r.files = calloc(n, sizeof(*r.files));
		assert_non_null(r.files);
		for (size_t i = 0; i < n; i++) {
			r.files[i].path = strdup(sp->files[i]);
			r.files[i].size = 1;
			memset(r.files[i].hash, (int)i + 1, WEFT_ID_BYTES);
			memset(r.files[i].index, (int)i + 1, WEFT_ID_BYTES);
		}
		r.nfiles = (uint32_t)n;
	}
	n = 0;
	while (n < 4 && sp->tags[n] != NULL)
		n++;
	if (n > 0) {
		r.tags = calloc(n, sizeof(*r.tags));
		assert_non_null(r.tags);
		for (size_t i = 0; i < n; i++)
			r.tags[i] = strdup(sp->tags[i]);
		r.ntags = (uint32_t)n;
	}
	seal(&r, sp->a->sk, env);
}

static void
mk_lib(const struct author *a, uint64_t ts, const char *name,
    const struct author *extra, struct weft_buf *env)
{
	struct weft_record	 r;
	const uint8_t		*m[3] = { a->pk, extra ? extra->pk : NULL };

	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	r.name = strdup(name);
	r.description = strdup("");
	id_list(&r.maintainers, m, 3);
	seal(&r, a->sk, env);
}

static void
mk_entry(const struct author *a, uint64_t ts, const uint8_t *lib,
    const uint8_t *design, enum weft_entry_action act, struct weft_buf *env)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	memcpy(r.lib, lib, WEFT_ID_BYTES);
	memcpy(r.entry_design, design, WEFT_ID_BYTES);
	r.action = act;
	seal(&r, a->sk, env);
}

/* Builds, stores (expecting want) and returns the id of a revision. */
static void
put_rev(struct weft_store *s, const struct rev_spec *sp, int want,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	env;

	weft_buf_init(&env, WEFT_RECORD_MAX);
	mk_rev(sp, &env);
	assert_int_equal(weft_store_record_put(s, env.data, env.len, id),
	    want);
	weft_buf_release(&env);
}

static void
rm_dir(const char *dir)
{
	char	p[128];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	for (int i = 1; i < 1000; i++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, i);
		unlink(p);
	}
	rmdir(dir);
}

/* Flips bit 0x40 of the first copy of pat[0..n) in dir's pack files. */
static void
pack_flip(const char *dir, const uint8_t *pat, size_t n)
{
	char	p[128];
	FILE	*fp;
	uint8_t	*b;
	long	 len;

	for (int i = 1; i < 1000; i++) {
		snprintf(p, sizeof(p), "%s/pack-%010d", dir, i);
		fp = fopen(p, "r+b");
		if (fp == NULL)
			continue;
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		len = ftell(fp);
		b = malloc((size_t)len);
		assert_non_null(b);
		rewind(fp);
		assert_int_equal(fread(b, 1, (size_t)len, fp), (size_t)len);
		for (long k = 0; k + (long)n <= len; k++) {
			if (memcmp(b + k, pat, n) != 0)
				continue;
			assert_int_equal(fseek(fp, k, SEEK_SET), 0);
			assert_int_equal(fputc(b[k] ^ 0x40, fp), b[k] ^ 0x40);
			fclose(fp);
			free(b);
			return;
		}
		fclose(fp);
		free(b);
	}
	fail_msg("pattern not in any pack");
}

static int
setup(void **state)
{
	struct fx	*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	weft_store_close(f->s);
	rm_dir(f->dir);
	free(f);
	return 0;
}

static void
reopen(struct fx *f, const struct weft_store_opts *o)
{
	weft_store_close(f->s);
	f->s = NULL;
	assert_int_equal(weft_store_open(&f->s, f->dir, o), 0);
}

/* Collecting walk results. */
struct got {
	size_t	n;
	uint8_t	ids[64][WEFT_ID_BYTES];
	char	titles[64][64];
};

static int
got_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct got	*g = arg;

	(void)data;
	(void)len;
	assert_true(g->n < 64);
	memcpy(g->ids[g->n++], id, WEFT_ID_BYTES);
	return 0;
}

/* For summary walks: also records the title. */
static int
sum_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct got	*g = arg;
	struct weft_msg	 m;

	assert_int_equal(weft_msg_decode(&m, data, len), 0);
	assert_int_equal(weft_obj_cstr(weft_obj_get(m.root, "title"),
	    g->titles[g->n], sizeof(g->titles[0])), 0);
	weft_msg_release(&m);
	return got_cb(arg, id, data, len);
}

static int
stop_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)arg;
	(void)id;
	(void)data;
	(void)len;
	return 7;
}

static void
walk_heads(struct weft_store *s, const uint8_t *d, struct got *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(weft_store_design_heads(s, d, got_cb, g), 0);
}

static void
walk_search(struct weft_store *s, const char *q, struct got *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(weft_store_search(s, q, sum_cb, g), 0);
}

static bool
got_has(const struct got *g, const uint8_t id[32])
{
	for (size_t i = 0; i < g->n; i++)
		if (memcmp(g->ids[i], id, 32) == 0)
			return true;
	return false;
}

static void
walk_ls(struct weft_store *s, const uint8_t *a, const char *tag,
    struct got *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(weft_store_designs(s, a, tag, sum_cb, g), 0);
}

/* ------------------------------------------------------------------ */

static void
test_record_types(void **state)
{
	struct fx		*f = *state;
	struct author		 a;
	struct weft_buf		 env, out;
	struct rev_spec		 sp = { 0 };
	uint8_t			 g[WEFT_ID_BYTES], lib[WEFT_ID_BYTES];
	uint8_t			 ent[WEFT_ID_BYTES], d[WEFT_ID_BYTES];
	uint8_t			 none[WEFT_ID_BYTES] = { 0 };
	enum weft_record_type	 t;

	author_new(&a);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_buf_init(&out, WEFT_RECORD_MAX);

	sp.a = &a;
	sp.ts = TS0;
	sp.title = "Bracket";
	mk_rev(&sp, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, g), 0);
	assert_int_equal(weft_store_record_get(f->s, g, &out), 0);
	assert_int_equal(out.len, env.len);
	assert_memory_equal(out.data, env.data, env.len);
	assert_int_equal(weft_store_record_type(f->s, g, &t), 0);
	assert_int_equal(t, WEFT_REC_REV);
	assert_int_equal(weft_store_rev_design(f->s, g, d), 0);
	assert_memory_equal(d, g, WEFT_ID_BYTES);

	mk_lib(&a, TS0 + 1, "Shelf things", NULL, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, lib),
	    0);
	weft_buf_reset(&out);
	assert_int_equal(weft_store_record_get(f->s, lib, &out), 0);
	assert_memory_equal(out.data, env.data, env.len);
	assert_int_equal(weft_store_record_type(f->s, lib, &t), 0);
	assert_int_equal(t, WEFT_REC_LIB);
	assert_int_equal(weft_store_rev_design(f->s, lib, d), WEFT_EUSAGE);

	mk_entry(&a, TS0 + 2, lib, g, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, ent),
	    0);
	weft_buf_reset(&out);
	assert_int_equal(weft_store_record_get(f->s, ent, &out), 0);
	assert_memory_equal(out.data, env.data, env.len);
	assert_int_equal(weft_store_record_type(f->s, ent, &t), 0);
	assert_int_equal(t, WEFT_REC_ENTRY);

	assert_int_equal(weft_store_record_get(f->s, none, &out),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_record_type(f->s, none, &t),
	    WEFT_ENOTFOUND);
	assert_int_equal(weft_store_rev_design(f->s, none, d),
	    WEFT_ENOTFOUND);

	/* A capped output buffer fails cleanly. */
	weft_buf_release(&out);
	weft_buf_init(&out, 10);
	assert_int_equal(weft_store_record_get(f->s, g, &out), WEFT_ETOOBIG);
	weft_buf_release(&out);
	weft_buf_release(&env);
}

static void
test_exists_and_bad(void **state)
{
	struct fx		*f = *state;
	struct author		 a;
	struct weft_buf		 env;
	struct weft_store_stats	 st;
	struct rev_spec		 sp = { 0 };
	uint8_t			 id[WEFT_ID_BYTES], id2[WEFT_ID_BYTES];
	uint8_t			*bad;
	int			 err;

	author_new(&a);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	sp.a = &a;
	sp.ts = TS0;
	mk_rev(&sp, &env);

	/* A flipped signature bit, then a flipped body byte: nothing lands. */
	bad = malloc(env.len);
	assert_non_null(bad);
	memcpy(bad, env.data, env.len);
	bad[env.len - 1] ^= 1;
	assert_int_equal(weft_store_record_put(f->s, bad, env.len, NULL),
	    WEFT_EBADSIG);
	memcpy(bad, env.data, env.len);
	bad[env.len / 3] ^= 0x20;
	err = weft_store_record_put(f->s, bad, env.len, NULL);
	assert_true(err < 0);
	assert_int_equal(weft_store_record_put(f->s, bad, 3, NULL) < 0, 1);
	free(bad);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.designs, 0);

	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, id),
	    0);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, id2),
	    WEFT_EEXISTS);
	assert_memory_equal(id, id2, WEFT_ID_BYTES);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.designs, 1);
	weft_buf_release(&env);
}

static void
test_rights_and_deps(void **state)
{
	struct fx		*f = *state;
	struct author		 a, b;
	struct weft_store_stats	 st;
	struct weft_buf		 env;
	uint8_t			 g[WEFT_ID_BYTES], r1[WEFT_ID_BYTES];
	uint8_t			 x[WEFT_ID_BYTES], bogus[WEFT_ID_BYTES];
	uint8_t			 lib[WEFT_ID_BYTES];

	author_new(&a);
	author_new(&b);
	randombytes_buf(bogus, sizeof(bogus));
	weft_buf_init(&env, WEFT_RECORD_MAX);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 }, 0, g);

	/* Another author may not add a revision. */
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 1, .design = g,
	    .prev = { g } }, WEFT_EDENIED, x);
	/* Missing design, prev, remix source. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1,
	    .design = bogus, .prev = { bogus } }, WEFT_EMISSING, x);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1, .design = g,
	    .prev = { bogus } }, WEFT_EMISSING, x);
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 1,
	    .remix = { bogus } }, WEFT_EMISSING, x);
	/* A prev that is a revision of another design. */
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 2 }, 0, x);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 3, .design = g,
	    .prev = { x } }, WEFT_EBADFIELD, r1);
	/* design naming a non-genesis revision. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 4, .design = g,
	    .prev = { g } }, 0, r1);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 5,
	    .design = r1, .prev = { r1 } }, WEFT_EBADFIELD, x);

	/* Entries: the library and design must exist. */
	mk_entry(&a, TS0 + 6, bogus, g, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    WEFT_EMISSING);
	mk_lib(&a, TS0 + 7, "L", NULL, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, lib),
	    0);
	mk_entry(&a, TS0 + 8, lib, bogus, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    WEFT_EMISSING);

	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.designs, 2);
	assert_int_equal(st.libs, 1);
	weft_buf_release(&env);
}

static void
test_heads(void **state)
{
	struct fx	*f = *state;
	struct author	 a;
	struct got	 h;
	struct weft_buf	 sum;
	struct weft_msg	 m;
	uint64_t	 v;
	uint8_t		 g[32], r1[32], r2a[32], r2b[32], mg[32];

	author_new(&a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0, .title = "v0" },
	    0, g);
	walk_heads(f->s, g, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], g, 32);

	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 10,
	    .design = g, .prev = { g }, .title = "v1" }, 0, r1);
	walk_heads(f->s, g, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], r1, 32);

	/* Two concurrent revisions: two heads, newest first. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 30,
	    .design = g, .prev = { r1 }, .title = "v2a" }, 0, r2a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 20,
	    .design = g, .prev = { r1 }, .title = "v2b" }, 0, r2b);
	walk_heads(f->s, g, &h);
	assert_int_equal(h.n, 2);
	assert_memory_equal(h.ids[0], r2a, 32);
	assert_memory_equal(h.ids[1], r2b, 32);

	/* The summary follows the newest head, not the latest arrival. */
	weft_buf_init(&sum, 8192);
	assert_int_equal(weft_store_design_summary(f->s, g, &sum), 0);
	assert_int_equal(weft_msg_decode(&m, sum.data, sum.len), 0);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "heads"), &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "revs"), &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "updated"), &v),
	    0);
	assert_int_equal(v, TS0 + 30);
	weft_msg_release(&m);

	/* A merge naming both: one head again. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 40,
	    .design = g, .prev = { r2a, r2b }, .title = "merged" }, 0, mg);
	walk_heads(f->s, g, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], mg, 32);
	weft_buf_reset(&sum);
	assert_int_equal(weft_store_design_summary(f->s, g, &sum), 0);
	assert_int_equal(weft_msg_decode(&m, sum.data, sum.len), 0);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "heads"), &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "revs"), &v), 0);
	assert_int_equal(v, 5);
	weft_msg_release(&m);
	weft_buf_release(&sum);

	/* Revisions oldest first by (ts, id). */
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_design_revs(f->s, g, got_cb, &h), 0);
	assert_int_equal(h.n, 5);
	assert_memory_equal(h.ids[0], g, 32);
	assert_memory_equal(h.ids[1], r1, 32);
	assert_memory_equal(h.ids[2], r2b, 32);
	assert_memory_equal(h.ids[3], r2a, 32);
	assert_memory_equal(h.ids[4], mg, 32);

	/* A callback's non-zero return stops the walk and is returned. */
	assert_int_equal(weft_store_design_revs(f->s, g, stop_cb, NULL), 7);
	/* A revision is no design. */
	assert_int_equal(weft_store_design_revs(f->s, r1, got_cb, &h),
	    WEFT_ENOTFOUND);
}

static void
test_remixes(void **state)
{
	struct fx	*f = *state;
	struct author	 a, b;
	struct got	 h;
	struct weft_buf	 out;
	uint8_t		 g[32], r1[32], x[32], y[32], y1[32];

	author_new(&a);
	author_new(&b);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 }, 0, g);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1, .design = g,
	    .prev = { g } }, 0, r1);
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 2,
	    .remix = { r1 }, .title = "fork x" }, 0, x);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 3,
	    .remix = { g }, .title = "fork y" }, 0, y);
	/* A later revision of y remixing g again adds nothing new. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 4, .design = y,
	    .prev = { y }, .remix = { r1 } }, 0, y1);

	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_design_remixes(f->s, g, got_cb, &h), 0);
	assert_int_equal(h.n, 2);
	assert_true(memcmp(h.ids[0], h.ids[1], 32) < 0);
	assert_true((memcmp(h.ids[0], x, 32) == 0 &&
	    memcmp(h.ids[1], y, 32) == 0) ||
	    (memcmp(h.ids[0], y, 32) == 0 && memcmp(h.ids[1], x, 32) == 0));
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_design_remixes(f->s, x, got_cb, &h), 0);
	assert_int_equal(h.n, 0);

	weft_buf_init(&out, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_record_get(f->s, x, &out), 0);
	weft_buf_release(&out);
}

/* The id of the last grant put_grant() stored. */
static uint8_t	grant_last[32];

static void
put_grant(struct weft_store *s, const struct author *a, uint64_t ts,
    const uint8_t design[32], const struct author *to, const char *lic)
{
	struct weft_record	r;
	struct weft_buf		env;
	uint8_t			id[32];

	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	r.type = WEFT_REC_GRANT;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	memcpy(r.grant_design, design, 32);
	r.grant_anyone = to == NULL;
	if (to != NULL)
		memcpy(r.grant_to, to->pk, WEFT_PK_BYTES);
	r.license = strdup(lic);
	seal(&r, a->sk, &env);
	assert_int_equal(weft_store_record_put(s, env.data, env.len, id), 0);
	memcpy(grant_last, id, 32);
	weft_buf_release(&env);
}

/* Whether design's summary carries "conflict". */
static bool
summary_conflict(struct weft_store *s, const uint8_t design[32])
{
	struct weft_buf	 sum;
	struct weft_msg	 m;
	bool		 v = false;

	weft_buf_init(&sum, 8192);
	assert_int_equal(weft_store_design_summary(s, design, &sum), 0);
	assert_int_equal(weft_msg_decode(&m, sum.data, sum.len), 0);
	if (weft_obj_get(m.root, "conflict") != NULL)
		assert_int_equal(weft_obj_bool(weft_obj_get(m.root,
		    "conflict"), &v), 0);
	weft_msg_release(&m);
	weft_buf_release(&sum);
	return v;
}

/*
 * Remixes that break the license table are stored and flagged in their
 * summary; own designs are free; only the author's grants count, and a
 * grant that arrives later clears the flag.
 */
static void
test_license_conflict(void **state)
{
	struct fx	*f = *state;
	struct author	 a, b, c;
	struct got	 h;
	uint8_t		 nd[32], x[32], y[32], z[32];
	char		 lic[WEFT_LICENSE_MAX + 1];
	bool		 granted;

	author_new(&a);
	author_new(&b);
	author_new(&c);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .license = "CC-BY-ND-4.0" }, 0, nd);
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 1,
	    .remix = { nd } }, 0, x);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 2,
	    .remix = { nd } }, 0, y);
	put_rev(f->s, &(struct rev_spec){ .a = &c, .ts = TS0 + 3,
	    .remix = { nd }, .license = "CC-BY-4.0" }, 0, z);
	assert_true(summary_conflict(f->s, x));
	assert_false(summary_conflict(f->s, y));	/* a's own */
	assert_true(summary_conflict(f->s, z));
	assert_false(summary_conflict(f->s, nd));

	/* A stranger's grant counts for nothing. */
	put_grant(f->s, &c, TS0 + 4, nd, &b, "");
	assert_true(summary_conflict(f->s, x));
	assert_int_equal(weft_store_grant_find(f->s, nd, a.pk, b.pk,
	    &granted, lic, sizeof(lic)), 0);
	assert_false(granted);
	/* The author's grant to c under CC-BY-4.0 clears z, not x. */
	put_grant(f->s, &a, TS0 + 5, nd, &c, "CC-BY-4.0");
	assert_false(summary_conflict(f->s, z));
	assert_true(summary_conflict(f->s, x));
	assert_int_equal(weft_store_grant_find(f->s, nd, a.pk, c.pk,
	    &granted, lic, sizeof(lic)), 0);
	assert_true(granted);
	assert_string_equal(lic, "CC-BY-4.0");
	/* To anyone, any license: x is clean too. */
	put_grant(f->s, &a, TS0 + 6, nd, NULL, "");
	assert_false(summary_conflict(f->s, x));
	assert_int_equal(weft_store_grant_find(f->s, nd, a.pk, b.pk,
	    &granted, lic, sizeof(lic)), 0);
	assert_true(granted);
	assert_string_equal(lic, "");
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_design_grants(f->s, nd, got_cb, &h), 0);
	assert_int_equal(h.n, 3);
	/* Grants for a design this node lacks are kept all the same. */
	put_grant(f->s, &a, TS0 + 7, (uint8_t[32]){ 0x42 }, NULL, "");
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_design_grants(f->s,
	    (uint8_t[32]){ 0x42 }, got_cb, &h), 0);
	assert_int_equal(h.n, 1);
}

/*
 * A grant taken back by its author: the remixes that relied on it are
 * judged again and flagged; another grant that still covers one keeps
 * it clean.
 */
static void
test_license_grant_retract(void **state)
{
	struct fx		*f = *state;
	struct author		 a, b, c;
	struct weft_record	 r;
	struct weft_buf		 env;
	uint8_t			 nd[32], x[32], z[32], gc[32], gany[32];

	author_new(&a);
	author_new(&b);
	author_new(&c);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .license = "CC-BY-ND-4.0" }, 0, nd);
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 1,
	    .remix = { nd } }, 0, x);
	put_rev(f->s, &(struct rev_spec){ .a = &c, .ts = TS0 + 2,
	    .remix = { nd }, .license = "CC-BY-4.0" }, 0, z);
	put_grant(f->s, &a, TS0 + 3, nd, &c, "CC-BY-4.0");
	memcpy(gc, grant_last, 32);
	put_grant(f->s, &a, TS0 + 4, nd, NULL, "");
	memcpy(gany, grant_last, 32);
	assert_false(summary_conflict(f->s, x));
	assert_false(summary_conflict(f->s, z));

	/* The grant to anyone taken back: x conflicts, z has its own. */
	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	memcpy(r.author, a.pk, WEFT_PK_BYTES);
	r.ts = TS0 + 5;
	r.targets.ids = malloc(32);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], gany, 32);
	r.targets.n = 1;
	r.has_scope = true;
	memcpy(r.scope, nd, 32);
	r.reason = strdup("");
	seal(&r, a.sk, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	assert_true(summary_conflict(f->s, x));
	assert_false(summary_conflict(f->s, z));

	/* And c's: z conflicts again. */
	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	memcpy(r.author, a.pk, WEFT_PK_BYTES);
	r.ts = TS0 + 6;
	r.targets.ids = malloc(32);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], gc, 32);
	r.targets.n = 1;
	r.has_scope = true;
	memcpy(r.scope, nd, 32);
	r.reason = strdup("");
	seal(&r, a.sk, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	assert_true(summary_conflict(f->s, z));
	assert_true(summary_conflict(f->s, x));
	weft_buf_release(&env);
}

static void
test_summary(void **state)
{
	struct fx		*f = *state;
	static const char *const keys[] = { "design", "head", "author",
	    "title", "license", "tags", "created", "updated", "revs",
	    "heads" };
	struct author		 a;
	struct weft_buf		 sum;
	struct weft_msg		 m;
	const struct weft_obj	*tags;
	const char		*s;
	size_t			 n;
	uint8_t			 g[32], r1[32], b[32];
	uint64_t		 v;
	char			 t[64];

	author_new(&a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .title = "Old title", .tags = { "pla", "bracket" } }, 0, g);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 5, .design = g,
	    .prev = { g }, .title = "New title", .tags = { "petg" } }, 0, r1);

	weft_buf_init(&sum, 8192);
	assert_int_equal(weft_store_design_summary(f->s, g, &sum), 0);
	assert_int_equal(weft_msg_decode(&m, sum.data, sum.len), 0);
	assert_int_equal(weft_obj_type(m.root), WEFT_OBJ_MAP);
	assert_int_equal(weft_obj_len(m.root), 10);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(weft_obj_str(weft_obj_key_at(m.root, i), &s,
		    &n), 0);
		assert_int_equal(n, strlen(keys[i]));
		assert_memory_equal(s, keys[i], n);
	}
	assert_int_equal(weft_obj_binn(weft_obj_get(m.root, "design"), b, 32),
	    0);
	assert_memory_equal(b, g, 32);
	assert_int_equal(weft_obj_binn(weft_obj_get(m.root, "head"), b, 32),
	    0);
	assert_memory_equal(b, r1, 32);
	assert_int_equal(weft_obj_binn(weft_obj_get(m.root, "author"), b, 32),
	    0);
	assert_memory_equal(b, a.pk, 32);
	assert_int_equal(weft_obj_cstr(weft_obj_get(m.root, "title"), t,
	    sizeof(t)), 0);
	assert_string_equal(t, "New title");
	assert_int_equal(weft_obj_cstr(weft_obj_get(m.root, "license"), t,
	    sizeof(t)), 0);
	assert_string_equal(t, "MIT");
	tags = weft_obj_get(m.root, "tags");
	assert_int_equal(weft_obj_len(tags), 1);
	assert_int_equal(weft_obj_cstr(weft_obj_at(tags, 0), t, sizeof(t)),
	    0);
	assert_string_equal(t, "petg");
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "created"), &v),
	    0);
	assert_int_equal(v, TS0);
	assert_int_equal(weft_obj_uint(weft_obj_get(m.root, "updated"), &v),
	    0);
	assert_int_equal(v, TS0 + 5);
	weft_msg_release(&m);
	weft_buf_release(&sum);

	/* The old head's tags left the tag index with it. */
	{
		struct got	h;

		walk_ls(f->s, NULL, "pla", &h);
		assert_int_equal(h.n, 0);
		walk_ls(f->s, NULL, "PETG", &h);
		assert_int_equal(h.n, 1);
	}
	assert_int_equal(weft_store_design_summary(f->s, r1, &sum),
	    WEFT_ENOTFOUND);
}

static void
test_ls(void **state)
{
	struct fx	*f = *state;
	struct author	 a, b;
	struct got	 h;
	uint8_t		 d1[32], d2[32], d3[32];

	author_new(&a);
	author_new(&b);
	/* Stored out of creation order: ls sorts by created. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 30,
	    .title = "third", .tags = { "Garden" } }, 0, d3);
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 20,
	    .title = "second", .tags = { "garden", "tool" } }, 0, d2);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 10,
	    .title = "first", .tags = { "tool" } }, 0, d1);

	walk_ls(f->s, NULL, NULL, &h);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.titles[0], "first");
	assert_string_equal(h.titles[1], "second");
	assert_string_equal(h.titles[2], "third");
	assert_memory_equal(h.ids[0], d1, 32);

	walk_ls(f->s, a.pk, NULL, &h);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.titles[0], "first");
	assert_string_equal(h.titles[1], "third");

	walk_ls(f->s, NULL, "GARDEN", &h);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.titles[0], "second");
	assert_string_equal(h.titles[1], "third");

	walk_ls(f->s, a.pk, "garden", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d3, 32);

	walk_ls(f->s, b.pk, "tool", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);

	walk_ls(f->s, NULL, "gard", &h);
	assert_int_equal(h.n, 0);
	walk_ls(f->s, NULL, "", &h);
	assert_int_equal(h.n, 0);
	assert_int_equal(weft_store_designs(f->s, NULL, NULL, stop_cb, NULL),
	    7);
}

static void
test_search(void **state)
{
	struct fx	*f = *state;
	struct author	 a;
	struct got	 h;
	uint8_t		 d1[32], d2[32], d3[32], r[32];

	author_new(&a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .title = "Wall bracket for shelves",
	    .desc = "Prints without supports; M4 screws.",
	    .tags = { "PLA" } }, 0, d1);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1,
	    .title = "Cable clip", .desc = "A printable clip, PETG",
	    .tags = { "desk", "cable-management" } }, 0, d2);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 2,
	    .title = "Zahnrad für Getriebe", .desc = "Prints fine" }, 0, d3);

	walk_search(f->s, "bracket", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d1, 32);
	/* Multi-word, any case, words from title, description and tags. */
	walk_search(f->s, "SHELVES pla m4", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d1, 32);
	walk_search(f->s, "management cable", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);
	/* The last word is a prefix; each design once, ranked. */
	walk_search(f->s, "print", &h);
	assert_int_equal(h.n, 3);
	assert_true(got_has(&h, d1) && got_has(&h, d2) && got_has(&h, d3));
	walk_search(f->s, "clip pri", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);
	/* Only the last word is a prefix. */
	walk_search(f->s, "pri clip", &h);
	assert_int_equal(h.n, 0);
	/* UTF-8 words stay whole. */
	walk_search(f->s, "für", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d3, 32);
	walk_search(f->s, "nothing here", &h);
	assert_int_equal(h.n, 0);
	walk_search(f->s, "bracket clip", &h);
	assert_int_equal(h.n, 0);
	assert_int_equal(weft_store_search(f->s, "  ,. a ", got_cb, &h),
	    WEFT_EUSAGE);
	assert_int_equal(weft_store_search(f->s, "", got_cb, &h),
	    WEFT_EUSAGE);

	/* A new head re-indexes: old words go, new words come. */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 10,
	    .design = d1, .prev = { d1 }, .title = "Corner brace" }, 0, r);
	walk_search(f->s, "bracket", &h);
	assert_int_equal(h.n, 0);
	walk_search(f->s, "shelves", &h);
	assert_int_equal(h.n, 0);
	walk_search(f->s, "brace", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d1, 32);
	assert_string_equal(h.titles[0], "Corner brace");

	/*
	 * Updates touch only the words and tags that differ: kept ones stay
	 * findable, dropped ones go, new ones come, a tag that only changes
	 * case stays, and a head without words leaves none behind.
	 */
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 11,
	    .design = d1, .prev = { r }, .title = "Corner brace stronger",
	    .tags = { "pla", "garage" } }, 0, r);
	walk_search(f->s, "brace stronger", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d1, 32);
	walk_ls(f->s, NULL, "PLA", &h);
	assert_int_equal(h.n, 1);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 12,
	    .design = d1, .prev = { r }, .title = "Corner brace stronger",
	    .tags = { "Garage" } }, 0, r);
	walk_ls(f->s, NULL, "pla", &h);
	assert_int_equal(h.n, 0);
	walk_ls(f->s, NULL, "garage", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d1, 32);
	walk_search(f->s, "corner stronger garage", &h);
	assert_int_equal(h.n, 1);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 13,
	    .design = d1, .prev = { r }, .title = "x" }, 0, r);
	walk_search(f->s, "corner", &h);
	assert_int_equal(h.n, 0);
	walk_search(f->s, "garage", &h);
	assert_int_equal(h.n, 0);
	walk_ls(f->s, NULL, "garage", &h);
	assert_int_equal(h.n, 0);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 14,
	    .design = d1, .prev = { r }, .title = "Corner" }, 0, r);
	walk_search(f->s, "corn", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d1, 32);
	/* The other designs kept theirs. */
	walk_search(f->s, "print", &h);
	assert_int_equal(h.n, 2);
}


static struct weft_store_search_info
walk_page(struct weft_store *s, const struct weft_store_query *q,
    struct got *g)
{
	struct weft_store_search_info	info;

	memset(g, 0, sizeof(*g));
	assert_int_equal(weft_store_search_page(s, q, &info, sum_cb, g), 0);
	assert_int_equal(info.returned, g->n);
	return info;
}

static void
test_search_rank(void **state)
{
	struct fx			*f = *state;
	struct author			 a;
	struct got			 h;
	struct weft_store_query		 q;
	struct weft_store_search_info	 info;
	uint8_t				 d1[32], d2[32], d3[32], d4[32];

	author_new(&a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .title = "Shelf", .desc = "Holds a gear on the wall, next to "
	    "many other things that are not gears at all" }, 0, d1);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1,
	    .title = "Gear wheel" }, 0, d2);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 2,
	    .title = "Zahnrad f\xc3\xbcr Wand", .tags = { "Gearbox" } }, 0,
	    d3);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 3,
	    .title = "Holder", .files = { "parts/bracket_v2.STL",
	    "src/holder.scad" } }, 0, d4);

	/*
	 * A title word ranks above a word deep in a description, which
	 * ranks above a longer word the query only begins.
	 */
	walk_search(f->s, "gear", &h);
	assert_int_equal(h.n, 3);	/* gear, gears, gearbox */
	assert_memory_equal(h.ids[0], d2, 32);
	assert_memory_equal(h.ids[1], d1, 32);
	assert_memory_equal(h.ids[2], d3, 32);
	/* Prefixes, and Unicode folding both ways. */
	walk_search(f->s, "gea", &h);
	assert_int_equal(h.n, 3);
	walk_search(f->s, "zahnrad fur wand", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d3, 32);
	walk_search(f->s, "ZAHNRAD F\xc3\x9cR", &h);
	assert_int_equal(h.n, 1);
	/* File names and types are indexed. */
	walk_search(f->s, "stl", &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d4, 32);
	walk_search(f->s, "bracket", &h);
	assert_int_equal(h.n, 1);
	memset(&q, 0, sizeof(q));
	q.query = "holder";
	q.type = "scad";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	q.type = "STL";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	q.type = "3mf";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 0);
	/* A listing by type walks the type's postings. */
	q.query = NULL;
	q.type = "stl";
	info = walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d4, 32);
	assert_int_equal(info.total, 1);
	assert_true(info.exact);
	q.recent = true;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	q.type = "3mf";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 0);
	q.type = NULL;
	q.recent = false;
	/* Exact: the last word is not a prefix. */
	memset(&q, 0, sizeof(q));
	q.query = "gear";
	q.exact = true;
	info = walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 2);
	assert_int_equal(info.total, 2);
	assert_true(info.exact);
	/* No result is no error. */
	walk_search(f->s, "nothing", &h);
	assert_int_equal(h.n, 0);
}

static void
test_search_filters(void **state)
{
	struct fx		*f = *state;
	struct author		 a, b;
	struct got		 h;
	struct weft_store_query	 q;
	struct weft_buf		 env;
	uint8_t			 d1[32], d2[32], d3[32], r1[32], lib[32];

	author_new(&a);
	author_new(&b);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .title = "Hook one", .tags = { "Kitchen" }, .license = "MIT" }, 0,
	    d1);
	put_rev(f->s, &(struct rev_spec){ .a = &b, .ts = TS0 + 100,
	    .title = "Hook two", .license = "CC0-1.0",
	    .remix = { d1 } }, 0, d2);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 200,
	    .title = "Hook three", .tags = { "kitchen" } }, 0, d3);
	(void)r1;
	mk_lib(&a, TS0 + 300, "Hooks", NULL, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, lib),
	    0);
	mk_entry(&a, TS0 + 301, lib, d3, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);

	memset(&q, 0, sizeof(q));
	q.query = "hook";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 3);
	q.author = a.pk;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 2);
	assert_false(got_has(&h, d2));
	q.author = NULL;
	q.tag = "KITCHEN";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 2);
	q.tag = NULL;
	q.license = "CC0-1.0";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);
	q.license = NULL;
	q.since = TS0 + 100;
	q.until = TS0 + 200;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 2);
	assert_false(got_has(&h, d1));
	q.since = q.until = 0;
	q.remix_of = d1;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);
	q.remix_of = NULL;
	q.lib = lib;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d3, 32);
	/* Ties (d1 and d3: the same length, word and field) newest first. */
	q.lib = NULL;
	q.tag = "kitchen";
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 2);
	assert_memory_equal(h.ids[0], d3, 32);
	assert_memory_equal(h.ids[1], d1, 32);

	/* Newest first, whatever the rank. */
	memset(&q, 0, sizeof(q));
	q.query = "hook";
	q.recent = true;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 3);
	assert_memory_equal(h.ids[0], d3, 32);
	assert_memory_equal(h.ids[2], d1, 32);
	q.limit = 1;
	q.offset = 1;
	walk_page(f->s, &q, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);

	/* Listings: no words, the same filters, pages and counts. */
	{
		struct weft_store_search_info	info;

		memset(&q, 0, sizeof(q));
		q.limit = 2;
		info = walk_page(f->s, &q, &h);
		assert_int_equal(h.n, 2);
		assert_memory_equal(h.ids[0], d1, 32);
		assert_int_equal(info.total, 3);
		assert_true(info.exact);
		q.recent = true;
		q.offset = 2;
		walk_page(f->s, &q, &h);
		assert_int_equal(h.n, 1);
		assert_memory_equal(h.ids[0], d1, 32);
		q.offset = 0;
		q.limit = 0;
		q.author = a.pk;
		info = walk_page(f->s, &q, &h);
		assert_int_equal(h.n, 2);
		assert_memory_equal(h.ids[0], d3, 32);
		assert_int_equal(info.total, 2);
		q.author = NULL;
		q.license = "CC0-1.0";
		info = walk_page(f->s, &q, &h);
		assert_int_equal(h.n, 1);
		assert_int_equal(info.total, 1);
		assert_true(info.exact);
	}
	/* Short ids: at least 8 hex digits, unique among the records. */
	{
		unsigned	n;

		assert_int_equal(weft_store_short_len(f->s, d1, &n), 0);
		assert_int_equal(n, WEFT_SHORT_MIN);
	}
	weft_buf_release(&env);
}

static void
test_short_len(void **state)
{
	struct fx	*f = *state;
	struct author	 a;
	uint8_t		 ids[200][32], best = 0;
	unsigned	 n, lcp, want;
	char		 t[32];

	author_new(&a);
	for (int i = 0; i < 200; i++) {
		snprintf(t, sizeof(t), "d%d", i);
		put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + i,
		    .title = t }, 0, ids[i]);
	}
	(void)best;
	/* Against a brute force over every pair. */
	for (int i = 0; i < 200; i++) {
		want = 0;
		for (int j = 0; j < 200; j++) {
			if (j == i)
				continue;
			lcp = 0;
			while (lcp < 64 && ((ids[i][lcp / 2] >> (lcp % 2 ? 0 :
			    4)) & 15) == ((ids[j][lcp / 2] >> (lcp % 2 ? 0 :
			    4)) & 15))
				lcp++;
			if (lcp + 1 > want)
				want = lcp + 1;
		}
		if (want < WEFT_SHORT_MIN)
			want = WEFT_SHORT_MIN;
		assert_int_equal(weft_store_short_len(f->s, ids[i], &n), 0);
		assert_int_equal(n, want);
	}
}

static uint32_t
rnd(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) & 0x7fff;
}

/*
 * Pages against the full ranking: random designs from a small vocabulary,
 * random queries; every page (with max-score pruning) must equal the
 * matching slice of the unpruned list, and the first page of a common
 * word must not read all its postings.
 */
static void
test_search_pages(void **state)
{
	static const char *const voc[] = { "gear", "gears", "bolt", "nut",
	    "clip", "hook", "box", "lid", "fan", "duct", "mount", "arm" };
	struct fx			*f = *state;
	struct author			 a;
	struct got			 all, pg;
	struct weft_store_query		 q;
	struct weft_store_search_info	 info;
	char				 title[128], desc[256];
	uint8_t				 d[32];
	uint32_t			 x = 12345;

	author_new(&a);
	for (int i = 0; i < 60; i++) {
		snprintf(title, sizeof(title), "%s %s", voc[rnd(&x) % 12],
		    i % 2 ? voc[rnd(&x) % 12] : "gear");
		desc[0] = 0;
		for (int j = rnd(&x) % 8; j > 0; j--) {
			strcat(desc, voc[rnd(&x) % 12]);
			strcat(desc, " ");
		}
		put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + i,
		    .title = title, .desc = desc }, 0, d);
	}
	for (int t = 0; t < 40; t++) {
		char	qs[64];

		snprintf(qs, sizeof(qs), "%s %s", voc[rnd(&x) % 12],
		    t % 3 ? voc[rnd(&x) % 12] : "");
		memset(&q, 0, sizeof(q));
		q.query = qs;
		walk_page(f->s, &q, &all);
		if (all.n > 64)
			continue;
		for (size_t lim = 1; lim <= 7; lim += 3) {
			for (size_t off = 0; off <= all.n; off += lim) {
				q.offset = off;
				q.limit = lim;
				info = walk_page(f->s, &q, &pg);
				assert_int_equal(pg.n, off + lim <= all.n ?
				    lim : all.n - off);
				for (size_t i = 0; i < pg.n; i++)
					assert_memory_equal(pg.ids[i],
					    all.ids[off + i], 32);
				if (info.exact)
					assert_int_equal(info.total, all.n);
			}
		}
	}
	/* The first page of "gear" (30+ designs) reads few postings. */
	memset(&q, 0, sizeof(q));
	q.query = "gear";
	q.exact = true;
	q.limit = 3;
	info = walk_page(f->s, &q, &pg);
	assert_int_equal(pg.n, 3);
	assert_true(info.total >= 30);
	assert_true(info.exact);
	assert_true(info.scanned < info.total);
}

static void
test_library(void **state)
{
	struct fx	*f = *state;
	struct author	 a, m, x;
	struct weft_buf	 env;
	struct got	 h;
	uint8_t		 d1[32], d2[32], lib[32], none[32] = { 0 };

	author_new(&a);
	author_new(&m);
	author_new(&x);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0, .title = "one" },
	    0, d1);
	put_rev(f->s, &(struct rev_spec){ .a = &x, .ts = TS0 + 1,
	    .title = "two" }, 0, d2);
	mk_lib(&a, TS0 + 2, "Kitchen", &m, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, lib),
	    0);

	mk_entry(&a, TS0 + 10, lib, d1, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	/* A second maintainer may add too; a stranger may not. */
	mk_entry(&m, TS0 + 11, lib, d2, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	mk_entry(&x, TS0 + 12, lib, d2, WEFT_ENTRY_REMOVE, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    WEFT_EDENIED);

	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_lib_designs(f->s, lib, sum_cb, &h), 0);
	assert_int_equal(h.n, 2);

	/* Remove d1, then an older add arrives late: the latest wins. */
	mk_entry(&a, TS0 + 20, lib, d1, WEFT_ENTRY_REMOVE, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	mk_entry(&m, TS0 + 15, lib, d1, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_lib_designs(f->s, lib, sum_cb, &h), 0);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], d2, 32);
	assert_string_equal(h.titles[0], "two");

	/* And a newer add brings it back. */
	mk_entry(&m, TS0 + 30, lib, d1, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_lib_designs(f->s, lib, sum_cb, &h), 0);
	assert_int_equal(h.n, 2);

	assert_int_equal(weft_store_lib_designs(f->s, none, got_cb, &h),
	    WEFT_ENOTFOUND);
	/* An entry naming a library that is no library. */
	mk_entry(&a, TS0 + 40, d1, d2, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    WEFT_EBADFIELD);
	weft_buf_release(&env);
}

struct grind {
	uint32_t	pfx;
	uint64_t	ts;
};

static int
grind_cmp(const void *a, const void *b)
{
	const struct grind	*x = a, *y = b;

	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void
lib_body(const struct author *a, uint64_t ts, struct weft_buf *body)
{
	struct weft_record	 r;
	const uint8_t		*m[1] = { a->pk };

	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = ts;
	r.name = strdup("grind");
	r.description = strdup("");
	id_list(&r.maintainers, m, 1);
	weft_buf_reset(body);
	assert_int_equal(weft_record_encode_body(&r, body), 0);
	weft_record_release(&r);
}

static void
test_resolve(void **state)
{
	struct fx	*f = *state;
	enum { N = 1 << 18 };
	struct grind	*gr;
	struct author	 a;
	struct weft_buf	 body, env;
	uint8_t		 seed[32] = { 7 }, id[32], ids[2][32], got[32];
	char		 hex[2][WEFT_ID_HEX], p[80];
	size_t		 k, common;
	int		 found = 0;

	/*
	 * Two ids sharing 8 hex digits: grind the ts of a library record
	 * over 2^18 bodies (a birthday collision on 32 bits is expected
	 * about 8 times), then sign and store just the pair.
	 */
	crypto_sign_seed_keypair(a.pk, a.sk, seed);
	gr = calloc(N, sizeof(*gr));
	assert_non_null(gr);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	for (uint32_t i = 0; i < N; i++) {
		lib_body(&a, TS0 + i, &body);
		weft_record_id(body.data, body.len, id);
		gr[i].pfx = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
		    (uint32_t)id[2] << 8 | id[3];
		gr[i].ts = TS0 + i;
	}
	qsort(gr, N, sizeof(*gr), grind_cmp);
	for (k = 1; k < N; k++)
		if (gr[k].pfx == gr[k - 1].pfx) {
			found = 1;
			break;
		}
	assert_true(found);
	for (int j = 0; j < 2; j++) {
		lib_body(&a, gr[k - j].ts, &body);
		weft_buf_reset(&env);
		assert_int_equal(weft_record_sign(body.data, body.len, a.sk,
		    &env), 0);
		assert_int_equal(weft_store_record_put(f->s, env.data, env.len,
		    ids[j]), 0);
		weft_hex_encode(hex[j], ids[j], 32);
	}
	free(gr);
	weft_buf_release(&body);
	weft_buf_release(&env);
	/* Some unrelated records around them. */
	for (int j = 0; j < 5; j++)
		put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + j }, 0,
		    id);

	for (common = 0; hex[0][common] == hex[1][common]; common++)
		;
	assert_true(common >= 8);
	memcpy(p, hex[0], 8);
	p[8] = '\0';
	assert_int_equal(weft_store_resolve(f->s, p, got), WEFT_EAMBIGUOUS);
	memcpy(p, hex[0], common);
	p[common] = '\0';
	assert_int_equal(weft_store_resolve(f->s, p, got), WEFT_EAMBIGUOUS);
	/* One more digit (odd or even length) tells them apart. */
	for (int j = 0; j < 2; j++) {
		memcpy(p, hex[j], common + 1);
		p[common + 1] = '\0';
		assert_int_equal(weft_store_resolve(f->s, p, got), 0);
		assert_memory_equal(got, ids[j], 32);
		assert_int_equal(weft_store_resolve(f->s, hex[j], got), 0);
		assert_memory_equal(got, ids[j], 32);
	}
	/* Either case. */
	memcpy(p, hex[0], 64);
	p[64] = '\0';
	for (int i = 0; i < 64; i++)
		if (p[i] >= 'a')
			p[i] = (char)(p[i] - 'a' + 'A');
	assert_int_equal(weft_store_resolve(f->s, p, got), 0);
	assert_memory_equal(got, ids[0], 32);

	assert_int_equal(weft_store_resolve(f->s, "1234567", got),
	    WEFT_EUSAGE);
	assert_int_equal(weft_store_resolve(f->s, "", got), WEFT_EUSAGE);
	assert_int_equal(weft_store_resolve(f->s, "12345678g", got),
	    WEFT_EUSAGE);
	assert_int_equal(weft_store_resolve(f->s, "1234 5678", got),
	    WEFT_EUSAGE);
	memset(p, 'a', 65);
	p[65] = '\0';
	assert_int_equal(weft_store_resolve(f->s, p, got), WEFT_EUSAGE);
	/* Not found: the pair's prefix with a different last digit. */
	memcpy(p, hex[0], common + 1);
	p[common + 1] = '\0';
	for (char c = '0'; c <= 'f'; c = c == '9' ? 'a' : (char)(c + 1)) {
		if (c == hex[0][common] || c == hex[1][common])
			continue;
		p[common] = c;
		assert_int_equal(weft_store_resolve(f->s, p, got),
		    WEFT_ENOTFOUND);
	}
}

static void
test_chunks(void **state)
{
	struct fx		*f = *state;
	struct weft_chunk_put	 c[3];
	struct weft_store_stats	 st;
	struct weft_buf		 out;
	uint8_t			 a[100], b[200];

	randombytes_buf(a, sizeof(a));
	randombytes_buf(b, sizeof(b));
	c[0] = (struct weft_chunk_put){ .data = a, .len = sizeof(a) };
	weft_hash(a, sizeof(a), c[0].id);
	c[1] = (struct weft_chunk_put){ .data = b, .len = sizeof(b) };
	weft_hash(b, sizeof(b), c[1].id);
	c[2] = c[0];	/* a duplicate within the batch */

	/* A wrong id fails the whole batch and writes nothing. */
	c[1].id[0] ^= 1;
	assert_int_equal(weft_store_chunks_put(f->s, c, 3), WEFT_EBADHASH);
	assert_int_equal(weft_store_chunk_has(f->s, c[0].id), WEFT_ENOTFOUND);
	c[1].id[0] ^= 1;

	assert_int_equal(weft_store_chunks_put(f->s, c, 3), 0);
	assert_int_equal(weft_store_chunks_put(f->s, c, 2), 0);
	assert_int_equal(weft_store_chunk_has(f->s, c[0].id), 0);
	assert_int_equal(weft_store_chunk_has(f->s, c[1].id), 0);
	weft_buf_init(&out, 1024);
	assert_int_equal(weft_store_chunk_get(f->s, c[1].id, &out), 0);
	assert_int_equal(out.len, sizeof(b));
	assert_memory_equal(out.data, b, sizeof(b));
	weft_buf_release(&out);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.chunks, 2);
	assert_int_equal(st.chunk_bytes, 300);
	assert_true(st.map_used > 0 && st.map_used <= st.map_size);
	assert_int_equal(st.map_size, (uint64_t)16 << 30);
}

static void
test_map_growth(void **state)
{
	struct fx		*f = *state;
	struct weft_store_opts	 o = { .map_size = MIB };
	struct weft_chunk_put	 c[4];
	struct weft_store_stats	 st;
	struct weft_buf		 out;
	struct author		 a;
	uint8_t			*data, g[32];
	size_t			 csz = WEFT_CHUNK_MAX, n = 20 * MIB / csz;

	reopen(f, &o);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.map_size, MIB);

	data = malloc(n * csz);
	assert_non_null(data);
	randombytes_buf(data, n * csz);
	for (size_t i = 0; i < n; i += 4) {
		for (size_t j = 0; j < 4; j++) {
			c[j].data = data + (i + j) * csz;
			c[j].len = csz;
			weft_hash(c[j].data, csz, c[j].id);
		}
		assert_int_equal(weft_store_chunks_put(f->s, c, 4), 0);
	}
	author_new(&a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 }, 0, g);

	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.chunks, n);
	assert_int_equal(st.chunk_bytes, 20 * MIB);
	/* The bytes went to packs: the map holds only their index. */
	assert_true(st.map_used < 2 * MIB);
	/* Many small chunks fill the index until the map must grow. */
	{
		struct weft_chunk_put	sc[1000];
		uint8_t			(*sd)[8] = malloc(40000 * 8);

		assert_non_null(sd);
		for (size_t i = 0; i < 40000; i += 1000) {
			for (size_t j = 0; j < 1000; j++) {
				memcpy(sd[i + j], &(uint64_t){ i + j }, 8);
				sc[j].data = sd[i + j];
				sc[j].len = 8;
				weft_hash(sc[j].data, 8, sc[j].id);
			}
			assert_int_equal(weft_store_chunks_put(f->s, sc,
			    1000), 0);
		}
		free(sd);
	}
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.chunks, n + 40000);
	assert_true(st.map_size > MIB);
	assert_true(st.map_used > MIB);

	/* Everything is there, also after reopening with the small size. */
	reopen(f, &o);
	weft_buf_init(&out, csz);
	for (size_t i = 0; i < n; i++) {
		weft_hash(data + i * csz, csz, g);
		weft_buf_reset(&out);
		assert_int_equal(weft_store_chunk_get(f->s, g, &out), 0);
		assert_memory_equal(out.data, data + i * csz, csz);
	}
	weft_buf_release(&out);
	free(data);
}

struct writer {
	struct weft_store	*s;
	uint8_t			 seed;
	int			 err;
};

#define THREAD_CHUNKS	48
#define THREAD_CSZ	(64 * 1024)

static void
thread_chunk(uint8_t seed, int i, uint8_t *p)
{
	for (int j = 0; j < THREAD_CSZ; j += 4) {
		p[j] = seed;
		p[j + 1] = (uint8_t)i;
		p[j + 2] = (uint8_t)(j >> 8);
		p[j + 3] = (uint8_t)(j >> 16);
	}
}

static void *
writer_main(void *arg)
{
	struct writer		*w = arg;
	struct weft_chunk_put	 c;
	uint8_t			*p;

	p = malloc(THREAD_CSZ);
	if (p == NULL) {
		w->err = -ENOMEM;
		return NULL;
	}
	for (int i = 0; i < THREAD_CHUNKS && w->err == 0; i++) {
		thread_chunk(w->seed, i, p);
		c.data = p;
		c.len = THREAD_CSZ;
		weft_hash(p, THREAD_CSZ, c.id);
		w->err = weft_store_chunks_put(w->s, &c, 1);
	}
	free(p);
	return NULL;
}

struct reader {
	struct weft_store	*s;
	atomic_int		 stop;
	int			 err;
	unsigned		 rounds;
};

static void *
reader_main(void *arg)
{
	struct reader		*r = arg;
	struct weft_store_stats	 st;
	uint8_t			 id[32] = { 0 };
	int			 err;

	while (!atomic_load(&r->stop) && r->err == 0) {
		r->err = weft_store_stats(r->s, &st);
		err = weft_store_chunk_has(r->s, id);
		if (r->err == 0 && err != WEFT_ENOTFOUND)
			r->err = err;
		r->rounds++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fx		*f = *state;
	struct weft_store_opts	 o = { .map_size = MIB };
	struct writer		 w[2] = { { .seed = 1 }, { .seed = 2 } };
	struct reader		 rd = { .err = 0 };
	struct weft_store_stats	 st;
	pthread_t		 t[3];
	uint8_t			*p, id[32];

	/* Two writers grow a 1 MiB map while a reader keeps reading. */
	reopen(f, &o);
	rd.s = f->s;
	atomic_init(&rd.stop, 0);
	assert_int_equal(pthread_create(&t[2], NULL, reader_main, &rd), 0);
	for (int i = 0; i < 2; i++) {
		w[i].s = f->s;
		assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]),
		    0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	atomic_store(&rd.stop, 1);
	assert_int_equal(pthread_join(t[2], NULL), 0);
	assert_int_equal(w[0].err, 0);
	assert_int_equal(w[1].err, 0);
	assert_int_equal(rd.err, 0);
	assert_true(rd.rounds > 0);

	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.chunks, 2 * THREAD_CHUNKS);
	assert_int_equal(st.chunk_bytes, 2 * THREAD_CHUNKS * THREAD_CSZ);
	p = malloc(THREAD_CSZ);
	assert_non_null(p);
	for (int k = 1; k <= 2; k++)
		for (int i = 0; i < THREAD_CHUNKS; i++) {
			thread_chunk((uint8_t)k, i, p);
			weft_hash(p, THREAD_CSZ, id);
			assert_int_equal(weft_store_chunk_has(f->s, id), 0);
		}
	free(p);
}

struct bad_seen {
	int	n;
	char	kind[8];
	uint8_t	id[32];
	int	err;
};

static void
bad_cb(void *arg, const char *kind, const uint8_t id[WEFT_ID_BYTES], int err)
{
	struct bad_seen	*b = arg;

	b->n++;
	snprintf(b->kind, sizeof(b->kind), "%s", kind);
	memcpy(b->id, id, 32);
	b->err = err;
}

/* Overwrites the value of key in LMDB database name, store closed. */
static void
poke(const char *dir, const char *name, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k = { klen, (void *)key }, v = { vlen, (void *)val };

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_verify(void **state)
{
	struct fx		*f = *state;
	struct weft_chunk_put	 c[300];
	struct bad_seen		 bs = { 0 };
	struct author		 a;
	struct weft_buf		 env;
	uint8_t			 data[300][16], g[32], r1[32];
	uint64_t		 nr, nc;

	/* More chunks than one verification batch. */
	for (int i = 0; i < 300; i++) {
		randombytes_buf(data[i], sizeof(data[i]));
		c[i].data = data[i];
		c[i].len = sizeof(data[i]);
		weft_hash(data[i], sizeof(data[i]), c[i].id);
	}
	assert_int_equal(weft_store_chunks_put(f->s, c, 300), 0);
	author_new(&a);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 }, 0, g);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1, .design = g,
	    .prev = { g } }, 0, r1);

	assert_int_equal(weft_store_verify(f->s, bad_cb, &bs, &nr, &nc), 0);
	assert_int_equal(bs.n, 0);
	assert_int_equal(nr, 2);
	assert_int_equal(nc, 300);

	/* Alter one chunk's bytes behind the store's back. */
	weft_store_close(f->s);
	f->s = NULL;
	pack_flip(f->dir, data[123], 16);
	/* And store g's envelope under r1's key (ts || id). */
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	assert_int_equal(weft_store_record_get(f->s, g, &env), 0);
	weft_store_close(f->s);
	f->s = NULL;
	{
		uint8_t	rk[40];

		for (int i = 0; i < 8; i++)
			rk[i] = (uint8_t)((TS0 + 1) >> (56 - 8 * i));
		memcpy(rk + 8, r1, 32);
		poke(f->dir, "recs", rk, sizeof(rk), env.data, env.len);
	}
	weft_buf_release(&env);
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);

	memset(&bs, 0, sizeof(bs));
	assert_int_equal(weft_store_verify(f->s, bad_cb, &bs, &nr, &nc), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(nc, 300);
	assert_int_equal(bs.n, 2);
	/* Records are walked first, so the chunk is the last one seen. */
	assert_string_equal(bs.kind, "chunk");
	assert_memory_equal(bs.id, c[123].id, 32);
	assert_int_equal(bs.err, WEFT_EBADHASH);
}

static void
test_reopen(void **state)
{
	struct fx		*f = *state;
	struct weft_store_stats	 st;
	struct author		 a;
	struct weft_buf		 env;
	struct got		 h;
	uint8_t			 g[32], r1[32], lib[32], id[32];
	uint8_t			 ver[4] = { 0, 0, 0, 99 };
	char			 hex[WEFT_ID_HEX];

	author_new(&a);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0,
	    .title = "Hinge", .tags = { "box" } }, 0, g);
	put_rev(f->s, &(struct rev_spec){ .a = &a, .ts = TS0 + 1, .design = g,
	    .prev = { g }, .title = "Hinge v2", .tags = { "box" } }, 0, r1);
	mk_lib(&a, TS0 + 2, "Boxes", NULL, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, lib),
	    0);
	mk_entry(&a, TS0 + 3, lib, g, WEFT_ENTRY_ADD, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    0);

	reopen(f, NULL);
	assert_int_equal(weft_store_stats(f->s, &st), 0);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.designs, 1);
	assert_int_equal(st.libs, 1);
	walk_heads(f->s, g, &h);
	assert_int_equal(h.n, 1);
	assert_memory_equal(h.ids[0], r1, 32);
	walk_search(f->s, "hinge v", &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.titles[0], "Hinge v2");
	walk_ls(f->s, a.pk, "BOX", &h);
	assert_int_equal(h.n, 1);
	memset(&h, 0, sizeof(h));
	assert_int_equal(weft_store_lib_designs(f->s, lib, got_cb, &h), 0);
	assert_int_equal(h.n, 1);
	weft_hex_encode(hex, r1, 32);
	hex[10] = '\0';
	assert_int_equal(weft_store_resolve(f->s, hex, id), 0);
	assert_memory_equal(id, r1, 32);
	/* Re-putting after reopen is still a duplicate. */
	mk_lib(&a, TS0 + 2, "Boxes", NULL, &env);
	assert_int_equal(weft_store_record_put(f->s, env.data, env.len, NULL),
	    WEFT_EEXISTS);
	weft_buf_release(&env);

	/* An unknown format version is refused. */
	weft_store_close(f->s);
	f->s = NULL;
	poke(f->dir, "meta", "version", 7, ver, 4);
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), WEFT_EVERSION);
	assert_null(f->s);
}

static void
test_open_errors(void **state)
{
	struct weft_store	*s = NULL;

	(void)state;
	assert_int_equal(weft_store_open(&s, "/nonexistent/weft/store", NULL),
	    -ENOENT);
	assert_null(s);
	weft_store_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_types, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exists_and_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rights_and_deps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_heads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_license_conflict, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_license_grant_retract,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_rank, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_len, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_growth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test(test_open_errors),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
