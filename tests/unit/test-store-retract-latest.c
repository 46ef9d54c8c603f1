/*
 * Retracting a record that was in force (issue 11 part 3 gaps,
 * store_social.c, store_ingest.c): taking back an author's latest
 * reaction or profile puts the latest one still stored back in force
 * (latest-wins among those not taken back), with the like counts and
 * the count-ordered index right; taking back one that was not the
 * latest changes nothing. Taking back the library entry in force puts
 * the latest other one of the same library and design in force, and the
 * design leaves (or joins) the library's listing and its sync scope
 * (the revisions and comments of the design with it). rm --records
 * takes out with the design the comments, makes, reactions and library
 * entries naming it, under local tombstones, counts back to zero, and
 * refuses them when they are offered again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"
#include "weft/recon.h"

#include "store.h"

#define NAUTH	3
#define TS0	UINT64_C(1700000000000)

static uint8_t	pk[NAUTH][WEFT_PK_BYTES];
static uint8_t	sk[NAUTH][WEFT_SK_BYTES];

struct fx {
	struct weft_store	*s;
	char			 dir[64];
	uint8_t			 des[WEFT_ID_BYTES];
};

static void
put(struct weft_store *s, struct weft_record *r, int a,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	body, env;
	uint8_t		tmp[WEFT_ID_BYTES];

	memcpy(r->author, pk[a], WEFT_PK_BYTES);
	weft_record_sort(r);
	assert_int_equal(weft_record_check(r), 0);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[a], &env),
	    0);
	weft_record_id(body.data, body.len, id != NULL ? id : tmp);
	assert_int_equal(weft_store_record_put(s, env.data, env.len, NULL),
	    0);
	weft_buf_release(&body);
	weft_buf_release(&env);
	weft_record_release(r);
}

/* Signs r by a into env (not stored); its id in id. */
static void
sign_only(struct weft_record *r, int a, struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	body;

	memcpy(r->author, pk[a], WEFT_PK_BYTES);
	weft_record_sort(r);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, &body), 0);
	assert_int_equal(weft_record_sign(body.data, body.len, sk[a], env),
	    0);
	weft_record_id(body.data, body.len, id);
	weft_buf_release(&body);
	weft_record_release(r);
}

static void
react(struct fx *f, int a, uint64_t ts, bool like, uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_REACTION;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, f->des, WEFT_ID_BYTES);
	r.value = strdup(like ? "like" : "");
	put(f->s, &r, a, id);
}

static void
profile(struct fx *f, int a, uint64_t ts, const char *name, uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_PROFILE;
	r.ts = ts;
	r.name = strdup(name);
	r.bio = strdup("");
	put(f->s, &r, a, id);
}

static void
retract_in(struct fx *f, int a, uint64_t ts, const uint8_t target[32],
    const uint8_t *scope)
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	r.ts = ts;
	if (scope != NULL) {
		r.has_scope = true;
		memcpy(r.scope, scope, 32);
	}
	r.targets.ids = malloc(32);
	assert_non_null(r.targets.ids);
	memcpy(r.targets.ids[0], target, 32);
	r.targets.n = 1;
	r.reason = strdup("");
	put(f->s, &r, a, NULL);
}

static void
retract(struct fx *f, int a, uint64_t ts, const uint8_t target[32])
{
	retract_in(f, a, ts, target, NULL);
}

static uint64_t
likes(struct fx *f)
{
	uint64_t	n[WEFT_COUNT_KINDS];

	assert_int_equal(weft_store_design_counts(f->s, f->des, n), 0);
	return n[WEFT_COUNT_LIKES];
}

/* Author a's reaction in force: 1 like, 0 not, -1 none. */
static int
liking(struct fx *f, int a, uint64_t *ts)
{
	bool	like;
	int	err;

	err = weft_store_reaction(f->s, f->des, pk[a], &like, ts);
	if (err == WEFT_ENOTFOUND)
		return -1;
	assert_int_equal(err, 0);
	return like;
}

/* The name of author a's profile in force ("" for none). */
static void
profile_name(struct fx *f, int a, char *name, size_t size)
{
	struct weft_record	 r;
	struct weft_buf		 b;
	const uint8_t		*body, *sig;
	size_t			 blen;
	int			 err;

	weft_buf_init(&b, WEFT_RECORD_MAX);
	err = weft_store_profile(f->s, pk[a], &b);
	name[0] = '\0';
	if (err == 0) {
		weft_record_init(&r);
		assert_int_equal(weft_record_open(b.data, b.len, &body, &blen,
		    &sig), 0);
		assert_int_equal(weft_record_decode_body(body, blen, &r), 0);
		snprintf(name, size, "%s", r.name);
		weft_record_release(&r);
	} else {
		assert_int_equal(err, WEFT_ENOTFOUND);
	}
	weft_buf_release(&b);
}

static int
setup(void **state)
{
	struct weft_record	 r;
	struct fx		*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/weft-rlatest-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(weft_store_open(&f->s, f->dir, NULL), 0);
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.ts = TS0;
	r.title = strdup("gear");
	r.license = strdup("CC-BY-4.0");
	r.message = strdup("");
	put(f->s, &r, 0, f->des);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	weft_store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_reaction(void **state)
{
	struct fx	*f = *state;
	uint8_t		 l1[32], u2[32], l3[32], o1[32];
	uint64_t	 ts;

	/* Author 1: like, then unlike; author 2 likes. */
	react(f, 1, TS0 + 10, true, l1);
	react(f, 1, TS0 + 20, false, u2);
	react(f, 2, TS0 + 15, true, o1);
	assert_int_equal(liking(f, 1, &ts), 0);
	assert_int_equal(likes(f), 1);

	/* The unlike taken back: the like stands again, counted. */
	retract(f, 1, TS0 + 30, u2);
	assert_int_equal(liking(f, 1, &ts), 1);
	assert_int_equal(ts, TS0 + 10);
	assert_int_equal(likes(f), 2);

	/* A second like, then it is taken back: the first still counts. */
	react(f, 1, TS0 + 40, true, l3);
	assert_int_equal(likes(f), 2);
	retract(f, 1, TS0 + 50, l3);
	assert_int_equal(liking(f, 1, &ts), 1);
	assert_int_equal(ts, TS0 + 10);
	assert_int_equal(likes(f), 2);

	/* The last one taken back: none in force, not counted. */
	retract(f, 1, TS0 + 60, l1);
	assert_int_equal(liking(f, 1, &ts), -1);
	assert_int_equal(likes(f), 1);
	/* The other author's like was never touched. */
	assert_int_equal(liking(f, 2, &ts), 1);
}

/* Taking back a superseded reaction changes nothing. */
static void
test_reaction_old(void **state)
{
	struct fx	*f = *state;
	uint8_t		 u1[32], l2[32];
	uint64_t	 ts;

	react(f, 1, TS0 + 10, false, u1);
	react(f, 1, TS0 + 20, true, l2);
	retract(f, 1, TS0 + 30, u1);
	assert_int_equal(liking(f, 1, &ts), 1);
	assert_int_equal(ts, TS0 + 20);
	assert_int_equal(likes(f), 1);
}

static void
test_profile(void **state)
{
	struct fx	*f = *state;
	uint8_t		 p1[32], p2[32], p3[32];
	char		 name[64];

	profile(f, 1, TS0 + 10, "Ada", p1);
	profile(f, 1, TS0 + 20, "Ada L.", p2);
	profile(f, 1, TS0 + 30, "Oops", p3);
	profile_name(f, 1, name, sizeof(name));
	assert_string_equal(name, "Oops");

	/* The latest taken back: the one before is in force. */
	retract(f, 1, TS0 + 40, p3);
	profile_name(f, 1, name, sizeof(name));
	assert_string_equal(name, "Ada L.");

	/* An older one taken back: the latest stays. */
	retract(f, 1, TS0 + 50, p1);
	profile_name(f, 1, name, sizeof(name));
	assert_string_equal(name, "Ada L.");

	/* The last one: none. */
	retract(f, 1, TS0 + 60, p2);
	profile_name(f, 1, name, sizeof(name));
	assert_string_equal(name, "");
}

static void
lib_new(struct fx *f, int a, uint64_t ts, uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_LIB;
	r.ts = ts;
	r.name = strdup("shelf");
	r.description = strdup("");
	r.maintainers.ids = malloc(WEFT_ID_BYTES);
	assert_non_null(r.maintainers.ids);
	memcpy(r.maintainers.ids[0], pk[a], WEFT_ID_BYTES);
	r.maintainers.n = 1;
	put(f->s, &r, a, id);
}

static void
entry(struct fx *f, int a, uint64_t ts, const uint8_t lib[32], bool add,
    uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	r.ts = ts;
	memcpy(r.lib, lib, 32);
	memcpy(r.entry_design, f->des, 32);
	r.action = add ? WEFT_ENTRY_ADD : WEFT_ENTRY_REMOVE;
	put(f->s, &r, a, id);
}

static void
comment(struct fx *f, int a, uint64_t ts, uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_COMMENT;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, f->des, WEFT_ID_BYTES);
	r.text = strdup("nice");
	put(f->s, &r, a, id);
}

static int
count_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *d,
    size_t n)
{
	(void)id;
	(void)d;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

struct ids {
	uint8_t	v[64][WEFT_ID_BYTES];
	size_t	n;
};

static int
ids_cb(void *arg, const uint8_t id[WEFT_RECON_ID_BYTES])
{
	struct ids	*l = arg;

	assert_true(l->n < 64);
	memcpy(l->v[l->n++], id, WEFT_ID_BYTES);
	return 0;
}

/* Whether id is in lib's sync scope. */
static bool
in_lib_scope(struct fx *f, const uint8_t lib[32], const uint8_t id[32])
{
	const struct weft_recon_set	*ss = &weft_store_recon_set;
	struct weft_store_recon		*rc;
	struct ids			 l;
	uint64_t			 n;
	bool				 in = false;

	l.n = 0;
	assert_int_equal(weft_store_recon_begin_scope(f->s,
	    WEFT_STORE_SCOPE_LIB, lib, &rc), 0);
	assert_int_equal(ss->size(rc, &n), 0);
	assert_int_equal(ss->ids(rc, 0, n, ids_cb, &l), 0);
	weft_store_recon_end(rc);
	for (size_t i = 0; i < l.n; i++)
		in |= memcmp(l.v[i], id, 32) == 0;
	return in;
}

/* The design (and its comment) in lib's listing and scope, or neither. */
static void
held(struct fx *f, const uint8_t lib[32], const uint8_t c[32], bool yes)
{
	int	n = 0;

	assert_int_equal(weft_store_lib_designs(f->s, lib, count_cb, &n), 0);
	assert_int_equal(n, yes ? 1 : 0);
	assert_int_equal(in_lib_scope(f, lib, f->des), yes);
	assert_int_equal(in_lib_scope(f, lib, c), yes);
}

static void
test_entry(void **state)
{
	struct fx	*f = *state;
	uint8_t		 lib[32], e1[32], e2[32], e3[32], e4[32], c[32];

	lib_new(f, 1, TS0 + 1, lib);
	comment(f, 2, TS0 + 2, c);
	held(f, lib, c, false);
	entry(f, 1, TS0 + 10, lib, true, e1);
	entry(f, 1, TS0 + 20, lib, true, e2);
	held(f, lib, c, true);

	/* The latest add taken back: the first still holds it. */
	retract_in(f, 1, TS0 + 30, e2, lib);
	held(f, lib, c, true);
	/* A removal, taken back: held again. */
	entry(f, 1, TS0 + 40, lib, false, e3);
	held(f, lib, c, false);
	retract_in(f, 1, TS0 + 50, e3, lib);
	held(f, lib, c, true);
	/* The last add taken back: out of the listing and the scope. */
	retract_in(f, 1, TS0 + 60, e1, lib);
	held(f, lib, c, false);
	/* A new add brings it back, as before. */
	entry(f, 1, TS0 + 70, lib, true, e4);
	held(f, lib, c, true);
}

static void
make(struct fx *f, int a, uint64_t ts, uint8_t id[32])
{
	struct weft_record	r;

	weft_record_init(&r);
	r.type = WEFT_REC_MAKE;
	r.ts = ts;
	r.has_design = true;
	memcpy(r.design, f->des, WEFT_ID_BYTES);
	r.on_rev.ids = malloc(32);
	assert_non_null(r.on_rev.ids);
	memcpy(r.on_rev.ids[0], f->des, 32);
	r.on_rev.n = 1;
	r.text = strdup("printed fine");
	r.printer = strdup("");
	r.material = strdup("PLA");
	r.settings = strdup("");
	r.files = calloc(1, sizeof(*r.files));
	assert_non_null(r.files);
	r.nfiles = 1;
	r.files[0].path = strdup("photo.jpg");
	r.files[0].size = 100;
	memset(r.files[0].hash, 0x22, 32);
	memset(r.files[0].index, 0x33, 32);
	put(f->s, &r, a, id);
}

static int
have(struct fx *f, const uint8_t id[32])
{
	struct weft_buf	b;
	int		err;

	weft_buf_init(&b, WEFT_RECORD_MAX);
	err = weft_store_record_get(f->s, id, &b);
	weft_buf_release(&b);
	return err;
}

static void
test_remove_naming(void **state)
{
	struct fx		*f = *state;
	struct weft_store_tomb	 t;
	struct weft_record	 r;
	struct weft_buf		 again;
	uint64_t		 n[WEFT_COUNT_KINDS], files, ts;
	uint8_t			 lib[32], e1[32], e2[32], c[32], m[32];
	uint8_t			 l1[32], l2[32], u1[32], cid[32];
	uint8_t			*ids[] = { e1, e2, c, m, l1, l2, u1 };
	int			 nl = 0;

	lib_new(f, 1, TS0 + 1, lib);
	entry(f, 1, TS0 + 10, lib, true, e1);
	entry(f, 1, TS0 + 11, lib, true, e2);
	comment(f, 2, TS0 + 12, c);
	make(f, 2, TS0 + 13, m);
	react(f, 1, TS0 + 14, true, l1);
	react(f, 2, TS0 + 15, false, u1);
	react(f, 2, TS0 + 16, true, l2);
	assert_int_equal(weft_store_design_counts(f->s, f->des, n), 0);
	assert_int_equal(n[WEFT_COUNT_LIKES], 2);
	assert_int_equal(n[WEFT_COUNT_COMMENTS], 1);
	assert_int_equal(n[WEFT_COUNT_MAKES], 1);
	assert_int_equal(weft_store_lib_designs(f->s, lib, count_cb, &nl), 0);
	assert_int_equal(nl, 1);

	assert_int_equal(weft_store_design_remove(f->s, f->des, TS0 + 100,
	    &files), 0);

	/* Every record naming it is gone, under a local tombstone. */
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(have(f, ids[i]), WEFT_ENOTFOUND);
		assert_int_equal(weft_store_tomb(f->s, ids[i], &t), 0);
		assert_true(weft_store_tomb_local(&t));
		assert_true(t.confirmed);
	}
	/* Counts back to zero, no reaction in force, not listed. */
	assert_int_equal(weft_store_design_counts(f->s, f->des, n), 0);
	assert_int_equal(n[WEFT_COUNT_LIKES], 0);
	assert_int_equal(n[WEFT_COUNT_COMMENTS], 0);
	assert_int_equal(n[WEFT_COUNT_MAKES], 0);
	assert_int_equal(liking(f, 1, &ts), -1);
	assert_int_equal(liking(f, 2, &ts), -1);
	nl = 0;
	assert_int_equal(weft_store_lib_designs(f->s, lib, count_cb, &nl), 0);
	assert_int_equal(nl, 0);
	assert_false(in_lib_scope(f, lib, c));
	/* The library itself stays. */
	assert_int_equal(have(f, lib), 0);

	/* The comment offered again is refused. */
	weft_record_init(&r);
	r.type = WEFT_REC_COMMENT;
	r.ts = TS0 + 12;
	r.has_design = true;
	memcpy(r.design, f->des, WEFT_ID_BYTES);
	r.text = strdup("nice");
	sign_only(&r, 2, &again, cid);
	assert_memory_equal(cid, c, 32);
	assert_int_equal(weft_store_record_put(f->s, again.data, again.len,
	    NULL), WEFT_ERETRACTED);
	weft_buf_release(&again);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reaction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reaction_old, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_naming, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	for (int i = 0; i < NAUTH; i++)
		crypto_sign_keypair(pk[i], sk[i]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
