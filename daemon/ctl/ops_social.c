/*
 * The community operations (docs/proto/control.md, "Community"): set and
 * read profiles, names for many authors at once, comment, list comments,
 * like and take back, and a design's counts. Records are signed with the
 * node's author key and stored like any other; what they name may arrive
 * later, so only what this node makes is checked against the store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "weft/buf.h"
#include "weft/chunk.h"
#include "weft/err.h"
#include "weft/imgmeta.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "social_make.h"
#include "store.h"
#include "sync.h"

/* Authors one "names" request may ask for. */
#define NAMES_MAX	1024

/*
 * A small file made here (an avatar): its chunks and chunk list, ready to
 * store, and the file map a record names it by.
 */
struct small_file {
	struct weft_chunk_put	 puts[WEFT_AVATAR_MAX / WEFT_CHUNK_MIN + 2];
	size_t			 nputs;
	struct weft_buf		 bytes;		/* the (stripped) file */
	struct weft_buf		 index;		/* its chunk list */
	struct weft_file_ref	 ref;
};

/* Cuts f->bytes into chunks and lists them; fills f->ref but its path. */
static int
small_file_cut(struct small_file *f)
{
	struct weft_chunk_ref	 refs[WEFT_AVATAR_MAX / WEFT_CHUNK_MIN + 1];
	struct weft_chunker	 ck;
	size_t			 off = 0, k, nrefs = 0;
	int			 err;

	weft_chunker_init(&ck);
	while (off < f->bytes.len) {
		k = weft_chunker_scan(&ck, f->bytes.data + off,
		    f->bytes.len - off);
		if (k == 0)
			k = f->bytes.len - off;
		if (nrefs == sizeof(refs) / sizeof(refs[0]))
			return WEFT_ETOOBIG;
		weft_hash(f->bytes.data + off, k, refs[nrefs].id);
		refs[nrefs].size = (uint32_t)k;
		f->puts[nrefs].data = f->bytes.data + off;
		f->puts[nrefs].len = k;
		memcpy(f->puts[nrefs].id, refs[nrefs].id, 32);
		nrefs++;
		off += k;
	}
	weft_buf_init(&f->index, WEFT_INDEX_MAX);
	err = weft_index_encode(refs, nrefs, &f->index);
	if (err)
		return err;
	f->nputs = nrefs;
	weft_hash(f->index.data, f->index.len, f->ref.index);
	memcpy(f->puts[f->nputs].id, f->ref.index, 32);
	f->puts[f->nputs].data = f->index.data;
	f->puts[f->nputs].len = f->index.len;
	f->nputs++;
	weft_hash(f->bytes.data, f->bytes.len, f->ref.hash);
	f->ref.size = f->bytes.len;
	return 0;
}

/* A profile (with its avatar's chunks) stored on the thread pool. */
struct profile_job {
	struct weft_store	*store;
	struct small_file	*avatar;	/* or NULL */
	struct weft_buf		 env;
	uint8_t			 id[32];
};

static int
profile_work(void *arg)
{
	struct profile_job	*j = arg;
	int			 err = 0;

	if (j->avatar != NULL)
		err = weft_store_chunks_put(j->store, j->avatar->puts,
		    j->avatar->nputs);
	if (err == 0)
		err = weft_store_record_put(j->store, j->env.data, j->env.len,
		    j->id);
	return err;
}

static void
small_file_free(struct small_file *f)
{
	if (f == NULL)
		return;
	free(f->ref.path);
	weft_buf_release(&f->bytes);
	weft_buf_release(&f->index);
	free(f);
}

static void
profile_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct profile_job	*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (!c->closing) {
		if (status) {
			weft__ctl_send_err(c, status, "cannot store the "
			    "profile");
		} else {
			/* Made here: the peers hear of it now. */
			if (c->env->sync != NULL)
				weft_sync_local_record(c->env->sync, j->id,
				    j->env.data, j->env.len);
			weft__ctl_reply_begin(&pk, &b, 2);
			weft_pack_str(&pk, "id");
			weft_pack_bin(&pk, j->id, 32);
			weft_pack_str(&pk, "record");
			weft_pack_bin(&pk, j->env.data, j->env.len);
			weft__ctl_send(c, &b);
		}
	}
	small_file_free(j->avatar);
	weft_buf_release(&j->env);
	free(j);
	weft__ctl_done(c);
}

/*
 * An image someone publishes (an avatar, a photo of a make): stripped of
 * its metadata (proto/imgmeta.c), at most max bytes after that, cut into
 * chunks, named by a file name of one path part. 0 and *out, or
 * WEFT_EBADFIELD (not a JPEG, PNG or WebP), WEFT_ETOOBIG, WEFT_EBADPATH
 * or -ENOMEM.
 */
static int
small_file_new(const uint8_t *data, size_t len, const char *name,
    size_t nlen, size_t max, struct small_file **out)
{
	struct small_file	*f;
	int			 err;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	weft_buf_init(&f->bytes, len);
	err = weft_img_strip(data, len, &f->bytes, NULL);
	if (err == 0 && f->bytes.len == 0)
		err = WEFT_EBADFIELD;
	if (err == 0 && f->bytes.len > max)
		err = WEFT_ETOOBIG;
	if (err == 0)
		err = small_file_cut(f);
	if (err == 0 && (weft_path_check(name, nlen) != 0 ||
	    memchr(name, '/', nlen) != NULL))
		err = WEFT_EBADPATH;
	if (err == 0) {
		f->ref.path = strndup(name, nlen);
		if (f->ref.path == NULL)
			err = -ENOMEM;
	}
	if (err) {
		small_file_free(f);
		return err;
	}
	*out = f;
	return 0;
}

/*
 * The avatar of a profile_set request: an image (JPEG, PNG or WebP) of
 * at most WEFT_AVATAR_MAX bytes, stripped of its metadata here too (the
 * CLI strips it first, so this is a second look), cut into chunks.
 * *out stays NULL without one. Replies on failure.
 */
static int
arg_avatar(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct small_file **out)
{
	struct small_file	*f;
	const uint8_t		*data;
	const char		*name;
	size_t			 len, nlen;
	int			 err;

	*out = NULL;
	if (weft_obj_get(req, "avatar") == NULL)
		return 0;
	if (weft_obj_bin(weft_obj_get(req, "avatar"), &data, &len) != 0 ||
	    weft_obj_str(weft_obj_get(req, "avatar_name"), &name,
	    &nlen) != 0 || nlen == 0 || nlen > 255) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "an avatar is bytes with a "
		    "file name");
		return WEFT_EUSAGE;
	}
	if (len > WEFT_AVATAR_MAX) {
		weft__ctl_send_err(c, WEFT_ETOOBIG, "an avatar is at most %d "
		    "bytes", WEFT_AVATAR_MAX);
		return WEFT_ETOOBIG;
	}
	err = small_file_new(data, len, name, nlen, WEFT_AVATAR_MAX, &f);
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_EBADFIELD ? "an avatar "
		    "is a JPEG, PNG or WebP image" : "avatar");
		return err;
	}
	*out = f;
	return 0;
}

/* The ts of author's latest profile, or 0 if none. */
static int
profile_ts(struct weft_store *store, const uint8_t author[32], uint64_t *ts)
{
	struct weft_record	r;
	struct weft_buf		env;
	int			err;

	*ts = 0;
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_profile(store, author, &env);
	if (err == 0) {
		err = weft_record_verify(env.data, env.len, &r, NULL);
		if (err == 0)
			*ts = r.ts;
		weft_record_release(&r);
	}
	weft_buf_release(&env);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

static void
op_profile_set(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_obj	*links = weft_obj_get(req, "links");
	struct weft_record	 r;
	struct weft_buf		 env;
	struct small_file	*avatar = NULL;
	struct profile_job	*j;
	uint64_t		 last;
	int			 err;

	weft_record_init(&r);
	if (weft__ctl_arg_str(c, req, "name", WEFT_PNAME_MAX, &r.name) != 0 ||
	    weft__ctl_arg_str(c, req, "bio", WEFT_BIO_MAX, &r.bio) != 0)
		goto out;
	if (r.name == NULL || r.name[0] == '\0') {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a profile needs a name");
		goto out;
	}
	if (links != NULL) {
		if (weft_obj_type(links) != WEFT_OBJ_ARRAY ||
		    weft_obj_len(links) > WEFT_LINKS_MAX) {
			weft__ctl_send_err(c, WEFT_EUSAGE, "at most %d links",
			    WEFT_LINKS_MAX);
			goto out;
		}
		r.nlinks = weft_obj_len(links);
		r.links = calloc(r.nlinks ? r.nlinks : 1, sizeof(*r.links));
		if (r.links == NULL) {
			r.nlinks = 0;
			weft__ctl_send_err(c, -ENOMEM, "profile");
			goto out;
		}
		for (uint32_t i = 0; i < r.nlinks; i++) {
			const char	*s;
			size_t		 n;

			if (weft_obj_str(weft_obj_at(links, i), &s, &n) != 0 ||
			    n > WEFT_LINK_MAX ||
			    weft_obj_strdup(weft_obj_at(links, i),
			    &r.links[i]) != 0) {
				weft__ctl_send_err(c, WEFT_EUSAGE,
				    "a link is 1 to %d bytes of text",
				    WEFT_LINK_MAX);
				goto out;
			}
		}
	}
	if (arg_avatar(c, req, &avatar) != 0)
		goto out;
	if (avatar != NULL) {
		/* The record owns the path; the job keeps the bytes. */
		r.files = calloc(1, sizeof(*r.files));
		if (r.files == NULL) {
			weft__ctl_send_err(c, -ENOMEM, "profile");
			goto out;
		}
		r.files[0] = avatar->ref;
		avatar->ref.path = NULL;
		r.nfiles = 1;
	}
	r.type = WEFT_REC_PROFILE;
	err = weft_record_check(&r);
	if (err) {
		weft__ctl_send_err(c, err, "not a profile: a name is one line "
		    "of at most %d bytes, a link starts with https:// or "
		    "http:// and has no spaces", WEFT_PNAME_MAX);
		goto out;
	}
	/* Later than the profile it replaces, or it would not win. */
	err = profile_ts(c->env->store, c->env->author->pk, &last);
	if (err) {
		weft__ctl_send_err(c, err, "cannot read the profile");
		goto out;
	}
	err = weft__record_make(c->env, &r, last + 1, &env);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot make the profile");
		goto out;
	}
	weft_record_release(&r);
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, -ENOMEM, "profile");
		small_file_free(avatar);
		weft__ctl_done(c);
		return;
	}
	j->store = c->env->store;
	j->avatar = avatar;
	j->env = env;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, profile_work, profile_done, j);
	if (err)
		profile_done(c, j, err);
	return;
out:
	small_file_free(avatar);
	weft_record_release(&r);
	weft__ctl_done(c);
}

/* A node id to look for: whole (prefix NULL) or by a hex prefix. */
struct node_match {
	uint8_t		 key[32];
	const char	*prefix;
};

static int
node_is(const struct node_match *m, const uint8_t node[32])
{
	char	hex[65];

	if (m->prefix == NULL)
		return memcmp(m->key, node, 32) == 0 ? WEFT_EEXISTS : 0;
	weft_hex_encode(hex, node, 32);
	return strncasecmp(hex, m->prefix, strlen(m->prefix)) == 0 ?
	    WEFT_EEXISTS : 0;
}

static int
node_cb(void *arg, const uint8_t node[32], const uint8_t *val, size_t len)
{
	(void)val;
	(void)len;
	return node_is(arg, node);
}

static int
known_node_cb(void *arg, const struct weft_net_known_info *k)
{
	return node_is(arg, k->node);
}

static int
peer_node_cb(void *arg, const struct weft_net_peer_info *p)
{
	return node_is(arg, p->node);
}

static bool
is_node(struct weft_ctl_conn *c, struct node_match *m)
{
	const struct weft_ctl_net	*cn = &c->env->net;

	if (node_is(m, c->env->node) == WEFT_EEXISTS)
		return true;
	if (cn->net != NULL && cn->known != NULL &&
	    cn->known(cn->net, known_node_cb, m) == WEFT_EEXISTS)
		return true;
	if (cn->net != NULL && cn->peers != NULL &&
	    cn->peers(cn->net, peer_node_cb, m) == WEFT_EEXISTS)
		return true;
	return weft_store_peers_load(c->env->store, node_cb, m) == WEFT_EEXISTS;
}

/*
 * Whether key is a node's id: this node's, a peer's (connected or in the
 * address book, which the store keeps a little later), or one the store
 * kept from earlier runs.
 */
bool
weft__ctl_is_node(struct weft_ctl_conn *c, const uint8_t key[32])
{
	struct node_match	m;

	memcpy(m.key, key, 32);
	m.prefix = NULL;
	return is_node(c, &m);
}

/* Whether prefix, naming no author here, begins a node's id. */
static bool
is_node_prefix(struct weft_ctl_conn *c, const char *prefix)
{
	struct node_match	m;

	memset(m.key, 0, sizeof(m.key));
	m.prefix = prefix;
	return is_node(c, &m);
}

int
weft__ctl_arg_author(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, uint8_t author[32], bool required)
{
	char	*s;
	int	 err;

	err = weft__ctl_arg_str(c, req, key, 64, &s);
	if (err)
		return err;
	if (s == NULL && required) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' is required", key);
		return WEFT_EUSAGE;
	}
	if (s == NULL) {
		memcpy(author, c->env->author->pk, 32);
		return 0;
	}
	/* A whole key names an author even before any record of theirs. */
	if (strlen(s) == 64 && weft_hex_decode(author, 32, s, 64) == 0)
		err = 0;
	else
		err = weft_store_author_resolve(c->env->store, s, author);
	if (err == 0 && weft__ctl_is_node(c, author)) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' is a node id, not an "
		    "author id ('weft status' prints both)", s);
		free(s);
		return WEFT_EUSAGE;
	}
	if (err == WEFT_ENOTFOUND && is_node_prefix(c, s)) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' is a node id, not an "
		    "author id ('weft status' prints both)", s);
		err = WEFT_EUSAGE;
	} else if (err == WEFT_EUSAGE)
		weft__ctl_send_err(c, err, "'%s' is not an author id (8 to 64 "
		    "hex characters)", s);
	else if (err == WEFT_ENOTFOUND)
		weft__ctl_send_err(c, err, "no author '%s' here", s);
	else if (err)
		weft__ctl_send_err(c, err, "author '%s'", s);
	free(s);
	return err;
}

static void
op_profile(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_buf		env, b;
	struct weft_pack	pk;
	uint8_t			author[32];
	int			err;

	if (weft__ctl_arg_author(c, req, "author", author, false) != 0)
		goto done;
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_profile(c->env->store, author, &env);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "no profile");
		goto done;
	}
	weft__ctl_reply_begin(&pk, &b, 2);
	weft_pack_str(&pk, "author");
	weft_pack_bin(&pk, author, 32);
	weft_pack_str(&pk, "record");
	weft_pack_bin(&pk, env.data, env.len);
	weft_buf_release(&env);
	weft__ctl_send(c, &b);
done:
	weft__ctl_done(c);
}

/*
 * names {authors: [bin 32]...}: each author's display name from the
 * latest profile, "" when none, in the same order.
 */
static void
op_names(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_obj	*a = weft_obj_get(req, "authors");
	struct weft_record	 r;
	struct weft_buf		 env, b;
	struct weft_pack	 pk;
	uint8_t			 author[32];
	uint32_t		 n;
	int			 err = 0;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY ||
	    (n = weft_obj_len(a)) > NAMES_MAX) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "names takes up to %d "
		    "authors", NAMES_MAX);
		goto done;
	}
	weft__ctl_reply_begin(&pk, &b, 1);
	weft_pack_str(&pk, "names");
	weft_pack_array(&pk, n);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	for (uint32_t i = 0; i < n && err == 0; i++) {
		if (weft_obj_binn(weft_obj_at(a, i), author, 32) != 0) {
			err = WEFT_EUSAGE;
			break;
		}
		env.len = 0;
		err = weft_store_profile(c->env->store, author, &env);
		if (err == WEFT_ENOTFOUND) {
			weft_pack_str(&pk, "");
			err = 0;
			continue;
		}
		if (err == 0)
			err = weft_record_verify(env.data, env.len, &r, NULL);
		if (err == 0)
			weft_pack_str(&pk, r.name);
		weft_record_release(&r);
	}
	weft_buf_release(&env);
	if (err) {
		weft_buf_release(&b);
		weft__ctl_send_err(c, err, err == WEFT_EUSAGE ?
		    "an author is a 32-byte key" : "cannot read profiles");
		goto done;
	}
	weft__ctl_send(c, &b);
done:
	weft__ctl_done(c);
}

/*
 * The comment id names a stored comment on design (by author, when
 * author is not NULL). Replies on failure.
 */
static int
arg_comment(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, const uint8_t design[32], const uint8_t *author,
    struct weft_id_list *out)
{
	struct weft_record	 r;
	struct weft_buf		 env;
	uint8_t			 id[32];
	int			 err;

	if (weft_obj_get(req, key) == NULL)
		return 0;
	if (weft__ctl_arg_id(c, req, key, id, true) != 0)
		return WEFT_EUSAGE;
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(c->env->store, id, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &r, NULL);
	weft_buf_release(&env);
	if (err == 0 && (r.type != WEFT_REC_COMMENT ||
	    memcmp(r.design, design, 32) != 0))
		err = WEFT_ENOTFOUND;
	if (err == 0 && author != NULL && memcmp(r.author, author, 32) != 0)
		err = WEFT_EDENIED;
	weft_record_release(&r);
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_EDENIED ?
		    "only your own comments can be edited" :
		    "not a comment on this design");
		return err;
	}
	out->ids = malloc(32);
	if (out->ids == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "comment");
		return -ENOMEM;
	}
	memcpy(out->ids[0], id, 32);
	out->n = 1;
	return 0;
}

/*
 * comment {design, text, reply_to?, edit?}: design may be a revision id,
 * which the comment then names as the revision it is about. The record
 * is made as the web UI makes one (social_make.c).
 */
static void
op_comment(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_id_list	 parent = { NULL, 0 }, replaces = { NULL, 0 };
	struct weft_buf		 env;
	uint8_t			 id[32], design[32];
	char			*text = NULL;
	int			 err;

	weft_buf_init(&env, 0);
	if (weft__ctl_arg_id(c, req, "design", id, true) != 0)
		goto out;
	err = weft_store_rev_design(c->env->store, id, design);
	if (err) {
		weft__ctl_send_err(c, err == WEFT_EUSAGE ? WEFT_ENOTFOUND :
		    err, "not a design");
		goto out;
	}
	if (weft__ctl_arg_str(c, req, "text", WEFT_COMMENT_MAX, &text) != 0)
		goto out;
	if (text == NULL || text[0] == '\0') {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a comment needs text");
		goto out;
	}
	if (arg_comment(c, req, "reply_to", design, NULL, &parent) != 0 ||
	    arg_comment(c, req, "edit", design, c->env->author->pk,
	    &replaces) != 0)
		goto out;
	err = weft__comment_make(c->env, id, text,
	    parent.n ? parent.ids[0] : NULL,
	    replaces.n ? replaces.ids[0] : NULL, &env);
	if (err != 0 && err != -ENOMEM) {
		weft__ctl_send_err(c, err, "not a comment: its text is at most "
		    "%d bytes of UTF-8, with no control characters but tab and "
		    "newline", WEFT_COMMENT_MAX);
		goto out;
	}
	if (err) {
		weft__ctl_send_err(c, err, "cannot make the comment");
		goto out;
	}
	free(text);
	free(parent.ids);
	free(replaces.ids);
	weft__put_now(c, &env);
	return;
out:
	weft_buf_release(&env);
	free(text);
	free(parent.ids);
	free(replaces.ids);
	weft__ctl_done(c);
}

static int
envelope_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct weft_lister	*l = arg;

	(void)id;
	weft_pack_bin(&l->pk, data, len);
	return weft__lister_item(l);
}

typedef int design_walk_fn(struct weft_store *, const uint8_t [32],
    weft_store_item_cb *, void *);

/*
 * comments {design}, makes {design}: a list reply of the envelopes walk
 * gives, by (ts, id); the first frame also carries the design.
 */
static void
design_list(struct weft_ctl_conn *c, const struct weft_obj *req,
    design_walk_fn *walk)
{
	struct weft_lister	 l;
	struct weft_pack	 pk;
	uint8_t			 design[32];
	int			 err;

	if (weft__ctl_arg_design(c, req, "design", design) != 0) {
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&l, c);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, 32);
	l.nextra = 1;
	err = weft_pack_error(&pk);
	if (err == 0)
		err = walk(c->env->store, design, envelope_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

static void
op_comments(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	design_list(c, req, weft_store_design_comments);
}

/*
 * react {design, value}: "like", or "" to take a like back; made as the
 * web UI makes one (social_make.c).
 */
static void
op_react(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_buf		 env, b;
	struct weft_pack	 pk;
	uint8_t			 design[32];
	char			*value = NULL;
	bool			 unchanged;
	int			 err;

	weft_buf_init(&env, 0);
	if (weft__ctl_arg_design(c, req, "design", design) != 0 ||
	    weft__ctl_arg_str(c, req, "value", WEFT_REACTION_MAX,
	    &value) != 0)
		goto out;
	if (value == NULL || (strcmp(value, "like") != 0 &&
	    value[0] != '\0')) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a reaction is \"like\" or "
		    "\"\"");
		goto out;
	}
	err = weft__like_make(c->env, design, value[0] != '\0', &env,
	    &unchanged);
	if (err) {
		weft__ctl_send_err(c, err, "cannot make the reaction");
		goto out;
	}
	if (unchanged) {
		/* Nothing changes: say so, and sign nothing. */
		weft__ctl_reply_begin(&pk, &b, 1);
		weft_pack_str(&pk, "unchanged");
		weft_pack_bool(&pk, true);
		weft__ctl_send(c, &b);
		goto out;
	}
	free(value);
	weft__put_now(c, &env);
	return;
out:
	weft_buf_release(&env);
	free(value);
	weft__ctl_done(c);
}

/*
 * social {design}: {likes, comments, makes, remixes, liked (by this
 * node's author)}.
 */
static void
op_social(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_buf		b;
	struct weft_pack	pk;
	uint8_t			design[32];
	uint64_t		n[WEFT_COUNT_KINDS], ts;
	bool			mine;
	int			err;

	if (weft__ctl_arg_design(c, req, "design", design) != 0)
		goto done;
	err = weft_store_design_counts(c->env->store, design, n);
	if (err == 0) {
		err = weft_store_reaction(c->env->store, design,
		    c->env->author->pk, &mine, &ts);
		if (err == WEFT_ENOTFOUND)
			err = 0;
	}
	if (err) {
		weft__ctl_send_err(c, err, "cannot read counts");
		goto done;
	}
	weft__ctl_reply_begin(&pk, &b, 6);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, 32);
	weft_pack_str(&pk, "likes");
	weft_pack_uint(&pk, n[WEFT_COUNT_LIKES]);
	weft_pack_str(&pk, "comments");
	weft_pack_uint(&pk, n[WEFT_COUNT_COMMENTS]);
	weft_pack_str(&pk, "makes");
	weft_pack_uint(&pk, n[WEFT_COUNT_MAKES]);
	weft_pack_str(&pk, "remixes");
	weft_pack_uint(&pk, n[WEFT_COUNT_REMIXES]);
	weft_pack_str(&pk, "liked");
	weft_pack_bool(&pk, mine);
	weft__ctl_send(c, &b);
done:
	weft__ctl_done(c);
}

/*
 * avatar {author}: the avatar of the author's latest profile, when all of
 * it is here: {name, data}. WEFT_ENOTFOUND without a profile, an avatar,
 * or (yet) its bytes.
 */
static void
op_avatar(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_record	 r;
	struct weft_buf		 env, data, b;
	struct weft_pack	 pk;
	uint8_t			 author[32], h[32];
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_buf_init(&data, WEFT_AVATAR_MAX);
	if (weft__ctl_arg_author(c, req, "author", author, false) != 0)
		goto done;
	err = weft_store_profile(c->env->store, author, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &r, NULL);
	if (err == 0 && r.nfiles != 1)
		err = WEFT_ENOTFOUND;
	if (err) {
		weft__ctl_send_err(c, err, "no avatar");
		goto done;
	}
	err = weft_store_file_read(c->env->store, &r.files[0],
	    WEFT_AVATAR_MAX, &data);
	if (err == 0) {
		weft_hash(data.data, data.len, h);
		if (memcmp(h, r.files[0].hash, 32) != 0)
			err = WEFT_EBADHASH;
	}
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_ENOTFOUND ?
		    "the avatar has not arrived yet" : "avatar");
		goto done;
	}
	weft__ctl_reply_begin(&pk, &b, 2);
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, r.files[0].path);
	weft_pack_str(&pk, "data");
	weft_pack_bin(&pk, data.data, data.len);
	weft__ctl_send(c, &b);
done:
	weft_buf_release(&data);
	weft_buf_release(&env);
	weft_record_release(&r);
	weft__ctl_done(c);
}

/* make */

/* A photo (or a make record) stored on the thread pool. */
struct make_job {
	struct weft_store	*store;
	struct small_file	*photo;		/* photo: its chunks */
	struct weft_buf		 env;		/* make: the record */
	uint8_t			 id[32];
};

static void
make_job_free(struct make_job *j)
{
	small_file_free(j->photo);
	weft_buf_release(&j->env);
	free(j);
}

static int
photo_work(void *arg)
{
	struct make_job	*j = arg;

	return weft_store_chunks_put(j->store, j->photo->puts,
	    j->photo->nputs);
}

static void
photo_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct make_job		*j = arg;
	struct weft_file_ref	*f = &j->photo->ref;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (!c->closing) {
		if (status) {
			weft__ctl_send_err(c, status, "cannot store the photo");
		} else {
			weft__ctl_reply_begin(&pk, &b, 4);
			weft_pack_str(&pk, "path");
			weft_pack_str(&pk, f->path);
			weft_pack_str(&pk, "size");
			weft_pack_uint(&pk, f->size);
			weft_pack_str(&pk, "hash");
			weft_pack_bin(&pk, f->hash, 32);
			weft_pack_str(&pk, "index");
			weft_pack_bin(&pk, f->index, 32);
			weft__ctl_send(c, &b);
		}
	}
	make_job_free(j);
	weft__ctl_done(c);
}

/*
 * photo {name, data}: an image of a make (JPEG, PNG or WebP), stripped
 * of metadata (again) and stored as a file's chunks. Reply: the file
 * map a make names it by, {path, size, hash, index}.
 */
static void
op_photo(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct small_file	*f;
	struct make_job		*j;
	const uint8_t		*data;
	const char		*name;
	size_t			 len, nlen;
	int			 err;

	if (weft_obj_bin(weft_obj_get(req, "data"), &data, &len) != 0 ||
	    weft_obj_str(weft_obj_get(req, "name"), &name, &nlen) != 0 ||
	    nlen == 0 || nlen > 255) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a photo is {name, data}");
		weft__ctl_done(c);
		return;
	}
	j = calloc(1, sizeof(*j));
	err = j == NULL ? -ENOMEM : small_file_new(data, len, name, nlen,
	    WEFT_MAKE_PHOTO_MAX, &f);
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_EBADFIELD ? "a photo is "
		    "a JPEG, PNG or WebP image" : err == WEFT_ETOOBIG ?
		    "a photo is at most 2,000,000 bytes" : "photo '%.*s'",
		    (int)nlen, name);
		free(j);
		weft__ctl_done(c);
		return;
	}
	j->photo = f;
	j->store = c->env->store;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, photo_work, photo_done, j);
	if (err)
		photo_done(c, j, err);
}

static int
make_work(void *arg)
{
	struct make_job	*j = arg;

	return weft_store_record_put(j->store, j->env.data, j->env.len, j->id);
}

static void
make_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct make_job		*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (!c->closing) {
		if (status) {
			weft__ctl_send_err(c, status, "cannot store the make");
		} else {
			if (c->env->sync != NULL)
				weft_sync_local_record(c->env->sync, j->id,
				    j->env.data, j->env.len);
			weft__ctl_reply_begin(&pk, &b, 2);
			weft_pack_str(&pk, "id");
			weft_pack_bin(&pk, j->id, 32);
			weft_pack_str(&pk, "record");
			weft_pack_bin(&pk, j->env.data, j->env.len);
			weft__ctl_send(c, &b);
		}
	}
	make_job_free(j);
	weft__ctl_done(c);
}

/* One photo map of a make request, whose chunk list is stored here. */
static int
arg_photo_ref(struct weft_ctl_conn *c, const struct weft_obj *o,
    struct weft_file_ref *f)
{
	const char	*path;
	size_t		 n;

	if (weft_obj_str(weft_obj_get(o, "path"), &path, &n) != 0 ||
	    n == 0 || n > 255 ||
	    weft_obj_uint(weft_obj_get(o, "size"), &f->size) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "hash"), f->hash, 32) != 0 ||
	    weft_obj_binn(weft_obj_get(o, "index"), f->index, 32) != 0) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a photo is {path, size, "
		    "hash, index}, as the photo op replies");
		return WEFT_EUSAGE;
	}
	if (weft_store_chunk_has(c->env->store, f->index) != 0) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "photo '%.*s' was not "
		    "stored first (op photo)", (int)n, path);
		return WEFT_ENOTFOUND;
	}
	f->path = strndup(path, n);
	if (f->path == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "make");
		return -ENOMEM;
	}
	return 0;
}

/* The first head a newest-first walk gives: the newest. */
struct newest {
	uint8_t	*id;
	bool	 found;
};

static int
newest_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct newest	*nw = arg;

	(void)data;
	(void)len;
	if (!nw->found) {
		memcpy(nw->id, id, 32);
		nw->found = true;
	}
	return 0;
}

/*
 * make {design, rev?, photos: [{name, data}...], note?, printer?,
 * material?, settings?}: rev defaults to the design's newest head.
 */
static void
op_make(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_obj	*ph = weft_obj_get(req, "photos");
	struct weft_record	 r;
	struct make_job		*j;
	uint8_t			 rev[32], d[32];
	int			 err;

	weft_record_init(&r);
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "make");
		weft__ctl_done(c);
		return;
	}
	if (weft__ctl_arg_design(c, req, "design", r.design) != 0)
		goto fail;
	r.has_design = true;
	if (weft_obj_get(req, "rev") != NULL) {
		if (weft__ctl_arg_id(c, req, "rev", rev, true) != 0)
			goto fail;
		err = weft_store_rev_design(c->env->store, rev, d);
		if (err || memcmp(d, r.design, 32) != 0) {
			weft__ctl_send_err(c, WEFT_ENOTFOUND, "not a revision "
			    "of this design");
			goto fail;
		}
	} else {
		struct newest	nw = { rev, false };

		err = weft_store_design_heads(c->env->store, r.design,
		    newest_cb, &nw);
		if (err == 0 && !nw.found)
			err = WEFT_ENOTFOUND;
		if (err) {
			weft__ctl_send_err(c, err, "cannot read the design");
			goto fail;
		}
	}
	r.on_rev.ids = malloc(32);
	if (r.on_rev.ids == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "make");
		goto fail;
	}
	memcpy(r.on_rev.ids[0], rev, 32);
	r.on_rev.n = 1;
	if (weft_obj_type(ph) != WEFT_OBJ_ARRAY || weft_obj_len(ph) < 1 ||
	    weft_obj_len(ph) > WEFT_PHOTOS_MAX) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a make has 1 to %d photos",
		    WEFT_PHOTOS_MAX);
		goto fail;
	}
	r.files = calloc(weft_obj_len(ph), sizeof(*r.files));
	if (r.files == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "make");
		goto fail;
	}
	for (uint32_t i = 0; i < weft_obj_len(ph); i++) {
		if (arg_photo_ref(c, weft_obj_at(ph, i), &r.files[i]) != 0)
			goto fail;
		r.nfiles++;
	}
	if (weft__ctl_arg_str(c, req, "note", WEFT_NOTE_MAX, &r.text) != 0 ||
	    weft__ctl_arg_str(c, req, "printer", WEFT_FIELD_MAX,
	    &r.printer) != 0 ||
	    weft__ctl_arg_str(c, req, "material", WEFT_FIELD_MAX,
	    &r.material) != 0 ||
	    weft__ctl_arg_str(c, req, "settings", WEFT_SETTINGS_MAX,
	    &r.settings) != 0)
		goto fail;
	r.type = WEFT_REC_MAKE;
	weft_record_sort(&r);
	err = weft_record_check(&r);
	if (err) {
		weft__ctl_send_err(c, err, "not a make: photos need different "
		    "names and at most 2,000,000 bytes each, printer and "
		    "material are one line each");
		goto fail;
	}
	err = weft__record_make(c->env, &r, 0, &j->env);
	if (err) {
		weft__ctl_send_err(c, err, "cannot make the make record");
		goto fail;
	}
	weft_record_release(&r);
	j->store = c->env->store;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, make_work, make_done, j);
	if (err)
		make_done(c, j, err);
	return;
fail:
	weft_record_release(&r);
	make_job_free(j);
	weft__ctl_done(c);
}

static void
op_makes(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	design_list(c, req, weft_store_design_makes);
}

/* The op table's entries (ops.c lists them). */
const struct weft_ctl_op weft__op_profile_set = { .name = "profile_set", .fn = op_profile_set };
const struct weft_ctl_op weft__op_profile = { .name = "profile", .fn = op_profile };
const struct weft_ctl_op weft__op_names = { .name = "names", .fn = op_names };
const struct weft_ctl_op weft__op_comment = { .name = "comment", .fn = op_comment };
const struct weft_ctl_op weft__op_comments = { .name = "comments", .fn = op_comments };
const struct weft_ctl_op weft__op_react = { .name = "react", .fn = op_react };
const struct weft_ctl_op weft__op_social = { .name = "social", .fn = op_social };
const struct weft_ctl_op weft__op_avatar = { .name = "avatar", .fn = op_avatar };
const struct weft_ctl_op weft__op_photo = { .name = "photo", .fn = op_photo };
const struct weft_ctl_op weft__op_make = { .name = "make", .fn = op_make };
const struct weft_ctl_op weft__op_makes = { .name = "makes", .fn = op_makes };
