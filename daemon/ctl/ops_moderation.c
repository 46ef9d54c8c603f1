/*
 * Moderation ops (docs/proto/control.md, "Moderation"; docs/moderation.md):
 * block and unblock an author, a design or a node and list the blocks;
 * name, drop and list the moderators this node trusts; sign a label (a
 * moderator's verdict, or anyone's report) and list the reports. Also the
 * hidden set that ls and search leave out (ops_license.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "log.h"
#include "ops.h"
#include "ops_license.h"
#include "store.h"
#include "sync.h"

/* Keys one hidden set holds at most (blocks and labels of moderators). */
#define HIDDEN_MAX	(1u << 20)

static const char *const kind_names[] = {
	[WEFT_BLOCK_AUTHOR] = "author",
	[WEFT_BLOCK_DESIGN] = "design",
	[WEFT_BLOCK_NODE] = "node",
};

static const char *
kind_name(int kind)
{
	if (kind < WEFT_BLOCK_AUTHOR || kind > WEFT_BLOCK_NODE)
		return "unknown";
	return kind_names[kind];
}

static int
kind_parse(const char *s)
{
	for (int k = WEFT_BLOCK_AUTHOR; k <= WEFT_BLOCK_NODE; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return 0;
}

/* The hidden set */

static int
hidden_add(void *arg, const uint8_t key[32])
{
	struct weft_mod_hidden	*h = arg;
	void			*p;
	size_t			 cap;

	if (h->n == HIDDEN_MAX)
		return WEFT_ETOOBIG;
	/* Grows by powers of two from 16. */
	if (h->n >= 16 && (h->n & (h->n - 1)) == 0) {
		cap = h->n * 2;
		p = realloc(h->keys, cap * sizeof(*h->keys));
		if (p == NULL)
			return -ENOMEM;
		h->keys = p;
	} else if (h->keys == NULL) {
		h->keys = malloc(16 * sizeof(*h->keys));
		if (h->keys == NULL)
			return -ENOMEM;
	}
	memcpy(h->keys[h->n++], key, 32);
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

void
weft__mod_hidden_load(struct weft_store *s, struct weft_mod_hidden *h)
{
	int	err;

	h->keys = NULL;
	h->n = 0;
	err = weft_store_hidden_targets(s, hidden_add, h);
	if (err) {
		log_warnc(err, "moderation: cannot load what is hidden");
		weft__mod_hidden_free(h);
		return;
	}
	if (h->n > 1)
		qsort(h->keys, h->n, sizeof(*h->keys), key_cmp);
}

void
weft__mod_hidden_free(struct weft_mod_hidden *h)
{
	free(h->keys);
	h->keys = NULL;
	h->n = 0;
}

bool
weft__mod_hidden_has(const struct weft_mod_hidden *h,
    const uint8_t design[32], const uint8_t *author)
{
	if (h->n == 0)
		return false;
	if (bsearch(design, h->keys, h->n, sizeof(*h->keys), key_cmp) != NULL)
		return true;
	return author != NULL && bsearch(author, h->keys, h->n,
	    sizeof(*h->keys), key_cmp) != NULL;
}

int
weft__mod_why(struct weft_store *s, const uint8_t design[32], char *why,
    size_t size)
{
	struct weft_store_verdict	v;
	char				hex[65];
	int				err;

	err = weft_store_verdict(s, design, &v);
	if (err == 0 && v.action == WEFT_VERDICT_NONE)
		err = WEFT_ENOTFOUND;
	if (err)
		return err;
	weft_hex_encode(hex, v.local ? v.target : v.by, 32);
	if (v.local)
		snprintf(why, size, "blocked here (%s %.16s)",
		    memcmp(v.target, design, 32) == 0 ? "design" : "author",
		    hex);
	else
		snprintf(why, size, "%s: labelled %s by moderator %.16s (on "
		    "the %s)", v.action == WEFT_VERDICT_BLOCK ? "blocked" :
		    "hidden", v.label, hex, v.file ? "file" :
		    memcmp(v.target, design, 32) == 0 ? "design" : "author");
	return 0;
}

int
weft__ctl_blocked_gone(struct weft_ctl_conn *c, const uint8_t id[32])
{
	enum weft_record_type	type;
	uint8_t			target[32];
	char			hex[17], thex[17];
	int			kind = 0;

	if (weft_store_record_type(c->env->store, id, &type) == 0 ||
	    weft_store_blocked_record(c->env->store, id, target) != 0)
		return 0;
	(void)weft_store_block_get(c->env->store, target, &kind);
	weft_hex_encode(hex, id, 8);
	weft_hex_encode(thex, target, 8);
	weft__ctl_send_err(c, WEFT_ENOTFOUND, "%s is not kept here: blocked "
	    "here (%s %s)", hex, kind == WEFT_BLOCK_DESIGN ? "design" :
	    "author", thex);
	return WEFT_EBLOCKED;
}

/* Writes, on the pool */

enum mod_what {
	MOD_BLOCK = 1,
	MOD_UNBLOCK,
	MOD_MODERATOR_ADD,
	MOD_MODERATOR_RM,
};

struct mod_job {
	struct weft_store	*store;
	uint8_t			 own[32];	/* this node's author */
	bool			 has_own;
	uint64_t		 grace_ms;	/* gc's, for a block */
	enum mod_what		 what;
	int			 kind;
	uint8_t			 target[32];
	uint64_t		 ts;
	char			*reason;
};

/*
 * A block, and at once the records and files of what it blocks: the
 * records taken out (weft_store_block_purge), the files no longer
 * wanted, and what no kept design shares deleted by a gc (one already
 * running leaves it to the next).
 */
static int
block_work(struct mod_job *j)
{
	struct weft_store_gc_opts	o;
	struct weft_store_gc_stats	st;
	uint64_t			files = 0, recs = 0;
	int				err;

	err = weft_store_block_put(j->store, j->kind, j->target, j->ts,
	    j->reason);
	if (err == 0 && j->kind == WEFT_BLOCK_DESIGN)
		err = weft_store_unwant_design(j->store, j->target, &files);
	else if (err == 0 && j->kind == WEFT_BLOCK_AUTHOR)
		err = weft_store_unwant_author(j->store, j->target, &files);
	/*
	 * Their records go too: not stored, listed or forwarded (a node's:
	 * the seed receipts it signed).
	 */
	if (err == 0)
		err = weft_store_block_purge(j->store, j->kind, j->target,
		    &recs);
	if (err == 0)
		log_info("moderation: %s blocked: records deleted %llu",
		    kind_name(j->kind), (unsigned long long)recs);
	if (err || files == 0)
		return err;
	memset(&o, 0, sizeof(o));
	o.own = j->has_own ? j->own : NULL;
	o.grace_ms = j->grace_ms;
	err = weft_store_gc(j->store, &o, &st);
	if (err == 0)
		log_info("moderation: %s blocked: files no longer kept "
		    "%llu, chunks deleted %llu (%llu bytes)",
		    kind_name(j->kind), (unsigned long long)files,
		    (unsigned long long)st.freed,
		    (unsigned long long)st.freed_bytes);
	return err == WEFT_EBUSY ? 0 : err;
}

static int
mod_work(void *arg)
{
	struct mod_job	*j = arg;

	switch (j->what) {
	case MOD_BLOCK:
		return block_work(j);
	case MOD_UNBLOCK:
		return weft_store_block_del(j->store, j->target);
	case MOD_MODERATOR_ADD:
		return weft_store_moderator_put(j->store, j->target, j->ts);
	case MOD_MODERATOR_RM:
		return weft_store_moderator_del(j->store, j->target);
	}
	return WEFT_EUSAGE;
}

static void
mod_release(void *arg)
{
	struct mod_job	*j = arg;

	free(j->reason);
}

static void
mod_reply(struct weft_ctl_conn *c, void *arg)
{
	struct mod_job		*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	/* A node blocked while connected is dropped at once. */
	if (j->what == MOD_BLOCK && j->kind == WEFT_BLOCK_NODE &&
	    c->env->net.net != NULL && c->env->net.disconnect != NULL)
		(void)c->env->net.disconnect(c->env->net.net, j->target);
	/* A moderator's scope joins or leaves our interests. */
	if ((j->what == MOD_MODERATOR_ADD || j->what == MOD_MODERATOR_RM) &&
	    c->env->sync != NULL)
		weft_sync_interests_changed(c->env->sync,
		    uv_now(c->env->loop));
	/* What a block took out comes back now, not at the next round. */
	if (j->what == MOD_UNBLOCK && j->kind != WEFT_BLOCK_NODE &&
	    c->env->sync != NULL)
		weft_sync_reconcile(c->env->sync, uv_now(c->env->loop));
	weft__ctl_reply_begin(&pk, &b, 2);
	weft_pack_str(&pk, "kind");
	weft_pack_str(&pk, j->what == MOD_BLOCK || j->what == MOD_UNBLOCK ?
	    kind_name(j->kind) : "moderator");
	weft_pack_str(&pk, "target");
	weft_pack_bin(&pk, j->target, 32);
	weft__ctl_send(c, &b);
}

/*
 * What target (a hex id or prefix) names, unless kind says: a record
 * names its design (a revision) or fails; else a stored author's key;
 * else a whole 64-hex key is a node's if this node knows that node, an
 * author's otherwise. Replies on failure.
 */
static int
target_resolve(struct weft_ctl_conn *c, const char *s, int *kind,
    uint8_t target[32])
{
	uint8_t	id[32];
	size_t	n = strlen(s);
	int	err;

	if (*kind == WEFT_BLOCK_NODE || (*kind == WEFT_BLOCK_AUTHOR &&
	    n == 64)) {
		if (n != 64 || weft_hex_decode(target, 32, s, 64) != 0) {
			weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' is not a "
			    "64-hex key", s);
			return WEFT_EUSAGE;
		}
		return 0;
	}
	if (*kind == 0 || *kind == WEFT_BLOCK_DESIGN) {
		err = weft_store_resolve(c->env->store, s, id);
		if (err == 0) {
			err = weft_store_rev_design(c->env->store, id, target);
			if (err) {
				weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' is "
				    "a record but not a design", s);
				return WEFT_EUSAGE;
			}
			*kind = WEFT_BLOCK_DESIGN;
			return 0;
		}
		if (err != WEFT_ENOTFOUND || *kind == WEFT_BLOCK_DESIGN) {
			weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ?
			    "no design '%s' here" : "'%s'", s);
			return err;
		}
	}
	err = weft_store_author_resolve(c->env->store, s, target);
	if (err == 0 && !weft__ctl_is_node(c, target)) {
		*kind = WEFT_BLOCK_AUTHOR;
		return 0;
	}
	if ((err == 0 || err == WEFT_ENOTFOUND) && n == 64 &&
	    weft_hex_decode(target, 32, s, 64) == 0) {
		*kind = weft__ctl_is_node(c, target) ? WEFT_BLOCK_NODE :
		    WEFT_BLOCK_AUTHOR;
		return 0;
	}
	if (err == 0 || err == WEFT_ENOTFOUND)
		err = WEFT_ENOTFOUND;
	weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ? "nothing here is "
	    "named '%s' (a whole 64-hex key names any author or node)" :
	    "'%s'", s);
	return err;
}

/* No control characters: a reason is shown on one line. */
static bool
line_text(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

static int
block_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	struct mod_job	*j = arg;
	char		*target = NULL, *kind = NULL;
	int		 err;

	j->store = c->env->store;
	j->what = MOD_BLOCK;
	j->ts = weft__ctl_now_ms(c->env);
	j->grace_ms = c->env->gc_grace_ms != 0 ? c->env->gc_grace_ms :
	    WEFT_STORE_GC_GRACE_MS;
	if (c->env->author != NULL) {
		memcpy(j->own, c->env->author->pk, 32);
		j->has_own = true;
	}
	err = weft__ctl_arg_str(c, req, "target", 64, &target);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "kind", 16, &kind);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "reason",
		    WEFT_BLOCK_REASON_MAX, &j->reason);
	if (err)
		goto out;
	err = WEFT_EUSAGE;
	if (target == NULL) {
		weft__ctl_send_err(c, err, "'target' is required");
		goto out;
	}
	if (kind != NULL && (j->kind = kind_parse(kind)) == 0) {
		weft__ctl_send_err(c, err, "a block is of an author, a design "
		    "or a node, not '%s'", kind);
		goto out;
	}
	if (j->reason != NULL && !line_text(j->reason)) {
		weft__ctl_send_err(c, err, "the reason holds control "
		    "characters");
		goto out;
	}
	err = target_resolve(c, target, &j->kind, j->target);
	if (err == 0 && j->kind != WEFT_BLOCK_NODE &&
	    memcmp(j->target, c->env->author->pk, 32) == 0) {
		err = WEFT_EUSAGE;
		weft__ctl_send_err(c, err, "this is this node's own author");
	}
	if (err == 0 && memcmp(j->target, c->env->node, 32) == 0) {
		err = WEFT_EUSAGE;
		weft__ctl_send_err(c, err, "this is this node");
	}
out:
	free(target);
	free(kind);
	return err;
}

struct block_find {
	const char	*prefix;
	size_t		 n;
	uint8_t		 target[32];
	int		 kind;
	int		 found;
};

static int
block_find_cb(void *arg, int kind, const uint8_t target[32], uint64_t ts,
    const char *reason, size_t rlen)
{
	struct block_find	*f = arg;
	char			 hex[65];

	(void)ts;
	(void)reason;
	(void)rlen;
	weft_hex_encode(hex, target, 32);
	if (strncasecmp(hex, f->prefix, f->n) != 0)
		return 0;
	memcpy(f->target, target, 32);
	f->kind = kind;
	f->found++;
	return 0;
}

static int
unblock_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	struct mod_job		*j = arg;
	struct block_find	 f;
	char			*target = NULL;
	int			 err;

	j->store = c->env->store;
	j->what = MOD_UNBLOCK;
	err = weft__ctl_arg_str(c, req, "target", 64, &target);
	if (err)
		return err;
	memset(&f, 0, sizeof(f));
	err = WEFT_EUSAGE;
	if (target == NULL || strlen(target) < 8 ||
	    strspn(target, "0123456789abcdefABCDEF") != strlen(target)) {
		weft__ctl_send_err(c, err, "'target' is 8 to 64 hex "
		    "characters");
		goto out;
	}
	f.prefix = target;
	f.n = strlen(target);
	err = weft_store_blocks(c->env->store, block_find_cb, &f);
	if (err == 0 && f.found == 0)
		err = WEFT_ENOTFOUND;
	else if (err == 0 && f.found > 1)
		err = WEFT_EAMBIGUOUS;
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ?
		    "'%s' is not blocked" : "'%s'", target);
		goto out;
	}
	memcpy(j->target, f.target, 32);
	j->kind = f.kind;
out:
	free(target);
	return err;
}

static int
moderator_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct mod_job *j, bool add)
{
	j->store = c->env->store;
	j->what = add ? MOD_MODERATOR_ADD : MOD_MODERATOR_RM;
	j->ts = weft__ctl_now_ms(c->env);
	return weft__ctl_arg_author(c, req, "author", j->target, true);
}

static int
moderator_add_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	return moderator_prepare(c, req, arg, true);
}

static int
moderator_rm_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	return moderator_prepare(c, req, arg, false);
}

#define MOD_OP(opname, prep)						\
	.name = (opname), .flags = WEFT_OP_POOL,			\
	.req_size = sizeof(struct mod_job), .prepare = (prep),		\
	.release = mod_release, .work = mod_work, .reply = mod_reply,	\
	.what = "cannot change moderation"

const struct weft_ctl_op weft__op_block = { MOD_OP("block", block_prepare) };
const struct weft_ctl_op weft__op_unblock = {
	MOD_OP("unblock", unblock_prepare),
};
const struct weft_ctl_op weft__op_moderator_add = {
	MOD_OP("moderator_add", moderator_add_prepare),
};
const struct weft_ctl_op weft__op_moderator_rm = {
	MOD_OP("moderator_rm", moderator_rm_prepare),
};

/* Lists, on the loop (small tables) */

static int
blocks_cb(void *arg, int kind, const uint8_t target[32], uint64_t ts,
    const char *reason, size_t rlen)
{
	struct weft_lister	*l = arg;

	weft_pack_map(&l->pk, 4);
	weft_pack_str(&l->pk, "kind");
	weft_pack_str(&l->pk, kind_name(kind));
	weft_pack_str(&l->pk, "target");
	weft_pack_bin(&l->pk, target, 32);
	weft_pack_str(&l->pk, "ts");
	weft_pack_uint(&l->pk, ts);
	weft_pack_str(&l->pk, "reason");
	weft_pack_strn(&l->pk, reason, rlen);
	return weft__lister_item(l);
}

static void
op_blocks(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	l;
	int			err;

	(void)req;
	weft__lister_init(&l, c);
	err = weft_store_blocks(c->env->store, blocks_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

static int
moderators_cb(void *arg, const uint8_t author[32], uint64_t ts)
{
	struct weft_lister	*l = arg;

	weft_pack_map(&l->pk, 2);
	weft_pack_str(&l->pk, "author");
	weft_pack_bin(&l->pk, author, 32);
	weft_pack_str(&l->pk, "ts");
	weft_pack_uint(&l->pk, ts);
	return weft__lister_item(l);
}

static void
op_moderators(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	l;
	int			err;

	(void)req;
	weft__lister_init(&l, c);
	err = weft_store_moderators(c->env->store, moderators_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

static int
envelope_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct weft_lister	*l = arg;

	(void)id;
	weft_pack_bin(&l->pk, data, len);
	return weft__lister_item(l);
}

/* reports {all?}: the labels of non-moderators (all: every label). */
static void
op_reports(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	l;
	bool			all = false;
	int			err;

	/* Present and not false (the CLI sends "1"). */
	if (weft_obj_get(req, "all") != NULL &&
	    weft_obj_bool(weft_obj_get(req, "all"), &all) != 0)
		all = true;
	weft__lister_init(&l, c);
	err = weft_store_labels(c->env->store, !all, envelope_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

const struct weft_ctl_op weft__op_blocks = { .name = "blocks",
	.fn = op_blocks };
const struct weft_ctl_op weft__op_moderators = { .name = "moderators",
	.fn = op_moderators };
const struct weft_ctl_op weft__op_reports = { .name = "reports",
	.fn = op_reports };

/* label {target, on?, label, reason?}: signs a label with our author key. */
static int
label_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	struct weft_put_job	*j = arg;
	struct weft_record	 r;
	char			*target = NULL, *on = NULL;
	int			 kind = 0, err;

	weft_record_init(&r);
	r.type = WEFT_REC_LABEL;
	err = weft__ctl_arg_str(c, req, "target", 64, &target);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "on", 16, &on);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "label", WEFT_LABEL_MAX,
		    &r.label);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "reason", WEFT_REASON_MAX,
		    &r.label_reason);
	if (err)
		goto out;
	err = WEFT_EUSAGE;
	if (target == NULL || r.label == NULL) {
		weft__ctl_send_err(c, err, "'target' and 'label' are "
		    "required");
		goto out;
	}
	if (!weft_label_valid(r.label, strlen(r.label))) {
		weft__ctl_send_err(c, err, "'%s' is not a label: spam, nsfw, "
		    "illegal, copyright, stolen-design, or NS/NAME such as "
		    "org.example/name", r.label);
		goto out;
	}
	if (r.label_reason == NULL && (r.label_reason = strdup("")) == NULL) {
		err = -ENOMEM;
		weft__ctl_send_err(c, err, "label");
		goto out;
	}
	if (on != NULL && strcmp(on, "file") == 0) {
		/* A file by its content hash: any 64-hex value. */
		r.label_on = WEFT_LABEL_FILE;
		if (strlen(target) != 64 || weft_hex_decode(r.label_target,
		    32, target, 64) != 0) {
			weft__ctl_send_err(c, err, "a file is named by its "
			    "64-hex content hash");
			goto out;
		}
	} else {
		if (on != NULL && (kind = kind_parse(on)) == 0) {
			weft__ctl_send_err(c, err, "a label is on an author, "
			    "a design or a file, not '%s'", on);
			goto out;
		}
		if (kind == WEFT_BLOCK_NODE) {
			weft__ctl_send_err(c, err, "a label is on an author, "
			    "a design or a file, not a node");
			goto out;
		}
		err = target_resolve(c, target, &kind, r.label_target);
		if (err)
			goto out;
		err = WEFT_EUSAGE;
		if (kind == WEFT_BLOCK_NODE) {
			weft__ctl_send_err(c, err, "'%s' is a node: label its "
			    "author or designs", target);
			goto out;
		}
		r.label_on = kind == WEFT_BLOCK_AUTHOR ? WEFT_LABEL_AUTHOR :
		    WEFT_LABEL_DESIGN;
	}
	if (weft_record_check(&r) != 0) {
		weft__ctl_send_err(c, err, "the reason holds control "
		    "characters");
		goto out;
	}
	j->store = c->env->store;
	err = weft__record_make(c->env, &r, 0, &j->env);
	if (err)
		weft__ctl_send_err(c, err, "cannot make the label");
out:
	free(target);
	free(on);
	weft_record_release(&r);
	return err;
}

const struct weft_ctl_op weft__op_label = {
	WEFT_PUT_OP("label", label_prepare),
};
