/*
 * License rules for remixes over the store (remix.h). fork and update
 * call weft__remix_parents() and weft__remix_check() before they sign;
 * listings call weft__remix_conflict() to flag records from peers that
 * break the table (those are stored all the same: a node cannot judge
 * grants it has not received yet).
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
#include "remix.h"
#include "store.h"

/* Decodes a stored record (verified at ingest) into r. */
static int
load(struct weft_store *s, const uint8_t id[WEFT_ID_BYTES],
    struct weft_record *r)
{
	struct weft_buf	 env;
	const uint8_t	*body, *sig;
	size_t		 blen;
	int		 err;

	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(s, id, &env);
	if (err == 0)
		err = weft_record_open(env.data, env.len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, r);
	weft_buf_release(&env);
	return err;
}

int
weft__remix_parents(struct weft_store *s, const struct weft_id_list *ids,
    const uint8_t me[WEFT_PK_BYTES], struct weft_remix_parent *out)
{
	struct weft_record	 r;
	int			 err;

	for (uint32_t i = 0; i < ids->n; i++) {
		struct weft_remix_parent *p = &out[i];

		memset(p, 0, sizeof(*p));
		memcpy(p->rev, ids->ids[i], WEFT_ID_BYTES);
		weft_record_init(&r);
		err = load(s, p->rev, &r);
		if (err == WEFT_ENOTFOUND) {
			weft_record_release(&r);
			continue;
		}
		if (err == 0 && r.type != WEFT_REC_REV)
			err = WEFT_EBADFIELD;
		if (err) {
			weft_record_release(&r);
			return err;
		}
		p->present = true;
		memcpy(p->author, r.author, WEFT_PK_BYTES);
		if (r.has_design)
			memcpy(p->design, r.design, WEFT_ID_BYTES);
		else
			memcpy(p->design, p->rev, WEFT_ID_BYTES);
		snprintf(p->license, sizeof(p->license), "%s", r.license);
		p->own = memcmp(r.author, me, WEFT_PK_BYTES) == 0;
		weft_record_release(&r);
		err = weft_store_grant_find(s, p->design, p->author, me,
		    &p->granted, p->grant_license, sizeof(p->grant_license));
		if (err)
			return err;
	}
	return 0;
}

size_t
weft__remix_rules(const struct weft_remix_parent *p, size_t n,
    struct weft_license_parent *lp)
{
	size_t	k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!p[i].present)
			continue;
		lp[k].license = p[i].license;
		lp[k].free = p[i].own ||
		    (p[i].granted && p[i].grant_license[0] == '\0');
		lp[k].grant_license = p[i].granted &&
		    p[i].grant_license[0] != '\0' ? p[i].grant_license : NULL;
		k++;
	}
	return k;
}

/* Appends the allowed licenses ("A, B, C") to buf. */
static void
allowed_list(const struct weft_license_parent *lp, size_t n, char *buf,
    size_t size)
{
	const char	*ids[64];
	size_t		 k, len = 0, m;

	k = weft_license_allowed(lp, n, ids, 64);
	buf[0] = '\0';
	m = k < 64 ? k : 64;
	for (size_t i = 0; i < m && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? ", " : "", ids[i]);
}

/* Lists the present parents as "id (license), ..." into buf. */
static void
parents_list(const struct weft_remix_parent *p, size_t n, char *buf,
    size_t size)
{
	char	hex[WEFT_ID_HEX];
	size_t	len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		if (!p[i].present)
			continue;
		weft_hex_encode(hex, p[i].design, WEFT_ID_BYTES);
		hex[16] = '\0';
		len += (size_t)snprintf(buf + len, size - len, "%s%s (%s)",
		    len ? ", " : "", hex, p[i].license);
	}
}

int
weft__remix_check(struct weft_ctl_conn *c,
    const struct weft_remix_parent *p, size_t n, const char **license)
{
	struct weft_license_parent	 lp[WEFT_PREV_MAX];
	const char			*why = NULL, *dflt, *probe;
	char				 hex[WEFT_ID_HEX], list[2048];
	char				 plist[2048];
	size_t				 k, bad = 0, pi = 0, nfree;

	if (n > WEFT_PREV_MAX)
		return WEFT_ETOOBIG;
	k = weft__remix_rules(p, n, lp);
	if (k == 0)
		return 0;
	probe = *license;
	if (probe == NULL) {
		dflt = weft_license_default(lp, k);
		if (dflt != NULL) {
			*license = dflt;
			return 0;
		}
		/*
		 * Nothing fits. Several restricting parents: they cannot be
		 * combined. One: it refuses its own license (ND, ARR).
		 */
		nfree = 0;
		for (size_t i = 0; i < k; i++) {
			if (lp[i].free)
				continue;
			if (probe == NULL)
				probe = lp[i].license;
			nfree++;
		}
		if (nfree > 1) {
			parents_list(p, n, plist, sizeof(plist));
			weft__ctl_send_err(c, WEFT_EDENIED, "the parents' "
			    "licenses cannot be combined in one remix: %s; "
			    "ask their authors for a grant (weft grant)",
			    plist);
			return WEFT_EDENIED;
		}
		if (probe == NULL)
			probe = lp[0].license;
	}
	if (weft_license_check(lp, k, probe, &bad, &why) == 0) {
		if (*license != NULL)
			return 0;
		/* Each license alone fits, but no license fits them all. */
		parents_list(p, n, plist, sizeof(plist));
		weft__ctl_send_err(c, WEFT_EDENIED, "the parents' licenses "
		    "cannot be combined in one remix: %s; ask their authors "
		    "for a grant (weft grant)", plist);
		return WEFT_EDENIED;
	}
	allowed_list(lp, k, list, sizeof(list));
	/* bad counts present parents: find the parent it names. */
	for (size_t i = 0, j = 0; i < n; i++) {
		if (!p[i].present)
			continue;
		if (j++ == bad) {
			pi = i;
			break;
		}
	}
	weft_hex_encode(hex, p[pi].design, WEFT_ID_BYTES);
	hex[16] = '\0';
	if (*license == NULL && list[0] == '\0')
		weft__ctl_send_err(c, WEFT_EDENIED, "cannot remix: the parent "
		    "%s is %s: %s; ask its author for a grant (weft grant)",
		    hex, p[pi].license, why ? why : "");
	else if (*license == NULL)
		weft__ctl_send_err(c, WEFT_EDENIED, "cannot remix: the parent "
		    "%s is %s: %s; allowed: %s", hex, p[pi].license,
		    why ? why : "", list);
	else if (list[0] == '\0')
		weft__ctl_send_err(c, WEFT_EDENIED, "license '%s' is not "
		    "allowed: the parent %s is %s: %s; no license is allowed "
		    "without a grant from its author (weft grant)",
		    *license, hex, p[pi].license, why ? why : "");
	else
		weft__ctl_send_err(c, WEFT_EDENIED, "license '%s' is not "
		    "allowed: the parent %s is %s: %s; allowed: %s",
		    *license, hex, p[pi].license, why ? why : "", list);
	return WEFT_EDENIED;
}

bool
weft__remix_conflict(struct weft_store *s, const struct weft_record *r)
{
	struct weft_remix_parent	*p;
	struct weft_license_parent	 lp[WEFT_PREV_MAX];
	size_t				 k;
	bool				 bad = false;

	if (r->type != WEFT_REC_REV || r->remix_of.n == 0 ||
	    r->remix_of.n > WEFT_PREV_MAX)
		return false;
	p = calloc(r->remix_of.n, sizeof(*p));
	if (p == NULL)
		return false;
	if (weft__remix_parents(s, &r->remix_of, r->author, p) == 0) {
		k = weft__remix_rules(p, r->remix_of.n, lp);
		bad = k > 0 && weft_license_check(lp, k, r->license, NULL,
		    NULL) != 0;
	}
	free(p);
	return bad;
}

static int
newest_cb(void *arg, const uint8_t id[WEFT_ID_BYTES], const uint8_t *data,
    size_t len)
{
	(void)data;
	(void)len;
	memcpy(arg, id, WEFT_ID_BYTES);
	return 1;	/* heads come newest first: stop at the first */
}

static int
idcmp(const void *a, const void *b)
{
	return memcmp(a, b, WEFT_ID_BYTES);
}

int
weft__remix_add(struct weft_id_list *l, const uint8_t id[WEFT_ID_BYTES])
{
	uint8_t	(*ids)[WEFT_ID_BYTES];

	for (uint32_t i = 0; i < l->n; i++)
		if (memcmp(l->ids[i], id, WEFT_ID_BYTES) == 0)
			return 0;
	if (l->n >= WEFT_PREV_MAX)
		return WEFT_ETOOBIG;
	ids = realloc(l->ids, (l->n + 1) * (size_t)WEFT_ID_BYTES);
	if (ids == NULL)
		return -ENOMEM;
	l->ids = ids;
	memcpy(l->ids[l->n++], id, WEFT_ID_BYTES);
	qsort(l->ids, l->n, WEFT_ID_BYTES, idcmp);
	return 0;
}

int
weft__remix_arg(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, struct weft_id_list *l)
{
	const struct weft_obj	*a, *o;
	const char		*s;
	char			 buf[65];
	size_t			 n;
	uint8_t			 id[WEFT_ID_BYTES];
	uint8_t			 design[WEFT_ID_BYTES];
	uint8_t			 head[WEFT_ID_BYTES];
	int			 err;

	a = weft_obj_get(req, key);
	if (a == NULL || weft_obj_type(a) == WEFT_OBJ_NIL)
		return 0;
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(a) > WEFT_PREV_MAX) {
		weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' must be an array of "
		    "at most %d ids", key, WEFT_PREV_MAX);
		return WEFT_EUSAGE;
	}
	for (uint32_t i = 0; i < weft_obj_len(a); i++) {
		o = weft_obj_at(a, i);
		if (weft_obj_str(o, &s, &n) != 0 || n >= sizeof(buf)) {
			weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' must hold "
			    "ids (8 to 64 hex characters)", key);
			return WEFT_EUSAGE;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		err = weft_store_resolve(c->env->store, buf, id);
		if (err == 0)
			err = weft_store_rev_design(c->env->store, id,
			    design);
		if (err) {
			weft__ctl_send_err(c, err == WEFT_EUSAGE ?
			    WEFT_ENOTFOUND : err, "'%s' is no design here",
			    buf);
			return err == WEFT_EUSAGE ? WEFT_ENOTFOUND : err;
		}
		/* A design names its newest head; a revision, itself. */
		if (memcmp(id, design, WEFT_ID_BYTES) == 0) {
			err = weft_store_design_heads(c->env->store,
			    design, newest_cb, head);
			if (err == 1)
				err = 0;
			if (err) {
				weft__ctl_send_err(c, err, "cannot read the "
				    "design '%s'", buf);
				return err;
			}
			memcpy(id, head, WEFT_ID_BYTES);
		}
		err = weft__remix_add(l, id);
		if (err) {
			weft__ctl_send_err(c, err, "too many parents");
			return err;
		}
	}
	return 0;
}

int
weft__remix_license(struct weft_ctl_conn *c, const struct weft_record *r,
    const char **license)
{
	struct weft_remix_parent	*p;
	int				 err;

	if (r->remix_of.n == 0)
		return 0;
	p = calloc(r->remix_of.n, sizeof(*p));
	if (p == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "remix");
		return -ENOMEM;
	}
	err = weft__remix_parents(c->env->store, &r->remix_of,
	    r->author, p);
	if (err)
		weft__ctl_send_err(c, err, "cannot read the remixed designs");
	else
		err = weft__remix_check(c, p, r->remix_of.n, license);
	free(p);
	return err;
}

bool
weft__remix_conflict_env(struct weft_store *s, const uint8_t *env,
    size_t len)
{
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	bool			 bad = false;

	weft_record_init(&r);
	if (weft_record_open(env, len, &body, &blen, &sig) == 0 &&
	    weft_record_decode_body(body, blen, &r) == 0)
		bad = weft__remix_conflict(s, &r);
	weft_record_release(&r);
	return bad;
}
