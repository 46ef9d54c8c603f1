/*
 * Records: canonical encoding, strict decoding, envelopes, signatures,
 * ids, paths, UTF-8 and licenses. Bodies that encode refuses to write are
 * built field by field with struct fields below, so every rejection rule
 * of the decoder is exercised on real bytes.
 *
 * Known-answer vectors live in tests/vectors/record-*.txt. Run with
 * WEFT_WRITE_VECTORS=1 to rewrite them after a deliberate format change.
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
#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#define TS	UINT64_C(1700000000000)

struct keys {
	uint8_t	pk[WEFT_PK_BYTES];
	uint8_t	sk[WEFT_SK_BYTES];
};

static void
keys_from(struct keys *k, uint8_t base)
{
	uint8_t	seed[crypto_sign_SEEDBYTES];

	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(base + i);
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
}

static char *
xstrdup(const char *s)
{
	char	*d = strdup(s);

	assert_non_null(d);
	return d;
}

static void
ids_fill(struct weft_id_list *l, uint32_t n, uint8_t base)
{
	l->ids = calloc(n ? n : 1, WEFT_ID_BYTES);
	assert_non_null(l->ids);
	l->n = n;
	for (uint32_t i = 0; i < n; i++)
		memset(l->ids[i], base + (int)i, WEFT_ID_BYTES);
}

static void
ids_clear(struct weft_id_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}

static void
fill_rev(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES],
    bool genesis)
{
	weft_record_init(r);
	r->type = WEFT_REC_REV;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS;
	if (!genesis) {
		r->has_design = true;
		memset(r->design, 0xd0, WEFT_ID_BYTES);
		ids_fill(&r->prev, 2, 0x10);
		ids_fill(&r->remix_of, 1, 0x20);
	}
	r->title = xstrdup(genesis ? "Benchy" : "Benchy, sturdier hull");
	r->description = xstrdup(genesis ? "A small test boat.\nPrint it." :
	    "");
	r->license = xstrdup("CC-BY-SA-4.0");
	r->message = xstrdup(genesis ? "" : "thicker walls");
	r->ntags = 2;
	r->tags = calloc(2, sizeof(*r->tags));
	assert_non_null(r->tags);
	r->tags[0] = xstrdup("boat");
	r->tags[1] = xstrdup("calibration");
	r->nfiles = 2;
	r->files = calloc(2, sizeof(*r->files));
	assert_non_null(r->files);
	r->files[0].path = xstrdup("README.md");
	r->files[0].size = 42;
	memset(r->files[0].hash, 0xa1, WEFT_ID_BYTES);
	memset(r->files[0].index, 0xa2, WEFT_ID_BYTES);
	r->files[1].path = xstrdup("stl/benchy.stl");
	r->files[1].size = 11010060;
	memset(r->files[1].hash, 0xb1, WEFT_ID_BYTES);
	memset(r->files[1].index, 0xb2, WEFT_ID_BYTES);
}

static void
fill_lib(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_LIB;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 1;
	r->name = xstrdup("Calibration prints");
	r->description = xstrdup("Models for tuning printers.");
	r->maintainers.ids = calloc(2, WEFT_ID_BYTES);
	assert_non_null(r->maintainers.ids);
	r->maintainers.n = 2;
	memcpy(r->maintainers.ids[0], pk, WEFT_PK_BYTES);
	memset(r->maintainers.ids[1], 0xff, WEFT_ID_BYTES);
	weft_record_sort(r);
}

static void
fill_entry(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_ENTRY;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 2;
	memset(r->lib, 0x11, WEFT_ID_BYTES);
	memset(r->entry_design, 0x22, WEFT_ID_BYTES);
	r->action = WEFT_ENTRY_ADD;
}

static void
fill_profile(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_PROFILE;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 3;
	r->name = xstrdup("Ada Lovelace");
	r->bio = xstrdup("Prints gears.\nMostly brass-coloured PLA.");
	r->nlinks = 2;
	r->links = calloc(2, sizeof(*r->links));
	assert_non_null(r->links);
	r->links[0] = xstrdup("https://example.org/ada");
	r->links[1] = xstrdup("http://example.net/");
	r->nfiles = 1;
	r->files = calloc(1, sizeof(*r->files));
	assert_non_null(r->files);
	r->files[0].path = xstrdup("avatar.png");
	r->files[0].size = 4321;
	memset(r->files[0].hash, 0xa1, WEFT_ID_BYTES);
	memset(r->files[0].index, 0xa2, WEFT_ID_BYTES);
}

static void
fill_comment(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_COMMENT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 4;
	r->has_design = true;
	memset(r->design, 0xd0, WEFT_ID_BYTES);
	ids_fill(&r->on_rev, 1, 0x30);
	ids_fill(&r->parent, 1, 0x31);
	ids_fill(&r->replaces, 0, 0);
	r->text = xstrdup("Printed at 0.2 mm: the hull is fine.\nThanks!");
}

static void
fill_reaction(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_REACTION;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 5;
	r->has_design = true;
	memset(r->design, 0xd0, WEFT_ID_BYTES);
	r->value = xstrdup("like");
}

static void
fill_make(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_MAKE;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 6;
	r->has_design = true;
	memset(r->design, 0xd0, WEFT_ID_BYTES);
	ids_fill(&r->on_rev, 1, 0x30);
	r->nfiles = 2;
	r->files = calloc(2, sizeof(*r->files));
	assert_non_null(r->files);
	r->files[0].path = xstrdup("side.jpg");
	r->files[0].size = 120000;
	memset(r->files[0].hash, 0xb1, WEFT_ID_BYTES);
	memset(r->files[0].index, 0xb2, WEFT_ID_BYTES);
	r->files[1].path = xstrdup("top.webp");
	r->files[1].size = 80000;
	memset(r->files[1].hash, 0xb3, WEFT_ID_BYTES);
	memset(r->files[1].index, 0xb4, WEFT_ID_BYTES);
	r->text = xstrdup("Came out clean; the hull needed no supports.");
	r->printer = xstrdup("Prusa MK4");
	r->material = xstrdup("PLA, galaxy black");
	r->settings = xstrdup("0.2 mm layers\n15% infill");
}

static void
fill_grant(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_GRANT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 3;
	memset(r->grant_design, 0x22, WEFT_ID_BYTES);
	memset(r->grant_to, 0x33, WEFT_PK_BYTES);
	r->license = strdup("CC-BY-SA-4.0");
	assert_non_null(r->license);
}

static void
fill_grant_anyone(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	fill_grant(r, pk);
	r->grant_anyone = true;
	memset(r->grant_to, 0, WEFT_PK_BYTES);
	r->license[0] = '\0';
}

/*
 * A geom record: the golden bracket's facts (docs/proto/geom.md
 * "Vectors") with a flat D2 histogram, a file that was not read, and a
 * thumbnail.
 */
static void
fill_geom(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	static const char k0[] = "191012e665f509f0435d4b120dff6222"
	    "97faf00abb520ba52ee153a685acd3bc";
	static const char k1[] = "2ad7b83486dad970e315f2d1dd7ea3e9"
	    "b49d0bd974c1484cef52ac963512a914";
	struct weft_geom_fact	*g;

	weft_record_init(r);
	r->type = WEFT_REC_GEOM;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 4;
	r->has_design = true;
	memset(r->design, 0x22, WEFT_ID_BYTES);
	ids_fill(&r->on_rev, 1, 0x44);
	r->ngfacts = 2;
	r->gfacts = calloc(2, sizeof(*r->gfacts));
	assert_non_null(r->gfacts);
	g = &r->gfacts[0];
	g->path = xstrdup("bracket.stl");
	memset(g->hash, 0x55, WEFT_ID_BYTES);
	g->format = xstrdup("stl");
	g->note = xstrdup("");
	g->unit = xstrdup("millimeter");
	g->triangles = 20;
	g->box[0] = 40000;
	g->box[1] = 25000;
	g->box[2] = 15000;
	g->extents[0] = 46657;
	g->extents[1] = 30790;
	g->extents[2] = 25580;
	g->area = 338000;
	g->closed = true;
	g->volume = 6450000;
	g->open = xstrdup("");
	g->parts = 1;
	g->has_key = true;
	assert_int_equal(weft_hex_decode(g->key, 32, k0, 64), 0);
	assert_int_equal(weft_hex_decode(g->key + 32, 32, k1, 64), 0);
	g->has_d2 = true;
	for (int i = 0; i < WEFT_GD2_BYTES; i += 2) {
		g->d2[i] = 0x01;	/* 256 in each of 64 bins */
		g->d2[i + 1] = 0x00;
	}
	g->has_ratio = true;
	g->ratio[0] = 435480;
	g->ratio[1] = 300590;
	g = &r->gfacts[1];
	g->path = xstrdup("broken.stl");
	memset(g->hash, 0x66, WEFT_ID_BYTES);
	g->format = xstrdup("stl");
	g->note = xstrdup("a coordinate is not a finite number (triangle 1)");
	g->unit = xstrdup("");
	g->open = xstrdup("");
	/* Sorted by path: "bracket.stl" < "broken.stl". */
	r->nfiles = 1;
	r->files = calloc(1, sizeof(*r->files));
	assert_non_null(r->files);
	r->files[0].path = xstrdup("thumbnail.png");
	r->files[0].size = 3253;
	memset(r->files[0].hash, 0x77, WEFT_ID_BYTES);
	memset(r->files[0].index, 0x88, WEFT_ID_BYTES);
}

static void
fill_label(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_LABEL;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 7;
	r->label_on = WEFT_LABEL_DESIGN;
	memset(r->label_target, 0x22, WEFT_ID_BYTES);
	r->label = xstrdup("spam");
	r->label_reason = xstrdup("the same model posted 40 times");
}

static void
fill_label_ns(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_LABEL;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 8;
	r->label_on = WEFT_LABEL_AUTHOR;
	memset(r->label_target, 0x33, WEFT_ID_BYTES);
	r->label = xstrdup("org.example/needs-review");
	r->label_reason = xstrdup("");
}

/* The label of label-ns withdrawn by its signer (a removal label). */
static void
fill_label_remove(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	char	base[WEFT_LABEL_MAX + 1];
	size_t	n;

	weft_record_init(r);
	r->type = WEFT_REC_LABEL;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 9;
	r->label_on = WEFT_LABEL_AUTHOR;
	memset(r->label_target, 0x33, WEFT_ID_BYTES);
	r->label = xstrdup("weft.not/org.example_needs-review");
	r->label_reason = xstrdup("reviewed: fine");
	assert_int_equal(weft_label_base(r->label, strlen(r->label), base,
	    &n), 1);
	assert_string_equal(base, "org.example/needs-review");
}

/* A design taken back, all its revisions, with a reason. */
static void
fill_retract(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_RETRACT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 9;
	r->has_scope = true;
	memset(r->scope, 0x22, WEFT_ID_BYTES);
	ids_fill(&r->targets, 1, 0x22);
	r->reason = xstrdup("Published by mistake: it held a private key.");
}

/* Two comments on no scope's design, no reason. */
static void
fill_retract_comments(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_RETRACT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 10;
	ids_fill(&r->targets, 2, 0x60);
	r->reason = xstrdup("");
}

static void
fill_receipt(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_RECEIPT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 4;
	r->has_design = true;
	memset(r->design, 0x22, WEFT_ID_BYTES);
	memset(r->receipt_rev, 0x44, WEFT_ID_BYTES);
	r->expires = TS + 4 + 86400000;	/* a day later */
}

static void
fill_maint(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_MAINT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 11;
	memset(r->lib, 0x11, WEFT_ID_BYTES);
	r->prev.ids = calloc(2, WEFT_ID_BYTES);
	assert_non_null(r->prev.ids);
	r->prev.n = 2;
	memset(r->prev.ids[0], 0x91, WEFT_ID_BYTES);
	memset(r->prev.ids[1], 0x90, WEFT_ID_BYTES);
	weft_record_sort(r);
	r->action = WEFT_ENTRY_ADD;
	memset(r->maint_key, 0x33, WEFT_PK_BYTES);
}

static void
fill_maint_rm(struct weft_record *r, const uint8_t pk[WEFT_PK_BYTES])
{
	weft_record_init(r);
	r->type = WEFT_REC_MAINT;
	memcpy(r->author, pk, WEFT_PK_BYTES);
	r->ts = TS + 12;
	memset(r->lib, 0x11, WEFT_ID_BYTES);
	r->action = WEFT_ENTRY_REMOVE;
	memset(r->maint_key, 0xff, WEFT_PK_BYTES);
}

static void
encode(const struct weft_record *r, struct weft_buf *b)
{
	weft_buf_init(b, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(r, b), 0);
}

static int
decode(const uint8_t *p, size_t n)
{
	struct weft_record	r;
	int			err;

	weft_record_init(&r);
	err = weft_record_decode_body(p, n, &r);
	weft_record_release(&r);
	return err;
}

static void
id_list_free(struct weft_id_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}

static void
assert_ids_equal(const struct weft_id_list *a, const struct weft_id_list *b)
{
	assert_int_equal(a->n, b->n);
	if (a->n > 0)
		assert_memory_equal(a->ids, b->ids, a->n * WEFT_ID_BYTES);
}

static void
assert_records_equal(const struct weft_record *a, const struct weft_record *b)
{
	assert_int_equal(a->type, b->type);
	assert_memory_equal(a->author, b->author, WEFT_PK_BYTES);
	assert_true(a->ts == b->ts);
	switch (a->type) {
	case WEFT_REC_REV:
		assert_int_equal(a->has_design, b->has_design);
		if (a->has_design)
			assert_memory_equal(a->design, b->design,
			    WEFT_ID_BYTES);
		assert_ids_equal(&a->prev, &b->prev);
		assert_ids_equal(&a->remix_of, &b->remix_of);
		assert_string_equal(a->title, b->title);
		assert_string_equal(a->description, b->description);
		assert_string_equal(a->license, b->license);
		assert_string_equal(a->message, b->message);
		assert_int_equal(a->ntags, b->ntags);
		for (uint32_t i = 0; i < a->ntags; i++)
			assert_string_equal(a->tags[i], b->tags[i]);
		assert_int_equal(a->nfiles, b->nfiles);
		for (uint32_t i = 0; i < a->nfiles; i++) {
			assert_string_equal(a->files[i].path, b->files[i].path);
			assert_true(a->files[i].size == b->files[i].size);
			assert_memory_equal(a->files[i].hash, b->files[i].hash,
			    WEFT_ID_BYTES);
			assert_memory_equal(a->files[i].index,
			    b->files[i].index, WEFT_ID_BYTES);
		}
		break;
	case WEFT_REC_GEOM:
		assert_memory_equal(a->design, b->design, WEFT_ID_BYTES);
		assert_ids_equal(&a->on_rev, &b->on_rev);
		assert_int_equal(a->ngfacts, b->ngfacts);
		for (uint32_t i = 0; i < a->ngfacts; i++) {
			const struct weft_geom_fact *x = &a->gfacts[i];
			const struct weft_geom_fact *y = &b->gfacts[i];

			assert_string_equal(x->path, y->path);
			assert_memory_equal(x->hash, y->hash, WEFT_ID_BYTES);
			assert_string_equal(x->format, y->format);
			assert_string_equal(x->note, y->note);
			assert_string_equal(x->unit, y->unit);
			assert_string_equal(x->open, y->open);
			assert_true(x->triangles == y->triangles);
			assert_memory_equal(x->box, y->box, sizeof(x->box));
			assert_memory_equal(x->extents, y->extents,
			    sizeof(x->extents));
			assert_true(x->area == y->area);
			assert_int_equal(x->closed, y->closed);
			if (x->closed)
				assert_true(x->volume == y->volume);
			assert_true(x->parts == y->parts);
			assert_int_equal(x->has_key, y->has_key);
			if (x->has_key)
				assert_memory_equal(x->key, y->key,
				    WEFT_GKEY_BYTES);
			assert_int_equal(x->has_d2, y->has_d2);
			if (x->has_d2)
				assert_memory_equal(x->d2, y->d2,
				    WEFT_GD2_BYTES);
			assert_int_equal(x->has_ratio, y->has_ratio);
			if (x->has_ratio)
				assert_memory_equal(x->ratio, y->ratio,
				    sizeof(x->ratio));
		}
		assert_int_equal(a->nfiles, b->nfiles);
		if (a->nfiles == 1) {
			assert_string_equal(a->files[0].path, b->files[0].path);
			assert_true(a->files[0].size == b->files[0].size);
			assert_memory_equal(a->files[0].hash, b->files[0].hash,
			    WEFT_ID_BYTES);
			assert_memory_equal(a->files[0].index,
			    b->files[0].index, WEFT_ID_BYTES);
		}
		break;
	case WEFT_REC_LIB:
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->description, b->description);
		assert_ids_equal(&a->maintainers, &b->maintainers);
		break;
	case WEFT_REC_ENTRY:
		assert_memory_equal(a->lib, b->lib, WEFT_ID_BYTES);
		assert_memory_equal(a->entry_design, b->entry_design,
		    WEFT_ID_BYTES);
		assert_int_equal(a->action, b->action);
		break;
	case WEFT_REC_MAINT:
		assert_memory_equal(a->lib, b->lib, WEFT_ID_BYTES);
		assert_ids_equal(&a->prev, &b->prev);
		assert_int_equal(a->action, b->action);
		assert_memory_equal(a->maint_key, b->maint_key,
		    WEFT_PK_BYTES);
		break;
	case WEFT_REC_PROFILE:
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->bio, b->bio);
		assert_int_equal(a->nlinks, b->nlinks);
		for (uint32_t i = 0; i < a->nlinks; i++)
			assert_string_equal(a->links[i], b->links[i]);
		assert_int_equal(a->nfiles, b->nfiles);
		if (a->nfiles == 1) {
			assert_string_equal(a->files[0].path, b->files[0].path);
			assert_true(a->files[0].size == b->files[0].size);
			assert_memory_equal(a->files[0].hash, b->files[0].hash,
			    WEFT_ID_BYTES);
		}
		break;
	case WEFT_REC_COMMENT:
		assert_memory_equal(a->design, b->design, WEFT_ID_BYTES);
		assert_ids_equal(&a->on_rev, &b->on_rev);
		assert_ids_equal(&a->parent, &b->parent);
		assert_ids_equal(&a->replaces, &b->replaces);
		assert_string_equal(a->text, b->text);
		break;
	case WEFT_REC_REACTION:
		assert_memory_equal(a->design, b->design, WEFT_ID_BYTES);
		assert_string_equal(a->value, b->value);
		break;
	case WEFT_REC_RETRACT:
		assert_int_equal(a->has_scope, b->has_scope);
		assert_memory_equal(a->scope, b->scope, WEFT_ID_BYTES);
		assert_ids_equal(&a->targets, &b->targets);
		assert_string_equal(a->reason ? a->reason : "",
		    b->reason ? b->reason : "");
		break;
	case WEFT_REC_MAKE:
		assert_memory_equal(a->design, b->design, WEFT_ID_BYTES);
		assert_ids_equal(&a->on_rev, &b->on_rev);
		assert_int_equal(a->nfiles, b->nfiles);
		for (uint32_t i = 0; i < a->nfiles; i++) {
			assert_string_equal(a->files[i].path, b->files[i].path);
			assert_true(a->files[i].size == b->files[i].size);
		}
		assert_string_equal(a->text, b->text);
		assert_string_equal(a->printer, b->printer);
		assert_string_equal(a->material, b->material);
		assert_string_equal(a->settings, b->settings);
		break;
	case WEFT_REC_GRANT:
		assert_memory_equal(a->grant_design, b->grant_design,
		    WEFT_ID_BYTES);
		assert_int_equal(a->grant_anyone, b->grant_anyone);
		assert_memory_equal(a->grant_to, b->grant_to, WEFT_PK_BYTES);
		assert_string_equal(a->license, b->license);
		break;
	case WEFT_REC_LABEL:
		assert_int_equal(a->label_on, b->label_on);
		assert_memory_equal(a->label_target, b->label_target,
		    WEFT_ID_BYTES);
		assert_string_equal(a->label, b->label);
		assert_string_equal(a->label_reason, b->label_reason);
		break;
	case WEFT_REC_RECEIPT:
		assert_memory_equal(a->design, b->design, WEFT_ID_BYTES);
		assert_memory_equal(a->receipt_rev, b->receipt_rev,
		    WEFT_ID_BYTES);
		assert_true(a->expires == b->expires);
		break;
	}
}


/* encode -> decode -> same record -> encode -> same bytes */
static void
roundtrip(const struct weft_record *r)
{
	struct weft_record	d;
	struct weft_buf		b, b2;

	encode(r, &b);
	weft_record_init(&d);
	assert_int_equal(weft_record_decode_body(b.data, b.len, &d), 0);
	assert_records_equal(r, &d);
	encode(&d, &b2);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	weft_record_release(&d);
	weft_buf_release(&b);
	weft_buf_release(&b2);
}

/*
 * Community records (profile, comment, reaction): round trips, and each
 * field rule refused by check and so by encode.
 */
static void
test_community(void **state)
{
	struct weft_record	r;
	struct keys		k;

	(void)state;
	keys_from(&k, 7);
	fill_profile(&r, k.pk);
	roundtrip(&r);
	free(r.links[1]);
	r.links[1] = xstrdup("javascript:alert(1)");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.links[1]);
	r.links[1] = xstrdup("https://a b");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.links[1]);
	r.links[1] = xstrdup("https://ok.example/");
	r.files[0].size = WEFT_AVATAR_MAX + 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.files[0].size = 10;
	free(r.name);
	r.name = xstrdup("two\nlines");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.name);
	r.name = xstrdup("");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	weft_record_release(&r);
	/* A profile with no links and no avatar. */
	fill_profile(&r, k.pk);
	for (uint32_t i = 0; i < r.nlinks; i++)
		free(r.links[i]);
	free(r.links);
	r.links = NULL;
	r.nlinks = 0;
	free(r.files[0].path);
	free(r.files);
	r.files = NULL;
	r.nfiles = 0;
	roundtrip(&r);
	weft_record_release(&r);

	fill_comment(&r, k.pk);
	roundtrip(&r);
	free(r.text);
	r.text = xstrdup("");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.text);
	r.text = xstrdup("bell\a");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.text);
	r.text = xstrdup("ok");
	id_list_free(&r.parent);
	ids_fill(&r.parent, 2, 0x40);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	id_list_free(&r.parent);
	ids_fill(&r.parent, 0, 0);
	r.has_design = false;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.has_design = true;
	roundtrip(&r);
	weft_record_release(&r);

	fill_make(&r, k.pk);
	roundtrip(&r);
	r.files[0].size = WEFT_MAKE_PHOTO_MAX + 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.files[0].size = 1;
	id_list_free(&r.on_rev);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	ids_fill(&r.on_rev, 1, 0x30);
	free(r.printer);
	r.printer = xstrdup("two\nlines");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.printer);
	r.printer = xstrdup("");
	roundtrip(&r);
	weft_record_release(&r);

	fill_reaction(&r, k.pk);
	roundtrip(&r);
	free(r.value);
	r.value = xstrdup("");
	roundtrip(&r);
	free(r.value);
	r.value = xstrdup("dislike");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	weft_record_release(&r);
}

static void
test_roundtrip(void **state)
{
	struct weft_record	r;
	struct keys		k;

	(void)state;
	keys_from(&k, 1);
	fill_rev(&r, k.pk, true);
	roundtrip(&r);
	weft_record_release(&r);
	fill_rev(&r, k.pk, false);
	roundtrip(&r);
	r.action = WEFT_ENTRY_REMOVE;	/* ignored by rev */
	weft_record_release(&r);
	fill_lib(&r, k.pk);
	roundtrip(&r);
	weft_record_release(&r);
	fill_entry(&r, k.pk);
	roundtrip(&r);
	r.action = WEFT_ENTRY_REMOVE;
	roundtrip(&r);
	weft_record_release(&r);

	/* Minimal rev: NULL description and message encode as "". */
	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	r.title = xstrdup("x");
	r.license = xstrdup("NOASSERTION");
	{
		struct weft_record	d;
		struct weft_buf		b;

		encode(&r, &b);
		weft_record_init(&d);
		assert_int_equal(weft_record_decode_body(b.data, b.len, &d),
		    0);
		assert_string_equal(d.description, "");
		assert_string_equal(d.message, "");
		weft_record_release(&d);
		weft_buf_release(&b);
	}
	weft_record_release(&r);
	assert_null(r.title);
}

static void
sign(const struct weft_record *r, const struct keys *k, struct weft_buf *env)
{
	struct weft_buf	b;

	encode(r, &b);
	weft_buf_init(env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_sign(b.data, b.len, k->sk, env), 0);
	weft_buf_release(&b);
}

static void
test_sign_verify(void **state)
{
	struct weft_record	 r, d;
	struct weft_buf		 env, body;
	struct keys		 k, other;
	const uint8_t		*bp, *sp;
	size_t			 blen;
	uint8_t			 id[WEFT_ID_BYTES], want[WEFT_ID_BYTES];

	(void)state;
	keys_from(&k, 1);
	keys_from(&other, 2);
	fill_rev(&r, k.pk, false);
	encode(&r, &body);
	sign(&r, &k, &env);

	assert_int_equal(weft_record_open(env.data, env.len, &bp, &blen, &sp),
	    0);
	assert_int_equal(blen, body.len);
	assert_memory_equal(bp, body.data, blen);
	assert_ptr_equal(sp, env.data + env.len - WEFT_SIG_BYTES);

	weft_record_init(&d);
	assert_int_equal(weft_record_verify(env.data, env.len, &d, id), 0);
	assert_records_equal(&r, &d);
	weft_record_release(&d);
	/* The id is BLAKE2b-256 of the body, computed independently. */
	assert_int_equal(crypto_generichash(want, sizeof(want), body.data,
	    body.len, NULL, 0), 0);
	assert_memory_equal(id, want, WEFT_ID_BYTES);
	weft_record_id(body.data, body.len, id);
	assert_memory_equal(id, want, WEFT_ID_BYTES);
	/* id may be NULL. */
	weft_record_init(&d);
	assert_int_equal(weft_record_verify(env.data, env.len, &d, NULL), 0);
	weft_record_release(&d);
	weft_buf_release(&env);

	/* Signed by a key that is not the author's. */
	weft_buf_init(&env, WEFT_RECORD_MAX);
	assert_int_equal(weft_record_sign(body.data, body.len, other.sk, &env),
	    0);
	weft_record_init(&d);
	assert_int_equal(weft_record_verify(env.data, env.len, &d, id),
	    WEFT_EBADSIG);
	weft_record_release(&d);
	weft_buf_release(&env);

	/* The signature covers the domain: a bare body signature fails. */
	{
		uint8_t			sig[WEFT_SIG_BYTES];
		struct weft_pack	pk;

		assert_int_equal(crypto_sign_detached(sig, NULL, body.data,
		    body.len, k.sk), 0);
		weft_buf_init(&env, WEFT_RECORD_MAX);
		weft_pack_init(&pk, &env);
		weft_pack_array(&pk, 2);
		weft_pack_bin(&pk, body.data, body.len);
		weft_pack_bin(&pk, sig, sizeof(sig));
		assert_int_equal(weft_pack_error(&pk), 0);
		weft_record_init(&d);
		assert_int_equal(weft_record_verify(env.data, env.len, &d,
		    NULL), WEFT_EBADSIG);
		weft_record_release(&d);
		weft_buf_release(&env);
	}

	/* A buffer too small for the envelope is left unchanged. */
	weft_buf_init(&env, body.len);
	assert_int_equal(weft_record_sign(body.data, body.len, k.sk, &env),
	    WEFT_ETOOBIG);
	assert_int_equal(env.len, 0);
	weft_buf_release(&env);
	weft_buf_release(&body);
	weft_record_release(&r);
}

/* Every flipped bit, every truncation and any trailing byte fail. */
static void
test_tamper(void **state)
{
	struct weft_record	 r, d;
	struct weft_buf		 env;
	struct keys		 k;
	uint8_t			*p;

	(void)state;
	keys_from(&k, 1);
	fill_rev(&r, k.pk, false);
	sign(&r, &k, &env);
	p = malloc(env.len + 1);
	assert_non_null(p);
	for (size_t i = 0; i < env.len * 8; i++) {
		memcpy(p, env.data, env.len);
		p[i / 8] ^= (uint8_t)(1u << (i % 8));
		weft_record_init(&d);
		assert_int_not_equal(weft_record_verify(p, env.len, &d, NULL),
		    0);
		weft_record_release(&d);
	}
	for (size_t n = 0; n < env.len; n++) {
		/* A fresh copy so ASan sees any read past n. */
		uint8_t *t = malloc(n ? n : 1);

		assert_non_null(t);
		memcpy(t, env.data, n);
		weft_record_init(&d);
		assert_int_not_equal(weft_record_verify(t, n, &d, NULL), 0);
		weft_record_release(&d);
		free(t);
	}
	memcpy(p, env.data, env.len);
	p[env.len] = 0xc0;
	weft_record_init(&d);
	assert_int_equal(weft_record_verify(p, env.len + 1, &d, NULL),
	    WEFT_EPROTO);
	weft_record_release(&d);
	free(p);
	weft_buf_release(&env);
	weft_record_release(&r);
}

/* head || 3-byte body || sighead || 64 zero bytes, into raw. */
static size_t
raw_env(uint8_t *raw, const char *head, size_t hn, const char *sighead,
    size_t sn)
{
	size_t	n = 0;

	memcpy(raw + n, head, hn);
	n += hn;
	memcpy(raw + n, "\x81\xa1\x61", 3);
	n += 3;
	memcpy(raw + n, sighead, sn);
	n += sn;
	memset(raw + n, 0, WEFT_SIG_BYTES);
	return n + WEFT_SIG_BYTES;
}

/* Envelope shape: exactly [bin body, bin sig(64)], shortest headers. */
static void
test_open_strict(void **state)
{
	const uint8_t		*bp, *sp;
	size_t			 blen;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	uint8_t			 sig[WEFT_SIG_BYTES] = { 0 }, body[3] = {
	    0x81, 0xa1, 0x61 };
	uint8_t			 raw[128], *big;
	size_t			 n;

	(void)state;
	/* The well-formed base case. */
	weft_buf_init(&b, WEFT_RECORD_MAX);
	weft_pack_init(&pk, &b);
	weft_pack_array(&pk, 2);
	weft_pack_bin(&pk, body, sizeof(body));
	weft_pack_bin(&pk, sig, sizeof(sig));
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp), 0);
	assert_int_equal(blen, 3);

	/* Three elements. */
	weft_buf_reset(&b);
	weft_pack_array(&pk, 3);
	weft_pack_bin(&pk, body, sizeof(body));
	weft_pack_bin(&pk, sig, sizeof(sig));
	weft_pack_nil(&pk);
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp),
	    WEFT_EPROTO);
	/* Short signature. */
	weft_buf_reset(&b);
	weft_pack_array(&pk, 2);
	weft_pack_bin(&pk, body, sizeof(body));
	weft_pack_bin(&pk, sig, sizeof(sig) - 1);
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp),
	    WEFT_EPROTO);
	/* Signature as str, body as str. */
	weft_buf_reset(&b);
	weft_pack_array(&pk, 2);
	weft_pack_bin(&pk, body, sizeof(body));
	weft_pack_strn(&pk, sig, sizeof(sig));
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp),
	    WEFT_EPROTO);
	weft_buf_reset(&b);
	weft_pack_array(&pk, 2);
	weft_pack_strn(&pk, body, sizeof(body));
	weft_pack_bin(&pk, sig, sizeof(sig));
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp),
	    WEFT_EPROTO);
	/* Empty body. */
	weft_buf_reset(&b);
	weft_pack_array(&pk, 2);
	weft_pack_bin(&pk, body, 0);
	weft_pack_bin(&pk, sig, sizeof(sig));
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp),
	    WEFT_EPROTO);
	/* A map, not an array. */
	weft_buf_reset(&b);
	weft_pack_map(&pk, 1);
	weft_pack_str(&pk, "a");
	weft_pack_bin(&pk, sig, sizeof(sig));
	assert_int_equal(weft_record_open(b.data, b.len, &bp, &blen, &sp),
	    WEFT_EPROTO);
	weft_buf_release(&b);

	/* Valid msgpack with wider headers than needed: not canonical. */
	n = raw_env(raw, "\x92\xc4\x03", 3, "\xc4\x40", 2);
	assert_int_equal(weft_record_open(raw, n, &bp, &blen, &sp), 0);
	assert_memory_equal(bp, "\x81\xa1\x61", 3);
	n = raw_env(raw, "\x92\xc5\x00\x03", 4, "\xc4\x40", 2);
	assert_int_equal(weft_record_open(raw, n, &bp, &blen, &sp),
	    WEFT_EPROTO);
	n = raw_env(raw, "\x92\xc6\x00\x00\x00\x03", 6, "\xc4\x40", 2);
	assert_int_equal(weft_record_open(raw, n, &bp, &blen, &sp),
	    WEFT_EPROTO);
	n = raw_env(raw, "\xdc\x00\x02\xc4\x03", 5, "\xc4\x40", 2);
	assert_int_equal(weft_record_open(raw, n, &bp, &blen, &sp),
	    WEFT_EPROTO);
	n = raw_env(raw, "\x92\xc4\x03", 3, "\xc5\x00\x40", 3);
	assert_int_equal(weft_record_open(raw, n, &bp, &blen, &sp),
	    WEFT_EPROTO);

	/* Over the envelope limit, before anything is parsed. */
	big = calloc(1, WEFT_RECORD_MAX + 1);
	assert_non_null(big);
	assert_int_equal(weft_record_open(big, WEFT_RECORD_MAX + 1, &bp,
	    &blen, &sp), WEFT_ETOOBIG);
	free(big);
}

/*
 * A body as a list of (key, encoded value) pairs, to build the bodies
 * encode refuses to produce.
 */
struct field {
	char		key[16];
	uint8_t		val[4096];
	size_t		len;
};

struct fields {
	struct field	f[16];
	int		n;
};

/* Splits a canonical body (all keys fixstr) into its fields. */
static void
fields_split(struct fields *fs, const uint8_t *p, size_t len)
{
	struct weft_msg	 m;
	size_t		 off;

	assert_int_equal(weft_msg_decode(&m, p, len), 0);
	fs->n = (int)weft_obj_len(m.root);
	weft_msg_release(&m);
	assert_true(p[0] >= 0x80 && p[0] <= 0x8f);
	off = 1;
	for (int i = 0; i < fs->n; i++) {
		struct field	*f = &fs->f[i];
		size_t		 klen = p[off] & 0x1f, end;

		memcpy(f->key, p + off + 1, klen);
		f->key[klen] = '\0';
		off += 1 + klen;
		/* The value ends where the next fixstr key starts. */
		end = len;
		if (i + 1 < fs->n) {
			/* msgpack is prefix-free: the first decodable prefix. */
			for (end = off + 1; end < len; end++) {
				struct weft_msg	vm;

				if (weft_msg_decode(&vm, p + off, end - off) ==
				    0) {
					weft_msg_release(&vm);
					break;
				}
			}
		}
		f->len = end - off;
		assert_true(f->len <= sizeof(f->val));
		memcpy(f->val, p + off, f->len);
		off = end;
	}
	assert_int_equal(off, len);
}

static void
fields_join(const struct fields *fs, struct weft_buf *b)
{
	struct weft_pack	pk;

	weft_buf_init(b, WEFT_RECORD_MAX);
	weft_pack_init(&pk, b);
	weft_pack_map(&pk, (uint32_t)fs->n);
	for (int i = 0; i < fs->n; i++) {
		weft_pack_str(&pk, fs->f[i].key);
		weft_pack_raw(&pk, fs->f[i].val, fs->f[i].len);
	}
	assert_int_equal(weft_pack_error(&pk), 0);
}

static int
fields_decode(const struct fields *fs)
{
	struct weft_buf	b;
	int		err;

	fields_join(fs, &b);
	err = decode(b.data, b.len);
	weft_buf_release(&b);
	return err;
}

static int
fields_find(const struct fields *fs, const char *key)
{
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].key, key) == 0)
			return i;
	fail_msg("no field %s", key);
	return -1;
}

/* Sets a field's value from a packing function's output. */
static void
fields_set_raw(struct fields *fs, const char *key, const void *p, size_t n)
{
	int	i = fields_find(fs, key);

	assert_true(n <= sizeof(fs->f[i].val));
	memcpy(fs->f[i].val, p, n);
	fs->f[i].len = n;
}

/* A value packed on its own, then put into a field. */
struct packed {
	struct weft_buf		b;
	struct weft_pack	pk;
};

static struct weft_pack *
packed_begin(struct packed *pp)
{
	weft_buf_init(&pp->b, sizeof(((struct field *)0)->val));
	weft_pack_init(&pp->pk, &pp->b);
	return &pp->pk;
}

static void
packed_set(struct packed *pp, struct fields *fs, const char *key)
{
	assert_int_equal(weft_pack_error(&pp->pk), 0);
	fields_set_raw(fs, key, pp->b.data, pp->b.len);
	weft_buf_release(&pp->b);
}

/* SET_PACKED(fs, key, expr): key's value becomes what expr packs. */
#define SET_PACKED(fs, key, expr)	do {				\
	struct packed		pp_;					\
	struct weft_pack	*pk = packed_begin(&pp_);		\
	(void)(expr);							\
	packed_set(&pp_, (fs), (key));					\
} while (0)

static void
fields_of(struct fields *fs, const struct weft_record *r)
{
	struct weft_buf	b, j;

	encode(r, &b);
	fields_split(fs, b.data, b.len);
	/* The splitter must reproduce the canonical body exactly. */
	fields_join(fs, &j);
	assert_int_equal(j.len, b.len);
	assert_memory_equal(j.data, b.data, b.len);
	assert_int_equal(decode(j.data, j.len), 0);
	weft_buf_release(&j);
	weft_buf_release(&b);
}

static void
fields_remove(struct fields *fs, int i)
{
	memmove(&fs->f[i], &fs->f[i + 1], (size_t)(fs->n - i - 1) *
	    sizeof(fs->f[0]));
	fs->n--;
}

static void
all_records(struct weft_record rs[4], const uint8_t pk[WEFT_PK_BYTES])
{
	fill_rev(&rs[0], pk, true);
	fill_rev(&rs[1], pk, false);
	fill_lib(&rs[2], pk);
	fill_entry(&rs[3], pk);
}

static void
release_all(struct weft_record rs[4])
{
	for (int i = 0; i < 4; i++)
		weft_record_release(&rs[i]);
}

/* The msgpack type of an object starting with byte c. */
static int
mp_class(uint8_t c)
{
	if (c <= 0x7f || c == 0xcc || c == 0xcd || c == 0xce || c == 0xcf)
		return 1;	/* uint */
	if (c >= 0xe0 || (c >= 0xd0 && c <= 0xd3))
		return 2;	/* negative int */
	if ((c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 && c <= 0xdb))
		return 3;	/* str */
	if (c >= 0xc4 && c <= 0xc6)
		return 4;	/* bin */
	if ((c >= 0x90 && c <= 0x9f) || c == 0xdc || c == 0xdd)
		return 5;	/* array */
	if ((c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf)
		return 6;	/* map */
	return 7 + c;	/* nil, bool: each its own */
}

/* Each field missing, wrong-typed or moved, and extra keys: rejected. */
static void
test_field_shape(void **state)
{
	static struct fields	 fs, t;
	struct weft_record	 rs[4];
	struct keys		 k;
	static const uint8_t	 wrong[][3] = {
		{ 1, 0xc0 },			/* nil */
		{ 1, 0xc3 },			/* true */
		{ 1, 0xff },			/* -1 */
		{ 1, 0x90 },			/* [] */
		{ 1, 0x80 },			/* {} */
		{ 2, 0xa1, 0x78 },		/* "x" */
		{ 2, 0xc4, 0x00 },		/* bin 0 */
		{ 2, 0xcc, 0xff },		/* 255 */
	};

	(void)state;
	keys_from(&k, 1);
	all_records(rs, k.pk);
	for (int ri = 0; ri < 4; ri++) {
		fields_of(&fs, &rs[ri]);
		for (int i = 0; i < fs.n; i++) {
			/* Missing. */
			t = fs;
			fields_remove(&t, i);
			assert_int_not_equal(fields_decode(&t), 0);
			/* Wrong type or value. */
			for (size_t w = 0; w < sizeof(wrong) / sizeof(*wrong);
			    w++) {
				t = fs;
				if (mp_class(t.f[i].val[0]) ==
				    mp_class(wrong[w][1]))
					continue;	/* same type */
				memcpy(t.f[i].val, wrong[w] + 1, wrong[w][0]);
				t.f[i].len = wrong[w][0];
				assert_int_not_equal(fields_decode(&t), 0);
			}
			/* Swapped with its neighbour. */
			if (i + 1 < fs.n) {
				struct field tmp;

				t = fs;
				tmp = t.f[i];
				t.f[i] = t.f[i + 1];
				t.f[i + 1] = tmp;
				assert_int_not_equal(fields_decode(&t), 0);
			}
		}
		/* An extra key, at the end and at the front. */
		t = fs;
		strcpy(t.f[t.n].key, "extra");
		t.f[t.n].val[0] = 0xc0;
		t.f[t.n].len = 1;
		t.n++;
		assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
		memmove(&t.f[1], &t.f[0], (size_t)(t.n - 1) * sizeof(t.f[0]));
		strcpy(t.f[0].key, "aaa");
		t.f[0].val[0] = 0xc0;
		t.f[0].len = 1;
		assert_int_not_equal(fields_decode(&t), 0);
		/* Another type name. */
		t = fs;
		SET_PACKED(&t, "type", weft_pack_str(pk, "retraction"));
		assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
		/* author as str instead of bin, and 31/33 bytes. */
		t = fs;
		SET_PACKED(&t, "author", weft_pack_strn(pk, k.pk, 32));
		assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
		SET_PACKED(&t, "author", weft_pack_bin(pk, k.pk, 31));
		assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
		/* A negative ts. */
		t = fs;
		SET_PACKED(&t, "ts", weft_pack_int(pk, -5));
		assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	}
	/* A rev's strings as bin. */
	fields_of(&fs, &rs[0]);
	t = fs;
	SET_PACKED(&t, "title", weft_pack_bin(pk, "Benchy", 6));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	/* Not a map at all. */
	{
		static const uint8_t arr[] = { 0x91, 0xc0 };

		assert_int_equal(decode(arr, sizeof(arr)), WEFT_EPROTO);
		assert_int_not_equal(decode(arr, 0), 0);
	}
	release_all(rs);
}

/* Valid msgpack for the right record, in a longer form: rejected. */
static void
test_noncanonical(void **state)
{
	static struct fields	 fs, t;
	struct weft_record	 r;
	struct keys		 k;
	struct weft_buf		 b;
	int			 i;

	(void)state;
	keys_from(&k, 1);
	fill_rev(&r, k.pk, false);
	r.ts = 5;
	fields_of(&fs, &r);

	/* uint16 where a fixint fits. */
	t = fs;
	i = fields_find(&t, "ts");
	t.f[i].val[0] = 0xcd;
	t.f[i].val[1] = 0x00;
	t.f[i].val[2] = 0x05;
	t.f[i].len = 3;
	assert_int_equal(fields_decode(&t), WEFT_EPROTO);
	/* uint64 for the file size. */
	t = fs;
	i = fields_find(&t, "files");
	{
		/* Rebuild files with a wide size by hand. */
		struct weft_buf		fb;
		struct weft_pack	pk;
		uint8_t			wide[9] = { 0xcf, 0, 0, 0, 0, 0, 0,
		    0, 42 };

		weft_buf_init(&fb, 4096);
		weft_pack_init(&pk, &fb);
		weft_pack_array(&pk, 1);
		weft_pack_map(&pk, 4);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, "a.stl");
		weft_pack_str(&pk, "size");
		weft_pack_raw(&pk, wide, sizeof(wide));
		weft_pack_str(&pk, "hash");
		weft_pack_bin(&pk, r.files[0].hash, 32);
		weft_pack_str(&pk, "index");
		weft_pack_bin(&pk, r.files[0].index, 32);
		assert_int_equal(weft_pack_error(&pk), 0);
		fields_set_raw(&t, "files", fb.data, fb.len);
		assert_int_equal(fields_decode(&t), WEFT_EPROTO);
		/* The same with the short form is fine. */
		weft_buf_reset(&fb);
		weft_pack_array(&pk, 1);
		weft_pack_map(&pk, 4);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, "a.stl");
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, 42);
		weft_pack_str(&pk, "hash");
		weft_pack_bin(&pk, r.files[0].hash, 32);
		weft_pack_str(&pk, "index");
		weft_pack_bin(&pk, r.files[0].index, 32);
		fields_set_raw(&t, "files", fb.data, fb.len);
		assert_int_equal(fields_decode(&t), 0);
		/* File map keys out of order. */
		weft_buf_reset(&fb);
		weft_pack_array(&pk, 1);
		weft_pack_map(&pk, 4);
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, 42);
		weft_pack_str(&pk, "path");
		weft_pack_str(&pk, "a.stl");
		weft_pack_str(&pk, "hash");
		weft_pack_bin(&pk, r.files[0].hash, 32);
		weft_pack_str(&pk, "index");
		weft_pack_bin(&pk, r.files[0].index, 32);
		fields_set_raw(&t, "files", fb.data, fb.len);
		assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
		weft_buf_release(&fb);
	}
	/* str8 for a short title. */
	t = fs;
	i = fields_find(&t, "title");
	{
		size_t	n = t.f[i].len - 1;

		memmove(t.f[i].val + 2, t.f[i].val + 1, n);
		t.f[i].val[0] = 0xd9;
		t.f[i].val[1] = (uint8_t)n;
		t.f[i].len = n + 2;
	}
	assert_int_equal(fields_decode(&t), WEFT_EPROTO);
	/* bin16 for the author. */
	t = fs;
	i = fields_find(&t, "author");
	memmove(t.f[i].val + 3, t.f[i].val + 2, 32);
	t.f[i].val[0] = 0xc5;
	t.f[i].val[1] = 0;
	t.f[i].val[2] = 32;
	t.f[i].len = 35;
	assert_int_equal(fields_decode(&t), WEFT_EPROTO);
	/* array16 for prev. */
	t = fs;
	i = fields_find(&t, "prev");
	memmove(t.f[i].val + 3, t.f[i].val + 1, t.f[i].len - 1);
	t.f[i].val[0] = 0xdc;
	t.f[i].val[1] = 0;
	t.f[i].val[2] = 2;
	t.f[i].len += 2;
	assert_int_equal(fields_decode(&t), WEFT_EPROTO);
	/* map16 for the body itself. */
	fields_join(&fs, &b);
	{
		uint8_t	*p = malloc(b.len + 2);

		assert_non_null(p);
		p[0] = 0xde;
		p[1] = 0;
		p[2] = (uint8_t)(b.data[0] & 0x0f);
		memcpy(p + 3, b.data + 1, b.len - 1);
		assert_int_equal(decode(p, b.len + 2), WEFT_EPROTO);
		assert_int_equal(decode(b.data, b.len), 0);
		free(p);
	}
	weft_buf_release(&b);
	weft_record_release(&r);
}

static int
check_with(struct weft_record *r)
{
	struct weft_buf	b;
	int		err, err2;

	/* check and encode agree */
	err = weft_record_check(r);
	weft_buf_init(&b, WEFT_RECORD_MAX);
	err2 = weft_record_encode_body(r, &b);
	assert_int_equal(err, err2);
	if (err)
		assert_int_equal(b.len, 0);
	weft_buf_release(&b);
	return err;
}

static char *
repeat(char c, size_t n)
{
	char	*s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
set_str(char **p, char *s)
{
	free(*p);
	*p = s;
}

/* Limits and value rules, on the struct (check/encode) side. */
static void
test_limits(void **state)
{
	struct weft_record	r;
	struct keys		k;

	(void)state;
	keys_from(&k, 1);

#define REV_CASE(expect, stmt) do {					\
	fill_rev(&r, k.pk, false);					\
	stmt;								\
	assert_int_equal(check_with(&r), (expect));			\
	weft_record_release(&r);					\
} while (0)

	REV_CASE(0, (void)0);
	REV_CASE(0, set_str(&r.title, repeat('t', WEFT_TITLE_MAX)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, repeat('t',
	    WEFT_TITLE_MAX + 1)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, xstrdup("")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, NULL));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, xstrdup("a\tb")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, xstrdup("a\xc2\x85")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, xstrdup("a\x7f")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.title, xstrdup("\xc0\xaf")));
	REV_CASE(0, set_str(&r.title, xstrdup("Bänchy \xe2\x9b\xb5")));
	REV_CASE(0, set_str(&r.description, repeat('d', WEFT_DESC_MAX)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.description, repeat('d',
	    WEFT_DESC_MAX + 1)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.description, xstrdup("a\rb")));
	REV_CASE(0, set_str(&r.message, repeat('m', WEFT_MESSAGE_MAX)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.message, repeat('m',
	    WEFT_MESSAGE_MAX + 1)));
	/* license */
	REV_CASE(WEFT_EBADLICENSE, set_str(&r.license, xstrdup("mit")));
	REV_CASE(WEFT_EBADLICENSE, set_str(&r.license, xstrdup("Beerware-9")));
	REV_CASE(WEFT_EBADLICENSE, set_str(&r.license, xstrdup("")));
	REV_CASE(WEFT_EBADLICENSE, set_str(&r.license, NULL));
	REV_CASE(0, set_str(&r.license, xstrdup("NOASSERTION")));
	REV_CASE(0, set_str(&r.license, xstrdup("CERN-OHL-S-2.0")));
	/* design iff prev */
	REV_CASE(WEFT_EBADFIELD, r.has_design = false);
	REV_CASE(WEFT_EBADFIELD, ids_clear(&r.prev));
	REV_CASE(0, (ids_clear(&r.prev),
	    r.has_design = false));
	/* prev / remix_of: count, order, duplicates */
	REV_CASE(0, (ids_clear(&r.prev), ids_fill(&r.prev,
	    WEFT_PREV_MAX, 0)));
	REV_CASE(WEFT_EBADFIELD, (ids_clear(&r.prev),
	    ids_fill(&r.prev, WEFT_PREV_MAX + 1, 0)));
	REV_CASE(WEFT_EBADFIELD, memset(r.prev.ids[1], 0x10, 32));
	REV_CASE(WEFT_EBADFIELD, memset(r.prev.ids[1], 0x01, 32));
	REV_CASE(WEFT_EBADFIELD, (ids_clear(&r.remix_of),
	    ids_fill(&r.remix_of, WEFT_PREV_MAX + 1, 0)));
	REV_CASE(WEFT_EBADFIELD, (ids_clear(&r.remix_of),
	    ids_fill(&r.remix_of, 2, 0), memset(r.remix_of.ids[1], 0, 32)));
	/* tags */
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], xstrdup("boat")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], xstrdup("a")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], xstrdup("")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], xstrdup("two words")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], xstrdup("nb\xc2\xa0sp")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], xstrdup("tab\t")));
	REV_CASE(0, set_str(&r.tags[1], xstrdup("Ünicode-Tag")));
	REV_CASE(0, set_str(&r.tags[1], repeat('z', WEFT_TAG_MAX)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], repeat('z',
	    WEFT_TAG_MAX + 1)));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.tags[1], NULL));
	/* files */
	REV_CASE(WEFT_EBADPATH, set_str(&r.files[1].path, xstrdup("../x")));
	REV_CASE(WEFT_EBADPATH, set_str(&r.files[1].path, NULL));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.files[1].path,
	    xstrdup("README.md")));
	REV_CASE(WEFT_EBADFIELD, set_str(&r.files[1].path, xstrdup("A")));
	REV_CASE(0, r.files[1].size = WEFT_FILE_SIZE_MAX);
	REV_CASE(WEFT_EBADFIELD, r.files[1].size = WEFT_FILE_SIZE_MAX + 1);
	REV_CASE(WEFT_EBADFIELD, r.type = 0);
	REV_CASE(WEFT_EBADFIELD, r.type = WEFT_REC_TYPE_MAX + 1);
#undef REV_CASE

	/* Counts are checked before the arrays are read. */
	fill_rev(&r, k.pk, false);
	r.ntags = WEFT_TAGS_MAX + 1;
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	r.ntags = 2;
	r.nfiles = WEFT_FILES_MAX + 1;
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	r.nfiles = 2;
	weft_record_release(&r);

	/* lib */
	fill_lib(&r, k.pk);
	assert_int_equal(check_with(&r), 0);
	set_str(&r.name, xstrdup(""));
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	set_str(&r.name, repeat('n', WEFT_NAME_MAX + 1));
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	set_str(&r.name, repeat('n', WEFT_NAME_MAX));
	assert_int_equal(check_with(&r), 0);
	set_str(&r.description, repeat('d', WEFT_DESC_MAX + 1));
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	set_str(&r.description, NULL);
	assert_int_equal(check_with(&r), 0);
	r.author[0] ^= 1;	/* author no longer a maintainer */
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	r.author[0] ^= 1;
	memcpy(r.maintainers.ids[1], r.maintainers.ids[0], 32);
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	ids_clear(&r.maintainers);
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	ids_fill(&r.maintainers, WEFT_MAINTAINERS_MAX + 1, 0);
	memcpy(r.author, r.maintainers.ids[0], 32);
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	r.maintainers.n = WEFT_MAINTAINERS_MAX;
	assert_int_equal(check_with(&r), 0);
	weft_record_release(&r);

	/* entry */
	fill_entry(&r, k.pk);
	r.action = 0;
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	r.action = 3;
	assert_int_equal(check_with(&r), WEFT_EBADFIELD);
	weft_record_release(&r);
}

/* n copies of one file entry (so n > 1 repeats the path). */
static void
pack_files(struct weft_pack *pk, uint32_t n, const char *path,
    uint64_t size)
{
	uint8_t	h[WEFT_ID_BYTES];

	memset(h, 0x5a, sizeof(h));
	weft_pack_array(pk, n);
	for (uint32_t i = 0; i < n; i++) {
		weft_pack_map(pk, 4);
		weft_pack_str(pk, "path");
		weft_pack_str(pk, path);
		weft_pack_str(pk, "size");
		weft_pack_uint(pk, size);
		weft_pack_str(pk, "hash");
		weft_pack_bin(pk, h, sizeof(h));
		weft_pack_str(pk, "index");
		weft_pack_bin(pk, h, sizeof(h));
	}
}

/* The same limits enforced on bytes by the decoder. */
static void
test_decode_limits(void **state)
{
	static struct fields	 fs, t;
	struct weft_record	 r;
	struct keys		 k;
	struct packed		 pp;
	struct weft_pack	*tp;
	char			*s;

	(void)state;
	keys_from(&k, 1);
	fill_rev(&r, k.pk, false);
	fields_of(&fs, &r);

	t = fs;
	s = repeat('t', WEFT_TITLE_MAX + 1);
	SET_PACKED(&t, "title", weft_pack_str(pk, s));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	free(s);
	s = repeat('t', WEFT_TITLE_MAX);
	SET_PACKED(&t, "title", weft_pack_str(pk, s));
	assert_int_equal(fields_decode(&t), 0);
	free(s);
	SET_PACKED(&t, "title", weft_pack_strn(pk, "a\0b", 3));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	SET_PACKED(&t, "title", weft_pack_str(pk, ""));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);

	t = fs;
	SET_PACKED(&t, "license", weft_pack_str(pk, "apache-2.0"));
	assert_int_equal(fields_decode(&t), WEFT_EBADLICENSE);
	SET_PACKED(&t, "license", weft_pack_str(pk, "Apache-2.0"));
	assert_int_equal(fields_decode(&t), 0);

	t = fs;
	SET_PACKED(&t, "tags", (weft_pack_array(pk, 2),
	    weft_pack_str(pk, "z"), weft_pack_str(pk, "a")));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	SET_PACKED(&t, "tags", (weft_pack_array(pk, 1),
	    weft_pack_bin(pk, "z", 1)));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	tp = packed_begin(&pp);
	weft_pack_array(tp, WEFT_TAGS_MAX + 1);
	for (int i = 0; i < WEFT_TAGS_MAX + 1; i++) {
		char	tag[8];

		snprintf(tag, sizeof(tag), "t%02d", i);
		weft_pack_str(tp, tag);
	}
	packed_set(&pp, &t, "tags");
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);

	t = fs;
	SET_PACKED(&t, "prev", (weft_pack_array(pk, 2),
	    weft_pack_bin(pk, r.prev.ids[1], 32),
	    weft_pack_bin(pk, r.prev.ids[0], 32)));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	SET_PACKED(&t, "prev", (weft_pack_array(pk, 0)));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD); /* has design */
	fields_remove(&t, fields_find(&t, "design"));
	assert_int_equal(fields_decode(&t), 0);

	/* A path of each bad kind, inside a record. */
	t = fs;
	pack_files(packed_begin(&pp), 1, "a/../../etc/passwd", 1);
	packed_set(&pp, &t, "files");
	assert_int_equal(fields_decode(&t), WEFT_EBADPATH);
	/* Duplicate paths. */
	pack_files(packed_begin(&pp), 2, "a", 1);
	packed_set(&pp, &t, "files");
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	/* Too large a file. */
	pack_files(packed_begin(&pp), 1, "a", WEFT_FILE_SIZE_MAX + 1);
	packed_set(&pp, &t, "files");
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	pack_files(packed_begin(&pp), 1, "a", WEFT_FILE_SIZE_MAX);
	packed_set(&pp, &t, "files");
	assert_int_equal(fields_decode(&t), 0);
	weft_record_release(&r);

	/* entry action */
	fill_entry(&r, k.pk);
	fields_of(&fs, &r);
	t = fs;
	SET_PACKED(&t, "action", weft_pack_str(pk, "Add"));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	SET_PACKED(&t, "action", weft_pack_str(pk, "remove"));
	assert_int_equal(fields_decode(&t), 0);
	weft_record_release(&r);

	/* lib maintainers without the author */
	fill_lib(&r, k.pk);
	fields_of(&fs, &r);
	t = fs;
	SET_PACKED(&t, "maintainers", (weft_pack_array(pk, 1),
	    weft_pack_bin(pk, r.maintainers.ids[1], 32)));
	assert_int_equal(fields_decode(&t), WEFT_EBADFIELD);
	weft_record_release(&r);
}

/* Bodies past what an envelope can hold are refused both ways. */
static void
test_too_big(void **state)
{
	struct weft_record	 r;
	struct keys		 k;
	struct weft_buf		 b;
	uint8_t			*big;

	(void)state;
	keys_from(&k, 1);
	fill_rev(&r, k.pk, true);
	for (uint32_t i = 0; i < r.nfiles; i++)
		free(r.files[i].path);
	free(r.files);
	r.nfiles = WEFT_FILES_MAX;
	r.files = calloc(r.nfiles, sizeof(*r.files));
	assert_non_null(r.files);
	for (uint32_t i = 0; i < r.nfiles; i++) {
		r.files[i].path = repeat('p', 600);
		snprintf(r.files[i].path, 600, "%06u", i);
		r.files[i].path[6] = 'p';
	}
	weft_buf_init(&b, 4 * WEFT_RECORD_MAX);
	assert_int_equal(weft_record_encode_body(&r, &b), WEFT_ETOOBIG);
	assert_int_equal(b.len, 0);
	weft_buf_release(&b);
	weft_record_release(&r);

	big = calloc(1, WEFT_RECORD_MAX + 1);
	assert_non_null(big);
	assert_int_equal(decode(big, WEFT_RECORD_MAX), WEFT_ETOOBIG);
	weft_buf_init(&b, 2 * WEFT_RECORD_MAX);
	assert_int_equal(weft_record_sign(big, WEFT_RECORD_MAX, k.sk, &b),
	    WEFT_ETOOBIG);
	weft_buf_release(&b);
	free(big);
}

static void
test_paths(void **state)
{
	static const char *const good[] = {
		"a", "a/b", "README.md", "stl/benchy.stl", ".hidden",
		"a..b", "...", "a/.b/c", ("dir/\xc3\xbcn\xc3\xaf" "code.scad"),
		"with space.stl", "\xf0\x9f\x9a\xa2.stl",
	};
	static const struct {
		const char	*p;
		size_t		 n;
	} bad[] = {
		{ "", 0 }, { "/abs", 4 }, { "a//b", 4 }, { "a/", 2 },
		{ ".", 1 }, { "..", 2 }, { "./a", 3 }, { "a/./b", 5 },
		{ "a/..", 4 }, { "../a", 4 }, { "a/../b", 6 }, { "a\\b", 3 },
		{ "..\\a", 4 }, { "a\0b", 3 }, { "a\nb", 3 }, { "a\tb", 3 },
		{ "a\x01", 2 }, { "a\x7f", 2 }, { "a\xc2\x80", 3 },
		{ "\xc0\xaf", 2 }, { "\xe0\x80\xaf", 3 },
		{ "\xed\xa0\x80", 3 }, { "\xf4\x90\x80\x80", 4 },
		{ "\xe2\x82", 2 }, { "\x80", 1 }, { "\xff", 1 }, { "/", 1 },
	};
	char	*s;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(weft_path_check(good[i], strlen(good[i])), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (weft_path_check(bad[i].p, bad[i].n) != WEFT_EBADPATH)
			fail_msg("path %zu accepted", i);
	}
	assert_int_equal(weft_path_check(NULL, 0), WEFT_EBADPATH);
	s = repeat('a', WEFT_PATH_MAX + 1);
	assert_int_equal(weft_path_check(s, WEFT_PATH_MAX), 0);
	assert_int_equal(weft_path_check(s, WEFT_PATH_MAX + 1), WEFT_EBADPATH);
	free(s);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(weft_utf8_valid("", 0));
	assert_true(weft_utf8_valid("plain\ttext\n", 11));
	assert_true(weft_utf8_valid("\xc2\x80\xdf\xbf", 4));
	assert_true(weft_utf8_valid("\xe0\xa0\x80\xef\xbf\xbf", 6));
	assert_true(weft_utf8_valid("\xed\x9f\xbf\xee\x80\x80", 6));
	assert_true(weft_utf8_valid("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8));
	assert_true(weft_utf8_valid("\x7f", 1));
	assert_false(weft_utf8_valid("\0", 1));
	assert_false(weft_utf8_valid("a\rb", 3));
	assert_false(weft_utf8_valid("\x1b[0m", 4));
	assert_false(weft_utf8_valid("\xc0\x80", 2));		/* overlong NUL */
	assert_false(weft_utf8_valid("\xc1\xbf", 2));
	assert_false(weft_utf8_valid("\xe0\x9f\xbf", 3));	/* overlong */
	assert_false(weft_utf8_valid("\xf0\x8f\xbf\xbf", 4));	/* overlong */
	assert_false(weft_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(weft_utf8_valid("\xed\xbf\xbf", 3));
	assert_false(weft_utf8_valid("\xf4\x90\x80\x80", 4));	/* > 10FFFF */
	assert_false(weft_utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(weft_utf8_valid("\xf8\x88\x80\x80\x80", 5));
	assert_false(weft_utf8_valid("\x80", 1));
	assert_false(weft_utf8_valid("\xc2", 1));		/* truncated */
	assert_false(weft_utf8_valid("\xe2\x82", 2));
	assert_false(weft_utf8_valid("\xc2\x41", 2));
	assert_false(weft_utf8_valid("\xfe\xff", 2));
	/* n bounds the read: a valid prefix of an invalid string. */
	assert_true(weft_utf8_valid("ab\xff", 2));
}

static void
test_license(void **state)
{
	static const char *const ids[] = {
		"MIT", "Apache-2.0", "GPL-2.0-only", "GPL-2.0-or-later",
		"GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-only",
		"LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
		"AGPL-3.0-only", "AGPL-3.0-or-later", "MPL-2.0",
		"BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "CC0-1.0",
		"CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0",
		"CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0",
		"CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0",
		"CC-BY-SA-3.0", "CC-BY-NC-SA-2.0", "CERN-OHL-P-2.0",
		"CERN-OHL-S-2.0", "CERN-OHL-W-2.0", "TAPR-OHL-1.0", "Zlib",
		"BSL-1.0", "0BSD", "WTFPL", "EUPL-1.2", "NOASSERTION",
		"zlib-acknowledgement", "Apache-1.0",
	};
	const char	*c;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		c = weft_license_find(ids[i]);
		if (c == NULL)
			fail_msg("license %s not found", ids[i]);
		assert_string_equal(c, ids[i]);
	}
	assert_string_equal(weft_license_find("mit"), "MIT");
	assert_string_equal(weft_license_find("apache-2.0"), "Apache-2.0");
	assert_string_equal(weft_license_find("cc-by-sa-4.0"), "CC-BY-SA-4.0");
	assert_string_equal(weft_license_find("NoAssertion"), "NOASSERTION");
	/* "All rights reserved" is the one LicenseRef weft knows. */
	assert_string_equal(weft_license_find("licenseref-all-rights-reserved"),
	    "LicenseRef-All-Rights-Reserved");
	assert_null(weft_license_find("LicenseRef-Other"));
	assert_string_equal(weft_license_find("ZLIB"), "Zlib");
	assert_null(weft_license_find("GPL-2.0"));	/* deprecated */
	assert_null(weft_license_find("MIT "));
	assert_null(weft_license_find("MI"));
	assert_null(weft_license_find(""));
	assert_null(weft_license_find(NULL));
	assert_null(weft_license_find("NONE"));
	{
		char *s = repeat('A', 100000);

		assert_null(weft_license_find(s));
		free(s);
	}
}

static void
test_type_name(void **state)
{
	(void)state;
	assert_string_equal(weft_record_type_name(WEFT_REC_REV), "rev");
	assert_string_equal(weft_record_type_name(WEFT_REC_LIB), "lib");
	assert_string_equal(weft_record_type_name(WEFT_REC_ENTRY), "entry");
	assert_string_equal(weft_record_type_name(WEFT_REC_PROFILE), "profile");
	assert_string_equal(weft_record_type_name(WEFT_REC_COMMENT), "comment");
	assert_string_equal(weft_record_type_name(WEFT_REC_REACTION),
	    "reaction");
	assert_string_equal(weft_record_type_name(0), "unknown");
	assert_string_equal(weft_record_type_name(99), "unknown");
}

static void
test_sort(void **state)
{
	struct weft_record	r;
	struct keys		k;
	char			*tmp;
	struct weft_file_ref	 f;

	(void)state;
	keys_from(&k, 1);
	fill_rev(&r, k.pk, false);
	tmp = r.tags[0];
	r.tags[0] = r.tags[1];
	r.tags[1] = tmp;
	f = r.files[0];
	r.files[0] = r.files[1];
	r.files[1] = f;
	memset(r.prev.ids[0], 0xee, 32);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	weft_record_sort(&r);
	assert_int_equal(weft_record_check(&r), 0);
	assert_string_equal(r.tags[0], "boat");
	assert_string_equal(r.files[0].path, "README.md");
	assert_int_equal(r.prev.ids[1][0], 0xee);
	weft_record_release(&r);
}

/* Known-answer vectors */

struct vector {
	const char	*name;
	uint8_t		 seed;
	void		 (*fill)(struct weft_record *, const uint8_t *);
};

static void
fill_genesis(struct weft_record *r, const uint8_t *pk)
{
	fill_rev(r, pk, true);
}

static void
fill_update(struct weft_record *r, const uint8_t *pk)
{
	fill_rev(r, pk, false);
}

static const struct vector vectors[] = {
	{ "rev-genesis", 0, fill_genesis },
	{ "rev-update", 0, fill_update },
	{ "lib", 0x40, fill_lib },
	{ "entry", 0x40, fill_entry },
	{ "profile", 0x50, fill_profile },
	{ "comment", 0x50, fill_comment },
	{ "reaction", 0x50, fill_reaction },
	{ "make", 0x50, fill_make },
	{ "grant", 0x40, fill_grant },
	{ "grant-anyone", 0x40, fill_grant_anyone },
	{ "geom", 0x40, fill_geom },
	{ "label", 0x60, fill_label },
	{ "label-ns", 0x60, fill_label_ns },
	{ "label-remove", 0x60, fill_label_remove },
	{ "retract", 0x40, fill_retract },
	{ "retract-comments", 0x50, fill_retract_comments },
	{ "receipt", 0x40, fill_receipt },
	{ "maint", 0x40, fill_maint },
	{ "maint-rm", 0x40, fill_maint_rm },
};

static void
vector_path(char *out, size_t outsz, const char *name)
{
	const char	*dir = getenv("WEFT_VECTORS");
	const char	*f = __FILE__;
	const char	*slash = strrchr(f, '/');
	int		 n;

	if (dir != NULL)
		n = snprintf(out, outsz, "%s/record-%s.txt", dir, name);
	else if (slash != NULL)
		n = snprintf(out, outsz, "%.*s/../vectors/record-%s.txt",
		    (int)(slash - f), f, name);
	else
		n = snprintf(out, outsz, "../vectors/record-%s.txt", name);
	assert_true(n > 0 && (size_t)n < outsz);
}

/* Value of "key hex" in a vector file, decoded into a buffer. */
static void
vector_get(const char *text, const char *key, struct weft_buf *out)
{
	const char	*p = text, *v, *e;
	size_t		 klen = strlen(key);

	weft_buf_init(out, WEFT_RECORD_MAX);
	for (; *p != '\0'; p = e + (*e != '\0')) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == ' ') {
			v = p + klen + 1;
			assert_int_equal((e - v) % 2, 0);
			assert_int_equal(weft_buf_reserve(out,
			    (size_t)(e - v) / 2), 0);
			assert_int_equal(weft_hex_decode(out->data,
			    (size_t)(e - v) / 2, v, (size_t)(e - v)), 0);
			out->len = (size_t)(e - v) / 2;
			return;
		}
	}
	fail_msg("vector has no %s", key);
}

static void
hex_line(FILE *f, const char *key, const uint8_t *p, size_t n)
{
	char	*h = malloc(2 * n + 1);

	assert_non_null(h);
	weft_hex_encode(h, p, n);
	fprintf(f, "%s %s\n", key, h);
	free(h);
}

static void
vector_write(const char *path, const struct vector *v, const uint8_t *seed,
    const struct weft_buf *body, const struct weft_buf *env,
    const uint8_t id[WEFT_ID_BYTES])
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "# weft record known-answer vector \"%s\" "
	    "(docs/proto/records.md).\n", v->name);
	fprintf(f, "# seed: Ed25519 seed (crypto_sign_seed_keypair); "
	    "body: canonical body;\n# id: BLAKE2b-256(body); "
	    "envelope: [bin body, bin sig].\n");
	fprintf(f, "# Written by tests/unit/test-record.c with "
	    "WEFT_WRITE_VECTORS=1.\n");
	hex_line(f, "seed", seed, crypto_sign_SEEDBYTES);
	hex_line(f, "id", id, WEFT_ID_BYTES);
	hex_line(f, "body", body->data, body->len);
	hex_line(f, "envelope", env->data, env->len);
	assert_int_equal(fclose(f), 0);
}

static char *
slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*s;
	long	 n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0 && n < 4 * WEFT_RECORD_MAX);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static void
test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(*vectors); i++) {
		const struct vector	*v = &vectors[i];
		struct weft_record	 r, d;
		struct weft_buf		 body, env, want;
		struct keys		 k;
		uint8_t			 seed[crypto_sign_SEEDBYTES];
		uint8_t			 id[WEFT_ID_BYTES];
		char			 path[4096], *text;

		keys_from(&k, v->seed);
		for (size_t j = 0; j < sizeof(seed); j++)
			seed[j] = (uint8_t)(v->seed + j);
		v->fill(&r, k.pk);
		encode(&r, &body);
		weft_buf_init(&env, WEFT_RECORD_MAX);
		assert_int_equal(weft_record_sign(body.data, body.len, k.sk,
		    &env), 0);
		weft_record_id(body.data, body.len, id);
		vector_path(path, sizeof(path), v->name);
		if (getenv("WEFT_WRITE_VECTORS") != NULL)
			vector_write(path, v, seed, &body, &env, id);

		text = slurp(path);
		vector_get(text, "seed", &want);
		assert_int_equal(want.len, sizeof(seed));
		assert_memory_equal(want.data, seed, sizeof(seed));
		weft_buf_release(&want);
		vector_get(text, "body", &want);
		assert_int_equal(want.len, body.len);
		assert_memory_equal(want.data, body.data, body.len);
		weft_buf_release(&want);
		vector_get(text, "id", &want);
		assert_int_equal(want.len, WEFT_ID_BYTES);
		assert_memory_equal(want.data, id, WEFT_ID_BYTES);
		weft_buf_release(&want);
		vector_get(text, "envelope", &want);
		assert_int_equal(want.len, env.len);
		assert_memory_equal(want.data, env.data, env.len);
		/* And the stored envelope verifies to the stored id. */
		weft_record_init(&d);
		assert_int_equal(weft_record_verify(want.data, want.len, &d,
		    id), 0);
		assert_records_equal(&r, &d);
		weft_record_release(&d);
		weft_buf_release(&want);
		free(text);
		weft_buf_release(&env);
		weft_buf_release(&body);
		weft_record_release(&r);
	}
}

/* A grant's "to" is 0 or 32 bytes, its license "" or a canonical id. */
static void
test_grant(void **state)
{
	struct weft_record	r;
	struct weft_buf		b;
	struct keys		k;
	uint8_t			*to = NULL;

	(void)state;
	keys_from(&k, 0x40);
	fill_grant(&r, k.pk);
	roundtrip(&r);
	free(r.license);
	r.license = strdup("cc-by-sa-4.0");	/* not canonical */
	assert_int_equal(weft_record_check(&r), WEFT_EBADLICENSE);
	free(r.license);
	r.license = strdup("LicenseRef-Other");
	assert_int_equal(weft_record_check(&r), WEFT_EBADLICENSE);
	free(r.license);
	r.license = strdup("");
	roundtrip(&r);
	/* "to" of another length is refused. */
	encode(&r, &b);
	for (size_t i = 0; to == NULL && i + 5 <= b.len; i++)
		if (memcmp(b.data + i, "\xa2to\xc4\x20", 5) == 0)
			to = b.data + i;
	assert_non_null(to);
	to[4] = 0x1f;
	memmove(to + 5 + 31, to + 5 + 32,
	    b.len - (size_t)(to + 5 + 32 - b.data));
	assert_int_equal(decode(b.data, b.len - 1), WEFT_EBADFIELD);
	weft_buf_release(&b);
	weft_record_release(&r);
	fill_grant_anyone(&r, k.pk);
	roundtrip(&r);
	weft_record_release(&r);
	assert_string_equal(weft_record_type_name(WEFT_REC_GRANT), "grant");
}

/*
 * A geom record: facts sorted by path, a note only with no facts, closed
 * exactly without a reason, known formats, version 1, one thumbnail of
 * at most WEFT_THUMB_MAX bytes, one revision.
 */
static void
test_geom(void **state)
{
	struct weft_record	 r;
	struct weft_buf		 b;
	struct keys		 k;
	char			*t;
	uint8_t			*p = NULL;

	(void)state;
	keys_from(&k, 0x40);
	fill_geom(&r, k.pk);
	roundtrip(&r);
	assert_string_equal(weft_record_type_name(WEFT_REC_GEOM), "geom");
	/* Out of order. */
	t = r.gfacts[0].path;
	r.gfacts[0].path = r.gfacts[1].path;
	r.gfacts[1].path = t;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.gfacts[1].path = r.gfacts[0].path;
	r.gfacts[0].path = t;
	/* A note with facts; closed with a reason; open without one. */
	r.gfacts[1].triangles = 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.gfacts[1].triangles = 0;
	free(r.gfacts[0].open);
	r.gfacts[0].open = xstrdup("3 edges on the border");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.gfacts[0].closed = false;
	roundtrip(&r);
	free(r.gfacts[0].open);
	r.gfacts[0].open = xstrdup("");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.gfacts[0].closed = true;
	/* Unknown format, ratio above 1, a big thumbnail. */
	free(r.gfacts[0].format);
	r.gfacts[0].format = xstrdup("ply");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.gfacts[0].format);
	r.gfacts[0].format = xstrdup("stl");
	r.gfacts[0].ratio[0] = WEFT_GRATIO_MAX + 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.gfacts[0].ratio[0] = WEFT_GRATIO_MAX;
	r.files[0].size = WEFT_THUMB_MAX + 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.files[0].size = WEFT_THUMB_MAX;
	roundtrip(&r);
	/* Version 2 is not this format. */
	encode(&r, &b);
	for (size_t i = 0; p == NULL && i + 9 <= b.len; i++)
		if (memcmp(b.data + i, "\xa7version\x01", 9) == 0)
			p = b.data + i;
	assert_non_null(p);
	p[8] = 0x02;
	assert_int_equal(decode(b.data, b.len), WEFT_EBADFIELD);
	weft_buf_release(&b);
	weft_record_release(&r);
}

/* Labels: the well-known values, namespaced ones, and nothing else. */
static void
test_label(void **state)
{
	static const char *const good[] = {
		"spam", "nsfw", "illegal", "copyright", "stolen-design",
		"org.example/foo", "a.b/c_d-e.f", "x.y/1",
	};
	static const char *const bad[] = {
		"", "Spam", "spam ", "other", "org/foo", "org.example/",
		"/foo", "org.example/Foo", "org.example/a/b", "org_x.y/a",
		"org.example/f\xc3\xa9",
		/* 65 bytes: one too many */
		("org.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaa"),
	};
	struct weft_record	r;
	struct weft_buf		b;
	struct keys		k;
	uint8_t			*on;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(weft_label_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(weft_label_valid(bad[i], strlen(bad[i])));
	keys_from(&k, 0x60);
	fill_label(&r, k.pk);
	roundtrip(&r);
	r.label_on = WEFT_LABEL_FILE;
	roundtrip(&r);
	r.label_on = 0;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.label_on = WEFT_LABEL_FILE + 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.label_on = WEFT_LABEL_DESIGN;
	free(r.label);
	r.label = xstrdup("other");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.label);
	r.label = xstrdup("nsfw");
	free(r.label_reason);
	r.label_reason = xstrdup("bad\x01" "control");
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	free(r.label_reason);
	r.label_reason = xstrdup("ok");
	/* An "on" the format does not know is refused by decode. */
	encode(&r, &b);
	on = NULL;
	for (size_t i = 0; on == NULL && i + 7 <= b.len; i++)
		if (memcmp(b.data + i, "\xa6" "design", 7) == 0)
			on = b.data + i;
	assert_non_null(on);
	memcpy(on + 1, "desigX", 6);
	assert_int_equal(decode(b.data, b.len), WEFT_EBADFIELD);
	weft_buf_release(&b);
	weft_record_release(&r);
	fill_label_ns(&r, k.pk);
	roundtrip(&r);
	weft_record_release(&r);
	assert_string_equal(weft_record_type_name(WEFT_REC_LABEL), "label");
	/* 9 is taken by another type: "unknown" here until it is known. */
	assert_string_equal(weft_record_type_name(WEFT_REC_TYPE_MAX + 1),
	    "unknown");
	assert_string_equal(weft_label_on_name(WEFT_LABEL_AUTHOR), "author");
	assert_null(weft_label_on_name(0));
}

/*
 * A retract names 1..64 targets, sorted and unique, a scope of 0 or 32
 * bytes and a reason of at most WEFT_REASON_MAX bytes of body text.
 */
static void
test_retract(void **state)
{
	struct weft_record	r;
	struct weft_buf		b;
	struct keys		k;
	uint8_t			*sc = NULL;

	(void)state;
	keys_from(&k, 0x40);
	fill_retract(&r, k.pk);
	roundtrip(&r);
	r.targets.n = 0;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	ids_clear(&r.targets);
	ids_fill(&r.targets, WEFT_TARGETS_MAX, 0x01);
	roundtrip(&r);
	ids_clear(&r.targets);
	ids_fill(&r.targets, WEFT_TARGETS_MAX + 1, 0x01);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	ids_clear(&r.targets);
	ids_fill(&r.targets, 2, 0x05);
	memset(r.targets.ids[1], 0x05, WEFT_ID_BYTES);	/* duplicate */
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	memset(r.targets.ids[0], 0x07, WEFT_ID_BYTES);	/* unsorted */
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	weft_record_sort(&r);
	roundtrip(&r);
	free(r.reason);
	r.reason = repeat('x', WEFT_REASON_MAX + 1);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.reason[WEFT_REASON_MAX] = '\0';
	roundtrip(&r);
	r.reason[3] = '\x1b';
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.reason[3] = 'x';
	/* A scope of another length is refused. */
	encode(&r, &b);
	for (size_t i = 0; sc == NULL && i + 8 <= b.len; i++)
		if (memcmp(b.data + i, "\xa5scope\xc4\x20", 8) == 0)
			sc = b.data + i;
	assert_non_null(sc);
	sc[7] = 0x1f;
	memmove(sc + 8 + 31, sc + 8 + 32,
	    b.len - (size_t)(sc + 8 + 32 - b.data));
	assert_int_equal(decode(b.data, b.len - 1), WEFT_EBADFIELD);
	weft_buf_release(&b);
	weft_record_release(&r);
	fill_retract_comments(&r, k.pk);
	roundtrip(&r);
	weft_record_release(&r);
	assert_string_equal(weft_record_type_name(WEFT_REC_RETRACT),
	    "retract");
}

/* A receipt expires after it is made, and at most 30 days after. */
static void
test_receipt(void **state)
{
	struct weft_record	r;
	struct keys		k;

	(void)state;
	keys_from(&k, 0x40);
	fill_receipt(&r, k.pk);
	roundtrip(&r);
	r.expires = r.ts;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.expires = r.ts - 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.expires = r.ts + WEFT_RECEIPT_TTL_MAX;
	roundtrip(&r);
	r.expires = r.ts + WEFT_RECEIPT_TTL_MAX + 1;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.expires = UINT64_MAX;
	r.ts = UINT64_MAX - 1;
	roundtrip(&r);
	weft_record_release(&r);
	assert_string_equal(weft_record_type_name(WEFT_REC_RECEIPT),
	    "receipt");
}

static void
test_maint(void **state)
{
	struct weft_record	r;
	struct weft_buf		b;
	struct keys		k;

	(void)state;
	keys_from(&k, 0x40);
	fill_maint(&r, k.pk);
	roundtrip(&r);
	/* prev out of order or doubled */
	memset(r.prev.ids[0], 0x92, WEFT_ID_BYTES);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	memset(r.prev.ids[0], 0x91, WEFT_ID_BYTES);
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	memset(r.prev.ids[0], 0x90, WEFT_ID_BYTES);
	r.action = 0;
	assert_int_equal(weft_record_check(&r), WEFT_EBADFIELD);
	r.action = WEFT_ENTRY_REMOVE;
	weft_record_release(&r);
	/* an entry's body under the maint type is not a maint record */
	fill_entry(&r, k.pk);
	encode(&r, &b);
	assert_int_equal(b.data[7], 'e');
	memcpy(b.data + 6, "\xa5maint", 6);
	assert_int_equal(decode(b.data, b.len), WEFT_EBADFIELD);
	weft_buf_release(&b);
	weft_record_release(&r);
	assert_string_equal(weft_record_type_name(WEFT_REC_MAINT), "maint");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_open_strict),
		cmocka_unit_test(test_field_shape),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_license),
		cmocka_unit_test(test_type_name),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_community),
		cmocka_unit_test(test_grant),
		cmocka_unit_test(test_geom),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_retract),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_maint),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
