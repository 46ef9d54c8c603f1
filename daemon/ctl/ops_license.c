/*
 * Control ops for licenses and remixes (docs/licenses.md): "grant" signs
 * a grant record letting an author (or anyone) remix a design of ours,
 * "grants" lists the grants stored for a design. fork and update check
 * licenses through remix.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/license.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "ctl.h"
#include "ops.h"
#include "ops_license.h"
#include "remix.h"
#include "store.h"

/* The author of a design's genesis revision. */
static int
design_author(struct weft_store *s, const uint8_t design[WEFT_ID_BYTES],
    uint8_t author[WEFT_PK_BYTES])
{
	struct weft_buf		 env;
	struct weft_record	 r;
	int			 err;

	weft_buf_init(&env, WEFT_RECORD_MAX);
	weft_record_init(&r);
	err = weft_store_record_get(s, design, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &r, NULL);
	if (err == 0)
		memcpy(author, r.author, WEFT_PK_BYTES);
	weft_record_release(&r);
	weft_buf_release(&env);
	return err;
}

static int
grant_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	struct weft_put_job	*j = arg;
	struct weft_record	 r;
	const struct weft_obj	*any;
	uint8_t			 author[WEFT_PK_BYTES];
	char			*to = NULL, *lic = NULL;
	const char		*canon = "";
	int			 err;

	weft_record_init(&r);
	r.type = WEFT_REC_GRANT;
	err = weft__ctl_arg_design(c, req, "design", r.grant_design);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "to", 64, &to);
	if (err == 0)
		err = weft__ctl_arg_str(c, req, "license", WEFT_LICENSE_MAX,
		    &lic);
	if (err)
		goto out;
	err = WEFT_EUSAGE;
	any = weft_obj_get(req, "anyone");
	if (any != NULL && weft_obj_bool(any, &r.grant_anyone) != 0) {
		weft__ctl_send_err(c, err, "'anyone' must be a boolean");
		goto out;
	}
	if (r.grant_anyone == (to != NULL)) {
		weft__ctl_send_err(c, err, "give either 'to' or 'anyone'");
		goto out;
	}
	/* A key prefix names the grantee, as for follow. */
	if (to != NULL && weft__ctl_arg_author(c, req, "to", r.grant_to,
	    true) != 0)
		goto out;
	if (lic != NULL) {
		canon = weft_license_parse(lic);
		if (canon == NULL) {
			err = WEFT_EBADLICENSE;
			weft__ctl_send_err(c, err, "license '%s'", lic);
			goto out;
		}
	}
	err = design_author(c->env->store, r.grant_design, author);
	if (err) {
		weft__ctl_send_err(c, err, "cannot read the design");
		goto out;
	}
	if (memcmp(author, c->env->author->pk, WEFT_PK_BYTES) != 0) {
		err = WEFT_EDENIED;
		weft__ctl_send_err(c, err, "only the design's author can "
		    "grant permission to remix it");
		goto out;
	}
	r.license = strdup(canon);
	if (r.license == NULL) {
		err = -ENOMEM;
		weft__ctl_send_err(c, err, "grant");
		goto out;
	}
	j->store = c->env->store;
	err = weft__record_make(c->env, &r, 0, &j->env);
	if (err)
		weft__ctl_send_err(c, err, "cannot grant");
out:
	free(to);
	free(lic);
	weft_record_release(&r);
	return err;
}

const struct weft_ctl_op weft__op_grant = {
	WEFT_PUT_OP("grant", grant_prepare),
};

/* author: the design's, whose grants alone count. */
struct grants_walk {
	struct weft_lister	*l;
	uint8_t			 author[WEFT_PK_BYTES];
};

/* Packs one grant: {id, author, to (bin 0 or 32), license, ts, valid}. */
static int
grants_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	struct grants_walk	*w = arg;
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	int			 err;

	weft_record_init(&r);
	err = weft_record_open(data, len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	if (err == 0 && r.type == WEFT_REC_GRANT) {
		weft_pack_map(&w->l->pk, 6);
		weft_pack_str(&w->l->pk, "id");
		weft_pack_bin(&w->l->pk, id, WEFT_ID_BYTES);
		weft_pack_str(&w->l->pk, "author");
		weft_pack_bin(&w->l->pk, r.author, WEFT_PK_BYTES);
		weft_pack_str(&w->l->pk, "to");
		weft_pack_bin(&w->l->pk, r.grant_to,
		    r.grant_anyone ? 0 : WEFT_PK_BYTES);
		weft_pack_str(&w->l->pk, "license");
		weft_pack_str(&w->l->pk, r.license);
		weft_pack_str(&w->l->pk, "ts");
		weft_pack_uint(&w->l->pk, r.ts);
		/* Only the design's author can grant. */
		weft_pack_str(&w->l->pk, "valid");
		weft_pack_bool(&w->l->pk, memcmp(r.author, w->author,
		    WEFT_PK_BYTES) == 0);
		err = weft__lister_item(w->l);
	}
	weft_record_release(&r);
	return err;
}

static void
op_grants(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	 l;
	struct grants_walk	 w;
	struct weft_pack	 pk;
	uint8_t			 design[WEFT_ID_BYTES];
	int			 err;

	if (weft__ctl_arg_design(c, req, "design", design) != 0) {
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&l, c);
	w.l = &l;
	err = design_author(c->env->store, design, w.author);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, WEFT_ID_BYTES);
	l.nextra = 1;
	if (err == 0)
		err = weft_store_design_grants(c->env->store, design,
		    grants_cb, &w);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

const struct weft_ctl_op weft__op_grants = { .name = "grants",
	.fn = op_grants };

int
weft__lic_filter_arg(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct weft_lic_filter *f)
{
	char		*lic = NULL, *cls = NULL, *p, *tok, *save = NULL;
	const char	*canon;
	unsigned	 bit;
	int		 err = 0;

	memset(f, 0, sizeof(*f));
	if (weft__ctl_arg_str(c, req, "license", WEFT_LICENSE_MAX, &lic) != 0 ||
	    weft__ctl_arg_str(c, req, "classes", 256, &cls) != 0) {
		err = WEFT_EUSAGE;
		goto out;
	}
	if (lic != NULL) {
		bit = weft_license_class_parse(lic);
		canon = weft_license_parse(lic);
		if (bit != 0)
			f->classes |= bit;
		else if (canon != NULL)
			snprintf(f->license, sizeof(f->license), "%s", canon);
		else {
			weft__ctl_send_err(c, WEFT_EBADLICENSE, "'%s' is "
			    "neither a license nor a class (remixable, "
			    "commercial-ok, share-alike, no-derivatives)", lic);
			err = WEFT_EBADLICENSE;
			goto out;
		}
	}
	for (p = cls; cls != NULL && (tok = strtok_r(p, ",", &save)) != NULL;
	    p = NULL) {
		bit = weft_license_class_parse(tok);
		if (bit == 0) {
			weft__ctl_send_err(c, WEFT_EUSAGE, "unknown license "
			    "class '%s'", tok);
			err = WEFT_EUSAGE;
			goto out;
		}
		f->classes |= bit;
	}
	weft__mod_hidden_load(c->env->store, &f->hidden);
	f->on = f->license[0] != '\0' || f->classes != 0 || f->hidden.n > 0;
out:
	free(lic);
	free(cls);
	return err;
}

void
weft__lic_filter_release(struct weft_lic_filter *f)
{
	weft__mod_hidden_free(&f->hidden);
}

bool
weft__lic_filter_match(const struct weft_lic_filter *f,
    const uint8_t *summary, size_t len)
{
	struct weft_msg	 m;
	const char	*s;
	char		 lic[WEFT_LICENSE_MAX + 1];
	size_t		 n;
	bool		 conflict = false, ok;
	const uint8_t	*design, *author;

	if (!f->on)
		return true;
	if (weft_msg_decode(&m, summary, len) != 0)
		return false;
	if (f->hidden.n > 0 && (weft_obj_bin(weft_obj_get(m.root, "design"),
	    &design, &n) != 0 || n != 32 || weft_obj_bin(weft_obj_get(m.root,
	    "author"), &author, &n) != 0 || n != 32 ||
	    weft__mod_hidden_has(&f->hidden, design, author))) {
		weft_msg_release(&m);
		return false;
	}
	if (f->license[0] == '\0' && f->classes == 0) {
		weft_msg_release(&m);
		return true;
	}
	ok = weft_obj_str(weft_obj_get(m.root, "license"), &s, &n) == 0 &&
	    n < sizeof(lic);
	if (ok) {
		memcpy(lic, s, n);
		lic[n] = '\0';
		if (weft_obj_bool(weft_obj_get(m.root, "conflict"),
		    &conflict) != 0)
			conflict = false;
		if (f->license[0] != '\0' && strcmp(f->license, lic) != 0)
			ok = false;
		if (f->classes != 0 && (conflict ||
		    (weft_license_classes(lic) & f->classes) != f->classes))
			ok = false;
	}
	weft_msg_release(&m);
	return ok;
}
