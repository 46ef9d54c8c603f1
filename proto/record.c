/*
 * Records: canonical bodies, signed envelopes, ids (docs/proto/records.md).
 *
 * Encoding is the definition: weft_record_encode_body() writes the fields
 * of each type in one fixed order with msgpack's shortest forms. Decoding
 * reads the fields positionally, checks types and counts before it
 * allocates, runs weft_record_check(), and then re-encodes the result and
 * demands byte equality with the input. So exactly one body decodes to a
 * given record, and an id names one record, whoever encoded it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#define DOMAIN_LEN	(sizeof(WEFT_SIG_DOMAIN) - 1)

/*
 * The largest body an envelope can hold: the envelope adds a fixarray
 * byte, a bin32 header for the body and a bin8 header plus the signature.
 */
#define BODY_MAX	(WEFT_RECORD_MAX - 1 - 5 - 2 - WEFT_SIG_BYTES)

static const char *const type_names[] = {
	[WEFT_REC_REV] = "rev",
	[WEFT_REC_LIB] = "lib",
	[WEFT_REC_ENTRY] = "entry",
	[WEFT_REC_PROFILE] = "profile",
	[WEFT_REC_COMMENT] = "comment",
	[WEFT_REC_REACTION] = "reaction",
	[WEFT_REC_MAKE] = "make",
	[WEFT_REC_GRANT] = "grant",
	[WEFT_REC_GEOM] = "geom",
	[WEFT_REC_LABEL] = "label",
	[WEFT_REC_RETRACT] = "retract",
	[WEFT_REC_RECEIPT] = "receipt",
	[WEFT_REC_MAINT] = "maint",
};

const char *
weft_record_type_name(enum weft_record_type t)
{
	if (t < WEFT_REC_REV || t > WEFT_REC_TYPE_MAX || type_names[t] == NULL)
		return "unknown";
	return type_names[t];
}

static const char *const label_on_names[] = {
	[WEFT_LABEL_AUTHOR] = "author",
	[WEFT_LABEL_DESIGN] = "design",
	[WEFT_LABEL_FILE] = "file",
};

const char *
weft_label_on_name(enum weft_label_on on)
{
	if (on < WEFT_LABEL_AUTHOR || on > WEFT_LABEL_FILE)
		return NULL;
	return label_on_names[on];
}

enum weft_label_on
weft_label_on_parse(const char *name, size_t n)
{
	for (int i = WEFT_LABEL_AUTHOR; i <= WEFT_LABEL_FILE; i++)
		if (n == strlen(label_on_names[i]) &&
		    memcmp(name, label_on_names[i], n) == 0)
			return (enum weft_label_on)i;
	return 0;
}

static const char *const known_labels[] = {
	"spam", "nsfw", "illegal", "copyright", "stolen-design",
};

const char *
weft_label_known(size_t i)
{
	if (i >= sizeof(known_labels) / sizeof(known_labels[0]))
		return NULL;
	return known_labels[i];
}

static bool
label_char(char c, bool ns)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || (!ns && c == '_');
}

bool
weft_label_valid(const char *s, size_t n)
{
	const char	*slash;
	size_t		 nsl;
	bool		 dot = false;

	if (s == NULL || n == 0 || n > WEFT_LABEL_MAX)
		return false;
	for (size_t i = 0; weft_label_known(i) != NULL; i++)
		if (n == strlen(weft_label_known(i)) &&
		    memcmp(s, weft_label_known(i), n) == 0)
			return true;
	slash = memchr(s, '/', n);
	if (slash == NULL)
		return false;
	nsl = (size_t)(slash - s);
	if (nsl == 0 || nsl + 1 == n)
		return false;
	for (size_t i = 0; i < nsl; i++) {
		if (!label_char(s[i], true))
			return false;
		dot |= s[i] == '.';
	}
	for (size_t i = nsl + 1; i < n; i++)
		if (!label_char(s[i], false))
			return false;
	return dot;
}

int
weft_label_base(const char *s, size_t n, char *base, size_t *bn)
{
	const size_t	 np = sizeof(WEFT_LABEL_NOT) - 1;
	const char	*us;
	char		 l[WEFT_LABEL_MAX + 1];
	size_t		 ln;

	if (!weft_label_valid(s, n))
		return WEFT_EBADFIELD;
	memcpy(base, s, n);
	base[n] = '\0';
	*bn = n;
	if (n <= np || memcmp(s, WEFT_LABEL_NOT, np) != 0)
		return 0;
	ln = n - np;
	memcpy(l, s + np, ln);
	l[ln] = '\0';
	us = memchr(l, '_', ln);
	if (us != NULL)
		l[us - l] = '/';
	/* Not a label, or a removal of a removal: an ordinary label. */
	if (!weft_label_valid(l, ln) || (ln > np &&
	    memcmp(l, WEFT_LABEL_NOT, np) == 0))
		return 0;
	memcpy(base, l, ln + 1);
	*bn = ln;
	return 1;
}

int
weft_label_removal(const char *l, size_t n, char *out)
{
	const size_t	 np = sizeof(WEFT_LABEL_NOT) - 1;
	const char	*sl;
	char		 b[WEFT_LABEL_MAX + 1];
	size_t		 bn;

	if (weft_label_base(l, n, b, &bn) != 0 || n + np > WEFT_LABEL_MAX ||
	    (n >= np && memcmp(l, WEFT_LABEL_NOT, np) == 0))
		return WEFT_EBADFIELD;
	memcpy(out, WEFT_LABEL_NOT, np);
	memcpy(out + np, l, n);
	out[np + n] = '\0';
	sl = memchr(out + np, '/', n);
	if (sl != NULL)
		out[sl - out] = '_';
	return 0;
}

void
weft_record_init(struct weft_record *r)
{
	memset(r, 0, sizeof(*r));
}

static void
id_list_release(struct weft_id_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}

void
weft_record_release(struct weft_record *r)
{
	id_list_release(&r->prev);
	id_list_release(&r->remix_of);
	id_list_release(&r->maintainers);
	id_list_release(&r->on_rev);
	id_list_release(&r->parent);
	id_list_release(&r->replaces);
	id_list_release(&r->targets);
	free(r->reason);
	for (uint32_t i = 0; i < r->nlinks && r->links != NULL; i++)
		free(r->links[i]);
	free(r->links);
	free(r->bio);
	free(r->text);
	free(r->value);
	free(r->printer);
	free(r->material);
	free(r->settings);
	free(r->label);
	free(r->label_reason);
	free(r->title);
	free(r->description);
	free(r->license);
	free(r->message);
	free(r->name);
	for (uint32_t i = 0; i < r->ntags && r->tags != NULL; i++)
		free(r->tags[i]);
	free(r->tags);
	for (uint32_t i = 0; i < r->nfiles && r->files != NULL; i++)
		free(r->files[i].path);
	free(r->files);
	for (uint32_t i = 0; i < r->ngfacts && r->gfacts != NULL; i++) {
		free(r->gfacts[i].path);
		free(r->gfacts[i].format);
		free(r->gfacts[i].note);
		free(r->gfacts[i].unit);
		free(r->gfacts[i].open);
	}
	free(r->gfacts);
	weft_record_init(r);
}

/* UTF-8 and text classes */

/*
 * Decodes one well-formed UTF-8 sequence at s[0..n): returns its length
 * and the code point, or 0 for overlongs, surrogates, values past
 * U+10FFFF, stray continuation bytes and truncated sequences.
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	c = s[0], min;
	size_t		len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C0, DEL and C1 controls. */
static bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Unicode White_Space outside the controls. */
static bool
is_space(uint32_t cp)
{
	return cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

enum text_class {
	TEXT_BODY,	/* tab and newline allowed (weft_utf8_valid) */
	TEXT_LINE,	/* no controls at all */
	TEXT_WORD,	/* no controls and no white space */
};

static bool
text_ok(const char *s, size_t n, enum text_class cls)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 k;

	while (n > 0) {
		k = utf8_next(p, n, &cp);
		if (k == 0)
			return false;
		if (cls == TEXT_BODY) {
			if (cp < 0x20 && cp != '\t' && cp != '\n')
				return false;
		} else if (is_control(cp) || (cls == TEXT_WORD && is_space(cp)))
			return false;
		p += k;
		n -= k;
	}
	return true;
}

bool
weft_utf8_valid(const char *s, size_t n)
{
	return text_ok(s, n, TEXT_BODY);
}

int
weft_path_check(const char *path, size_t len)
{
	size_t	start = 0, plen;

	if (path == NULL || len == 0 || len > WEFT_PATH_MAX ||
	    !text_ok(path, len, TEXT_LINE) || memchr(path, '\\', len) != NULL)
		return WEFT_EBADPATH;
	/* Each part runs from start to the next '/' or the end. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		plen = i - start;
		if (plen == 0 || (plen == 1 && path[start] == '.') ||
		    (plen == 2 && path[start] == '.' && path[start + 1] == '.'))
			return WEFT_EBADPATH;
		start = i + 1;
	}
	return 0;
}

/* Checking */

static int
idcmp(const void *a, const void *b)
{
	return memcmp(a, b, WEFT_ID_BYTES);
}

/* min..max ids, strictly ascending (sorted, no duplicates). */
static bool
id_list_ok(const struct weft_id_list *l, uint32_t min, uint32_t max)
{
	if (l->n < min || l->n > max || (l->n > 0 && l->ids == NULL))
		return false;
	for (uint32_t i = 1; i < l->n; i++)
		if (idcmp(l->ids[i - 1], l->ids[i]) >= 0)
			return false;
	return true;
}

/* A NULL optional string counts as empty. */
static bool
str_ok(const char *s, size_t min, size_t max, enum text_class cls)
{
	size_t	n;

	if (s == NULL)
		return min == 0;
	n = strnlen(s, max + 1);
	return n >= min && n <= max && text_ok(s, n, cls);
}

static int
check_rev(const struct weft_record *r)
{
	const char	*lic;

	if (r->has_design != (r->prev.n > 0) ||
	    !id_list_ok(&r->prev, 0, WEFT_PREV_MAX) ||
	    !id_list_ok(&r->remix_of, 0, WEFT_PREV_MAX) ||
	    r->title == NULL ||
	    !str_ok(r->title, 1, WEFT_TITLE_MAX, TEXT_LINE) ||
	    !str_ok(r->description, 0, WEFT_DESC_MAX, TEXT_BODY) ||
	    !str_ok(r->message, 0, WEFT_MESSAGE_MAX, TEXT_BODY) ||
	    r->ntags > WEFT_TAGS_MAX || (r->ntags > 0 && r->tags == NULL) ||
	    r->nfiles > WEFT_FILES_MAX || (r->nfiles > 0 && r->files == NULL))
		return WEFT_EBADFIELD;
	for (uint32_t i = 0; i < r->ntags; i++) {
		if (r->tags[i] == NULL ||
		    !str_ok(r->tags[i], 1, WEFT_TAG_MAX, TEXT_WORD) ||
		    (i > 0 && strcmp(r->tags[i - 1], r->tags[i]) >= 0))
			return WEFT_EBADFIELD;
	}
	for (uint32_t i = 0; i < r->nfiles; i++) {
		const struct weft_file_ref *f = &r->files[i];

		if (f->path == NULL ||
		    weft_path_check(f->path, strnlen(f->path,
		    WEFT_PATH_MAX + 1)) != 0)
			return WEFT_EBADPATH;
		if (f->size > WEFT_FILE_SIZE_MAX ||
		    (i > 0 && strcmp(r->files[i - 1].path, f->path) >= 0))
			return WEFT_EBADFIELD;
	}
	if (r->license == NULL)
		return WEFT_EBADLICENSE;
	lic = weft_license_find(r->license);
	if (lic == NULL || strcmp(lic, r->license) != 0)
		return WEFT_EBADLICENSE;
	return 0;
}

static int
check_lib(const struct weft_record *r)
{
	if (r->name == NULL || !str_ok(r->name, 1, WEFT_NAME_MAX, TEXT_LINE) ||
	    !str_ok(r->description, 0, WEFT_DESC_MAX, TEXT_BODY) ||
	    !id_list_ok(&r->maintainers, 1, WEFT_MAINTAINERS_MAX))
		return WEFT_EBADFIELD;
	if (bsearch(r->author, r->maintainers.ids, r->maintainers.n,
	    WEFT_ID_BYTES, idcmp) == NULL)
		return WEFT_EBADFIELD;
	return 0;
}

/* A link a page may show as one: http(s), no white space. */
static bool
link_ok(const char *s)
{
	size_t	n;

	if (!str_ok(s, 1, WEFT_LINK_MAX, TEXT_WORD))
		return false;
	n = strlen(s);
	return (n > 8 && strncmp(s, "https://", 8) == 0) ||
	    (n > 7 && strncmp(s, "http://", 7) == 0);
}

static int
check_profile(const struct weft_record *r)
{
	if (r->name == NULL || !str_ok(r->name, 1, WEFT_PNAME_MAX, TEXT_LINE) ||
	    !str_ok(r->bio, 0, WEFT_BIO_MAX, TEXT_BODY) ||
	    r->nlinks > WEFT_LINKS_MAX || (r->nlinks > 0 && r->links == NULL) ||
	    r->nfiles > 1 || (r->nfiles > 0 && r->files == NULL))
		return WEFT_EBADFIELD;
	for (uint32_t i = 0; i < r->nlinks; i++)
		if (r->links[i] == NULL || !link_ok(r->links[i]))
			return WEFT_EBADFIELD;
	if (r->nfiles == 1) {
		if (r->files[0].path == NULL ||
		    weft_path_check(r->files[0].path, strnlen(r->files[0].path,
		    WEFT_PATH_MAX + 1)) != 0)
			return WEFT_EBADPATH;
		if (r->files[0].size > WEFT_AVATAR_MAX)
			return WEFT_EBADFIELD;
	}
	return 0;
}

static int
check_comment(const struct weft_record *r)
{
	if (!r->has_design || !id_list_ok(&r->on_rev, 0, 1) ||
	    !id_list_ok(&r->parent, 0, 1) || !id_list_ok(&r->replaces, 0, 1) ||
	    r->text == NULL ||
	    !str_ok(r->text, 1, WEFT_COMMENT_MAX, TEXT_BODY))
		return WEFT_EBADFIELD;
	return 0;
}

static int
check_reaction(const struct weft_record *r)
{
	if (!r->has_design || r->value == NULL ||
	    (strcmp(r->value, "like") != 0 && r->value[0] != '\0'))
		return WEFT_EBADFIELD;
	return 0;
}

static int
check_make(const struct weft_record *r)
{
	if (!r->has_design || !id_list_ok(&r->on_rev, 1, 1) ||
	    r->nfiles < 1 || r->nfiles > WEFT_PHOTOS_MAX || r->files == NULL ||
	    !str_ok(r->text, 0, WEFT_NOTE_MAX, TEXT_BODY) ||
	    !str_ok(r->printer, 0, WEFT_FIELD_MAX, TEXT_LINE) ||
	    !str_ok(r->material, 0, WEFT_FIELD_MAX, TEXT_LINE) ||
	    !str_ok(r->settings, 0, WEFT_SETTINGS_MAX, TEXT_BODY))
		return WEFT_EBADFIELD;
	for (uint32_t i = 0; i < r->nfiles; i++) {
		const struct weft_file_ref *f = &r->files[i];

		if (f->path == NULL ||
		    weft_path_check(f->path, strnlen(f->path,
		    WEFT_PATH_MAX + 1)) != 0)
			return WEFT_EBADPATH;
		if (f->size > WEFT_MAKE_PHOTO_MAX ||
		    (i > 0 && strcmp(r->files[i - 1].path, f->path) >= 0))
			return WEFT_EBADFIELD;
	}
	return 0;
}

/* A grant's license is "" (any) or a canonical id, as a rev's. */
static int
check_grant(const struct weft_record *r)
{
	const char	*lic;

	if (r->license == NULL)
		return WEFT_EBADLICENSE;
	if (r->license[0] == '\0')
		return 0;
	lic = weft_license_find(r->license);
	if (lic == NULL || strcmp(lic, r->license) != 0)
		return WEFT_EBADLICENSE;
	return 0;
}

/*
 * A file that was not read (a note) has no facts: zeros, not closed, no
 * reason it is open, no fingerprints. One that was read is closed
 * exactly when no reason says why it is open.
 */
static bool
gfact_consistent(const struct weft_geom_fact *g)
{
	bool	why = g->open != NULL && g->open[0] != '\0';

	if (g->note != NULL && g->note[0] != '\0')
		return !g->closed && !why && g->triangles == 0 &&
		    g->area == 0 && g->parts == 0 && !g->has_key &&
		    !g->has_d2 && !g->has_ratio;
	return g->closed != why;
}

/*
 * A geom record: one revision, mesh facts sorted by path with text the
 * way records.md says, and at most one thumbnail.
 */
static int
check_geom(const struct weft_record *r)
{
	const struct weft_geom_fact	*g;
	const struct weft_file_ref	*f;

	if (!r->has_design || !id_list_ok(&r->on_rev, 1, 1) ||
	    r->ngfacts > WEFT_GFILES_MAX ||
	    (r->ngfacts > 0 && r->gfacts == NULL) || r->nfiles > 1 ||
	    (r->nfiles > 0 && r->files == NULL))
		return WEFT_EBADFIELD;
	for (uint32_t i = 0; i < r->ngfacts; i++) {
		g = &r->gfacts[i];
		if (g->path == NULL ||
		    weft_path_check(g->path, strnlen(g->path,
		    WEFT_PATH_MAX + 1)) != 0)
			return WEFT_EBADPATH;
		if ((i > 0 && strcmp(r->gfacts[i - 1].path, g->path) >= 0) ||
		    g->format == NULL || (strcmp(g->format, "stl") != 0 &&
		    strcmp(g->format, "obj") != 0 &&
		    strcmp(g->format, "3mf") != 0) ||
		    !str_ok(g->note, 0, WEFT_GNOTE_MAX, TEXT_LINE) ||
		    !str_ok(g->unit, 0, WEFT_GUNIT_MAX, TEXT_WORD) ||
		    !str_ok(g->open, 0, WEFT_GNOTE_MAX, TEXT_LINE) ||
		    !gfact_consistent(g) ||
		    (g->has_ratio && (g->ratio[0] > WEFT_GRATIO_MAX ||
		    g->ratio[1] > WEFT_GRATIO_MAX)))
			return WEFT_EBADFIELD;
	}
	if (r->nfiles == 1) {
		f = &r->files[0];
		if (f->path == NULL ||
		    weft_path_check(f->path, strnlen(f->path,
		    WEFT_PATH_MAX + 1)) != 0)
			return WEFT_EBADPATH;
		if (f->size > WEFT_THUMB_MAX)
			return WEFT_EBADFIELD;
	}
	return 0;
}

static int
check_label(const struct weft_record *r)
{
	if (weft_label_on_name(r->label_on) == NULL || r->label == NULL ||
	    !weft_label_valid(r->label, strlen(r->label)) ||
	    !str_ok(r->label_reason, 0, WEFT_REASON_MAX, TEXT_BODY))
		return WEFT_EBADFIELD;
	return 0;
}

static int
check_retract(const struct weft_record *r)
{
	if (!id_list_ok(&r->targets, 1, WEFT_TARGETS_MAX) ||
	    !str_ok(r->reason, 0, WEFT_REASON_MAX, TEXT_BODY))
		return WEFT_EBADFIELD;
	return 0;
}

int
weft_record_check(const struct weft_record *r)
{
	switch (r->type) {
	case WEFT_REC_REV:
		return check_rev(r);
	case WEFT_REC_LIB:
		return check_lib(r);
	case WEFT_REC_ENTRY:
		if (r->action != WEFT_ENTRY_ADD && r->action != WEFT_ENTRY_REMOVE)
			return WEFT_EBADFIELD;
		return 0;
	case WEFT_REC_PROFILE:
		return check_profile(r);
	case WEFT_REC_COMMENT:
		return check_comment(r);
	case WEFT_REC_REACTION:
		return check_reaction(r);
	case WEFT_REC_MAKE:
		return check_make(r);
	case WEFT_REC_GRANT:
		return check_grant(r);
	case WEFT_REC_GEOM:
		return check_geom(r);
	case WEFT_REC_LABEL:
		return check_label(r);
	case WEFT_REC_RETRACT:
		return check_retract(r);
	case WEFT_REC_MAINT:
		if ((r->action != WEFT_ENTRY_ADD &&
		    r->action != WEFT_ENTRY_REMOVE) ||
		    !id_list_ok(&r->prev, 0, WEFT_PREV_MAX))
			return WEFT_EBADFIELD;
		return 0;
	case WEFT_REC_RECEIPT:
		/* A receipt that expires before it is made proves nothing. */
		if (!r->has_design || r->expires <= r->ts ||
		    r->expires - r->ts > WEFT_RECEIPT_TTL_MAX)
			return WEFT_EBADFIELD;
		return 0;
	default:
		return WEFT_EBADFIELD;
	}
}

static int
strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
filecmp(const void *a, const void *b)
{
	return strcmp(((const struct weft_file_ref *)a)->path,
	    ((const struct weft_file_ref *)b)->path);
}

void
weft_record_sort(struct weft_record *r)
{
	if (r->prev.n > 1)
		qsort(r->prev.ids, r->prev.n, WEFT_ID_BYTES, idcmp);
	if (r->remix_of.n > 1)
		qsort(r->remix_of.ids, r->remix_of.n, WEFT_ID_BYTES, idcmp);
	if (r->maintainers.n > 1)
		qsort(r->maintainers.ids, r->maintainers.n, WEFT_ID_BYTES,
		    idcmp);
	if (r->targets.n > 1)
		qsort(r->targets.ids, r->targets.n, WEFT_ID_BYTES, idcmp);
	for (uint32_t i = 0; i < r->ntags; i++)
		if (r->tags[i] == NULL)
			return;
	if (r->ntags > 1)
		qsort(r->tags, r->ntags, sizeof(*r->tags), strpcmp);
	for (uint32_t i = 0; i < r->nfiles; i++)
		if (r->files[i].path == NULL)
			return;
	if (r->nfiles > 1)
		qsort(r->files, r->nfiles, sizeof(*r->files), filecmp);
}

/* Encoding */

static void
pack_ids(struct weft_pack *pk, const struct weft_id_list *l)
{
	weft_pack_array(pk, l->n);
	for (uint32_t i = 0; i < l->n; i++)
		weft_pack_bin(pk, l->ids[i], WEFT_ID_BYTES);
}

static void
pack_opt_str(struct weft_pack *pk, const char *s)
{
	weft_pack_str(pk, s != NULL ? s : "");
}

static void
pack_file(struct weft_pack *pk, const struct weft_file_ref *f)
{
	weft_pack_map(pk, 4);
	weft_pack_str(pk, "path");
	weft_pack_str(pk, f->path);
	weft_pack_str(pk, "size");
	weft_pack_uint(pk, f->size);
	weft_pack_str(pk, "hash");
	weft_pack_bin(pk, f->hash, WEFT_ID_BYTES);
	weft_pack_str(pk, "index");
	weft_pack_bin(pk, f->index, WEFT_ID_BYTES);
}

static void
pack_profile(struct weft_pack *pk, const struct weft_record *r)
{
	weft_pack_str(pk, "name");
	weft_pack_str(pk, r->name);
	weft_pack_str(pk, "bio");
	pack_opt_str(pk, r->bio);
	weft_pack_str(pk, "links");
	weft_pack_array(pk, r->nlinks);
	for (uint32_t i = 0; i < r->nlinks; i++)
		weft_pack_str(pk, r->links[i]);
	weft_pack_str(pk, "avatar");
	weft_pack_array(pk, r->nfiles);
	if (r->nfiles == 1)
		pack_file(pk, &r->files[0]);
}

static void
pack_comment(struct weft_pack *pk, const struct weft_record *r)
{
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, r->design, WEFT_ID_BYTES);
	weft_pack_str(pk, "rev");
	pack_ids(pk, &r->on_rev);
	weft_pack_str(pk, "parent");
	pack_ids(pk, &r->parent);
	weft_pack_str(pk, "replaces");
	pack_ids(pk, &r->replaces);
	weft_pack_str(pk, "text");
	weft_pack_str(pk, r->text);
}

static void
pack_make(struct weft_pack *pk, const struct weft_record *r)
{
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, r->design, WEFT_ID_BYTES);
	weft_pack_str(pk, "rev");
	weft_pack_bin(pk, r->on_rev.ids[0], WEFT_ID_BYTES);
	weft_pack_str(pk, "photos");
	weft_pack_array(pk, r->nfiles);
	for (uint32_t i = 0; i < r->nfiles; i++)
		pack_file(pk, &r->files[i]);
	weft_pack_str(pk, "note");
	pack_opt_str(pk, r->text);
	weft_pack_str(pk, "printer");
	pack_opt_str(pk, r->printer);
	weft_pack_str(pk, "material");
	pack_opt_str(pk, r->material);
	weft_pack_str(pk, "settings");
	pack_opt_str(pk, r->settings);
}

static void
pack_uints(struct weft_pack *pk, const uint64_t *v, uint32_t n)
{
	weft_pack_array(pk, n);
	for (uint32_t i = 0; i < n; i++)
		weft_pack_uint(pk, v[i]);
}

static void
pack_gfact(struct weft_pack *pk, const struct weft_geom_fact *g)
{
	uint64_t	ratio[2] = { g->ratio[0], g->ratio[1] };

	weft_pack_map(pk, 16);
	weft_pack_str(pk, "path");
	weft_pack_str(pk, g->path);
	weft_pack_str(pk, "hash");
	weft_pack_bin(pk, g->hash, WEFT_ID_BYTES);
	weft_pack_str(pk, "format");
	weft_pack_str(pk, g->format);
	weft_pack_str(pk, "note");
	pack_opt_str(pk, g->note);
	weft_pack_str(pk, "unit");
	pack_opt_str(pk, g->unit);
	weft_pack_str(pk, "triangles");
	weft_pack_uint(pk, g->triangles);
	weft_pack_str(pk, "box");
	pack_uints(pk, g->box, 3);
	weft_pack_str(pk, "extents");
	pack_uints(pk, g->extents, 3);
	weft_pack_str(pk, "area");
	weft_pack_uint(pk, g->area);
	weft_pack_str(pk, "volume");
	pack_uints(pk, &g->volume, g->closed ? 1 : 0);
	weft_pack_str(pk, "open");
	pack_opt_str(pk, g->open);
	weft_pack_str(pk, "parts");
	weft_pack_uint(pk, g->parts);
	weft_pack_str(pk, "key");
	weft_pack_bin(pk, g->key, g->has_key ? WEFT_GKEY_BYTES : 0);
	weft_pack_str(pk, "d2");
	weft_pack_bin(pk, g->d2, g->has_d2 ? WEFT_GD2_BYTES : 0);
	weft_pack_str(pk, "ratio");
	pack_uints(pk, ratio, g->has_ratio ? 2 : 0);
	weft_pack_str(pk, "version");
	weft_pack_uint(pk, 1);
}

static void
pack_geom(struct weft_pack *pk, const struct weft_record *r)
{
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, r->design, WEFT_ID_BYTES);
	weft_pack_str(pk, "rev");
	weft_pack_bin(pk, r->on_rev.ids[0], WEFT_ID_BYTES);
	weft_pack_str(pk, "files");
	weft_pack_array(pk, r->ngfacts);
	for (uint32_t i = 0; i < r->ngfacts; i++)
		pack_gfact(pk, &r->gfacts[i]);
	weft_pack_str(pk, "thumbnail");
	weft_pack_array(pk, r->nfiles);
	if (r->nfiles == 1)
		pack_file(pk, &r->files[0]);
}

static void
pack_rev(struct weft_pack *pk, const struct weft_record *r)
{
	weft_pack_str(pk, "prev");
	pack_ids(pk, &r->prev);
	weft_pack_str(pk, "remix_of");
	pack_ids(pk, &r->remix_of);
	weft_pack_str(pk, "title");
	weft_pack_str(pk, r->title);
	weft_pack_str(pk, "description");
	pack_opt_str(pk, r->description);
	weft_pack_str(pk, "license");
	weft_pack_str(pk, r->license);
	weft_pack_str(pk, "tags");
	weft_pack_array(pk, r->ntags);
	for (uint32_t i = 0; i < r->ntags; i++)
		weft_pack_str(pk, r->tags[i]);
	weft_pack_str(pk, "message");
	pack_opt_str(pk, r->message);
	weft_pack_str(pk, "files");
	weft_pack_array(pk, r->nfiles);
	for (uint32_t i = 0; i < r->nfiles; i++)
		pack_file(pk, &r->files[i]);
}

int
weft_record_encode_body(const struct weft_record *r, struct weft_buf *body)
{
	struct weft_pack	pk;
	size_t			start = body->len;
	uint32_t		n;
	int			err;

	err = weft_record_check(r);
	if (err)
		return err;
	switch (r->type) {
	case WEFT_REC_REV:
		n = r->has_design ? 12 : 11;
		break;
	case WEFT_REC_PROFILE:
		n = 7;
		break;
	case WEFT_REC_COMMENT:
		n = 8;
		break;
	case WEFT_REC_REACTION:
		n = 5;
		break;
	case WEFT_REC_MAKE:
		n = 10;
		break;
	case WEFT_REC_GEOM:
	case WEFT_REC_LABEL:
	case WEFT_REC_MAINT:
		n = 7;
		break;
	default:
		n = 6;
		break;
	}
	weft_pack_init(&pk, body);
	weft_pack_map(&pk, n);
	weft_pack_str(&pk, "type");
	weft_pack_str(&pk, weft_record_type_name(r->type));
	weft_pack_str(&pk, "author");
	weft_pack_bin(&pk, r->author, WEFT_PK_BYTES);
	weft_pack_str(&pk, "ts");
	weft_pack_uint(&pk, r->ts);
	switch (r->type) {
	case WEFT_REC_REV:
		if (r->has_design) {
			weft_pack_str(&pk, "design");
			weft_pack_bin(&pk, r->design, WEFT_ID_BYTES);
		}
		pack_rev(&pk, r);
		break;
	case WEFT_REC_LIB:
		weft_pack_str(&pk, "name");
		weft_pack_str(&pk, r->name);
		weft_pack_str(&pk, "description");
		pack_opt_str(&pk, r->description);
		weft_pack_str(&pk, "maintainers");
		pack_ids(&pk, &r->maintainers);
		break;
	case WEFT_REC_ENTRY:
		weft_pack_str(&pk, "lib");
		weft_pack_bin(&pk, r->lib, WEFT_ID_BYTES);
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, r->entry_design, WEFT_ID_BYTES);
		weft_pack_str(&pk, "action");
		weft_pack_str(&pk, r->action == WEFT_ENTRY_ADD ? "add" :
		    "remove");
		break;
	case WEFT_REC_PROFILE:
		pack_profile(&pk, r);
		break;
	case WEFT_REC_COMMENT:
		pack_comment(&pk, r);
		break;
	case WEFT_REC_REACTION:
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, r->design, WEFT_ID_BYTES);
		weft_pack_str(&pk, "value");
		weft_pack_str(&pk, r->value);
		break;
	case WEFT_REC_MAKE:
		pack_make(&pk, r);
		break;
	case WEFT_REC_GRANT:
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, r->grant_design, WEFT_ID_BYTES);
		weft_pack_str(&pk, "to");
		weft_pack_bin(&pk, r->grant_to, r->grant_anyone ? 0 :
		    WEFT_PK_BYTES);
		weft_pack_str(&pk, "license");
		weft_pack_str(&pk, r->license);
		break;
	case WEFT_REC_GEOM:
		pack_geom(&pk, r);
		break;
	case WEFT_REC_LABEL:
		weft_pack_str(&pk, "on");
		weft_pack_str(&pk, weft_label_on_name(r->label_on));
		weft_pack_str(&pk, "target");
		weft_pack_bin(&pk, r->label_target, WEFT_ID_BYTES);
		weft_pack_str(&pk, "label");
		weft_pack_str(&pk, r->label);
		weft_pack_str(&pk, "reason");
		pack_opt_str(&pk, r->label_reason);
		break;
	case WEFT_REC_RETRACT:
		weft_pack_str(&pk, "scope");
		weft_pack_bin(&pk, r->scope, r->has_scope ? WEFT_ID_BYTES : 0);
		weft_pack_str(&pk, "targets");
		pack_ids(&pk, &r->targets);
		weft_pack_str(&pk, "reason");
		pack_opt_str(&pk, r->reason);
		break;
	case WEFT_REC_RECEIPT:
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, r->design, WEFT_ID_BYTES);
		weft_pack_str(&pk, "rev");
		weft_pack_bin(&pk, r->receipt_rev, WEFT_ID_BYTES);
		weft_pack_str(&pk, "expires");
		weft_pack_uint(&pk, r->expires);
		break;
	case WEFT_REC_MAINT:
		weft_pack_str(&pk, "lib");
		weft_pack_bin(&pk, r->lib, WEFT_ID_BYTES);
		weft_pack_str(&pk, "prev");
		pack_ids(&pk, &r->prev);
		weft_pack_str(&pk, "action");
		weft_pack_str(&pk, r->action == WEFT_ENTRY_ADD ? "add" :
		    "remove");
		weft_pack_str(&pk, "key");
		weft_pack_bin(&pk, r->maint_key, WEFT_PK_BYTES);
		break;
	}
	err = weft_pack_error(&pk);
	if (err == 0 && body->len - start > BODY_MAX)
		err = WEFT_ETOOBIG;
	if (err)
		body->len = start;
	return err;
}

/* Signing and envelopes */

/* "weft/record/v1" || body, in a fresh allocation. */
static uint8_t *
sig_message(const uint8_t *body, size_t body_len)
{
	uint8_t	*m;

	m = malloc(DOMAIN_LEN + body_len);
	if (m == NULL)
		return NULL;
	memcpy(m, WEFT_SIG_DOMAIN, DOMAIN_LEN);
	if (body_len > 0)
		memcpy(m + DOMAIN_LEN, body, body_len);
	return m;
}

int
weft_record_sign(const uint8_t *body, size_t body_len,
    const uint8_t sk[static WEFT_SK_BYTES], struct weft_buf *env)
{
	struct weft_pack	 pk;
	uint8_t			 sig[WEFT_SIG_BYTES];
	uint8_t			*m;
	size_t			 start = env->len;
	int			 err;

	if (body_len == 0 || body_len > BODY_MAX)
		return WEFT_ETOOBIG;
	m = sig_message(body, body_len);
	if (m == NULL)
		return -ENOMEM;
	/* Cannot fail for a well-formed key; checked all the same. */
	if (crypto_sign_detached(sig, NULL, m, DOMAIN_LEN + body_len,
	    sk) != 0) {
		free(m);
		return WEFT_EBADKEY;
	}
	free(m);
	weft_pack_init(&pk, env);
	weft_pack_array(&pk, 2);
	weft_pack_bin(&pk, body, body_len);
	weft_pack_bin(&pk, sig, sizeof(sig));
	err = weft_pack_error(&pk);
	if (err)
		env->len = start;
	return err;
}

/* Size of the shortest msgpack bin header for n bytes. */
static size_t
bin_hdr(size_t n)
{
	if (n < 0x100)
		return 2;
	if (n < 0x10000)
		return 3;
	return 5;
}

int
weft_record_open(const uint8_t *env, size_t len, const uint8_t **body,
    size_t *body_len, const uint8_t **sig)
{
	struct weft_msg		 m;
	const uint8_t		*b, *s;
	size_t			 blen, slen;
	int			 err;

	if (len > WEFT_RECORD_MAX)
		return WEFT_ETOOBIG;
	err = weft_msg_decode(&m, env, len);
	if (err)
		return err == -ENOMEM ? err : WEFT_EPROTO;
	err = WEFT_EPROTO;
	if (weft_obj_type(m.root) != WEFT_OBJ_ARRAY ||
	    weft_obj_len(m.root) != 2 ||
	    weft_obj_bin(weft_obj_at(m.root, 0), &b, &blen) != 0 ||
	    weft_obj_bin(weft_obj_at(m.root, 1), &s, &slen) != 0 ||
	    slen != WEFT_SIG_BYTES || blen == 0)
		goto out;
	/*
	 * The contents are fixed, so only a header wider than needed can
	 * make the envelope longer than the canonical one.
	 */
	if (len != 1 + bin_hdr(blen) + blen + 2 + WEFT_SIG_BYTES)
		goto out;
	*body = b;
	*body_len = blen;
	*sig = s;
	err = 0;
out:
	weft_msg_release(&m);
	return err;
}

void
weft_record_id(const uint8_t *body, size_t len,
    uint8_t id[static WEFT_ID_BYTES])
{
	crypto_generichash(id, WEFT_ID_BYTES, body, len, NULL, 0);
}

int
weft_record_verify(const uint8_t *env, size_t len, struct weft_record *r,
    uint8_t id[WEFT_ID_BYTES])
{
	const uint8_t	*body, *sig;
	uint8_t		*m;
	size_t		 body_len;
	int		 err, rc;

	/* Initialised before anything can fail: the caller releases r. */
	weft_record_init(r);
	err = weft_record_open(env, len, &body, &body_len, &sig);
	if (err)
		return err;
	err = weft_record_decode_body(body, body_len, r);
	if (err)
		return err;
	m = sig_message(body, body_len);
	if (m == NULL)
		return -ENOMEM;
	rc = crypto_sign_verify_detached(sig, m, DOMAIN_LEN + body_len,
	    r->author);
	free(m);
	if (rc != 0)
		return WEFT_EBADSIG;
	if (id != NULL)
		weft_record_id(body, body_len, id);
	return 0;
}

/* Decoding */

/* The map's fields, read in order. */
struct fields {
	const struct weft_obj	*map;
	uint32_t		 i;
};

/* The next value if the next key is name, else NULL (missing field). */
static const struct weft_obj *
next(struct fields *f, const char *name)
{
	const char	*k;
	size_t		 n;

	if (weft_obj_str(weft_obj_key_at(f->map, f->i), &k, &n) != 0 ||
	    n != strlen(name) || memcmp(k, name, n) != 0)
		return NULL;
	return weft_obj_val_at(f->map, f->i++);
}

/* True if the next key is name; nothing is consumed. */
static bool
next_is(const struct fields *f, const char *name)
{
	struct fields	peek = *f;

	return next(&peek, name) != NULL;
}

static int
get_id(struct fields *f, const char *name, uint8_t out[WEFT_ID_BYTES])
{
	return weft_obj_binn(next(f, name), out, WEFT_ID_BYTES);
}

/* A str of at most max bytes, duplicated (content checked later). */
static int
get_str(struct fields *f, const char *name, size_t max, char **out)
{
	const struct weft_obj	*o = next(f, name);
	const char		*s;
	size_t			 n;

	if (weft_obj_str(o, &s, &n) != 0 || n > max)
		return WEFT_EBADFIELD;
	return weft_obj_strdup(o, out);
}

static int
get_ids(struct fields *f, const char *name, uint32_t max,
    struct weft_id_list *l)
{
	const struct weft_obj	*a = next(f, name);
	uint32_t		 n;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n > max)
		return WEFT_EBADFIELD;
	if (n == 0)
		return 0;
	l->ids = calloc(n, WEFT_ID_BYTES);
	if (l->ids == NULL)
		return -ENOMEM;
	l->n = n;
	for (uint32_t i = 0; i < n; i++)
		if (weft_obj_binn(weft_obj_at(a, i), l->ids[i],
		    WEFT_ID_BYTES) != 0)
			return WEFT_EBADFIELD;
	return 0;
}

static int
get_tags(struct fields *f, struct weft_record *r)
{
	const struct weft_obj	*a = next(f, "tags");
	const char		*s;
	size_t			 len;
	uint32_t		 n;
	int			 err;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n > WEFT_TAGS_MAX)
		return WEFT_EBADFIELD;
	if (n == 0)
		return 0;
	/* calloc'd slots are NULL, so release() copes with a partial list. */
	r->tags = calloc(n, sizeof(*r->tags));
	if (r->tags == NULL)
		return -ENOMEM;
	r->ntags = n;
	for (uint32_t i = 0; i < n; i++) {
		const struct weft_obj *t = weft_obj_at(a, i);

		if (weft_obj_str(t, &s, &len) != 0 || len > WEFT_TAG_MAX)
			return WEFT_EBADFIELD;
		err = weft_obj_strdup(t, &r->tags[i]);
		if (err)
			return err;
	}
	return 0;
}

static int
get_file(const struct weft_obj *o, struct weft_file_ref *ref)
{
	struct fields		 f = { o, 0 };
	const struct weft_obj	*p;
	const char		*s;
	size_t			 n;
	int			 err;

	if (weft_obj_type(o) != WEFT_OBJ_MAP || weft_obj_len(o) != 4)
		return WEFT_EBADFIELD;
	p = next(&f, "path");
	if (weft_obj_str(p, &s, &n) != 0)
		return WEFT_EBADFIELD;
	err = weft_path_check(s, n);
	if (err)
		return err;
	err = weft_obj_strdup(p, &ref->path);
	if (err)
		return err;
	if (weft_obj_uint(next(&f, "size"), &ref->size) != 0 ||
	    get_id(&f, "hash", ref->hash) != 0 ||
	    get_id(&f, "index", ref->index) != 0)
		return WEFT_EBADFIELD;
	return 0;
}

static int
get_files(struct fields *f, struct weft_record *r)
{
	const struct weft_obj	*a = next(f, "files");
	uint32_t		 n;
	int			 err;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n > WEFT_FILES_MAX)
		return WEFT_EBADFIELD;
	if (n == 0)
		return 0;
	r->files = calloc(n, sizeof(*r->files));
	if (r->files == NULL)
		return -ENOMEM;
	r->nfiles = n;
	for (uint32_t i = 0; i < n; i++) {
		err = get_file(weft_obj_at(a, i), &r->files[i]);
		if (err)
			return err;
	}
	return 0;
}

static int
decode_rev(struct fields *f, struct weft_record *r)
{
	int	err;

	if (next_is(f, "design")) {
		err = get_id(f, "design", r->design);
		if (err)
			return err;
		r->has_design = true;
	}
	err = get_ids(f, "prev", WEFT_PREV_MAX, &r->prev);
	if (err)
		return err;
	err = get_ids(f, "remix_of", WEFT_PREV_MAX, &r->remix_of);
	if (err)
		return err;
	err = get_str(f, "title", WEFT_TITLE_MAX, &r->title);
	if (err)
		return err;
	err = get_str(f, "description", WEFT_DESC_MAX, &r->description);
	if (err)
		return err;
	err = get_str(f, "license", WEFT_LICENSE_MAX, &r->license);
	if (err)
		return err;
	err = get_tags(f, r);
	if (err)
		return err;
	err = get_str(f, "message", WEFT_MESSAGE_MAX, &r->message);
	if (err)
		return err;
	return get_files(f, r);
}

static int
decode_lib(struct fields *f, struct weft_record *r)
{
	int	err;

	err = get_str(f, "name", WEFT_NAME_MAX, &r->name);
	if (err)
		return err;
	err = get_str(f, "description", WEFT_DESC_MAX, &r->description);
	if (err)
		return err;
	return get_ids(f, "maintainers", WEFT_MAINTAINERS_MAX,
	    &r->maintainers);
}

static int
decode_entry(struct fields *f, struct weft_record *r)
{
	const char	*s;
	size_t		 n;

	if (get_id(f, "lib", r->lib) != 0 ||
	    get_id(f, "design", r->entry_design) != 0 ||
	    weft_obj_str(next(f, "action"), &s, &n) != 0)
		return WEFT_EBADFIELD;
	if (n == 3 && memcmp(s, "add", 3) == 0)
		r->action = WEFT_ENTRY_ADD;
	else if (n == 6 && memcmp(s, "remove", 6) == 0)
		r->action = WEFT_ENTRY_REMOVE;
	else
		return WEFT_EBADFIELD;
	return 0;
}

static int
decode_profile(struct fields *f, struct weft_record *r)
{
	const struct weft_obj	*a;
	const char		*s;
	size_t			 len;
	uint32_t		 n;
	int			 err;

	err = get_str(f, "name", WEFT_PNAME_MAX, &r->name);
	if (err)
		return err;
	err = get_str(f, "bio", WEFT_BIO_MAX, &r->bio);
	if (err)
		return err;
	a = next(f, "links");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n > WEFT_LINKS_MAX)
		return WEFT_EBADFIELD;
	if (n > 0) {
		r->links = calloc(n, sizeof(*r->links));
		if (r->links == NULL)
			return -ENOMEM;
		r->nlinks = n;
		for (uint32_t i = 0; i < n; i++) {
			const struct weft_obj *l = weft_obj_at(a, i);

			if (weft_obj_str(l, &s, &len) != 0 ||
			    len > WEFT_LINK_MAX)
				return WEFT_EBADFIELD;
			err = weft_obj_strdup(l, &r->links[i]);
			if (err)
				return err;
		}
	}
	a = next(f, "avatar");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY || weft_obj_len(a) > 1)
		return WEFT_EBADFIELD;
	if (weft_obj_len(a) == 1) {
		r->files = calloc(1, sizeof(*r->files));
		if (r->files == NULL)
			return -ENOMEM;
		r->nfiles = 1;
		return get_file(weft_obj_at(a, 0), &r->files[0]);
	}
	return 0;
}

static int
decode_comment(struct fields *f, struct weft_record *r)
{
	int	err;

	if (get_id(f, "design", r->design) != 0)
		return WEFT_EBADFIELD;
	r->has_design = true;
	err = get_ids(f, "rev", 1, &r->on_rev);
	if (err == 0)
		err = get_ids(f, "parent", 1, &r->parent);
	if (err == 0)
		err = get_ids(f, "replaces", 1, &r->replaces);
	if (err == 0)
		err = get_str(f, "text", WEFT_COMMENT_MAX, &r->text);
	return err;
}

static int
decode_reaction(struct fields *f, struct weft_record *r)
{
	if (get_id(f, "design", r->design) != 0)
		return WEFT_EBADFIELD;
	r->has_design = true;
	return get_str(f, "value", WEFT_REACTION_MAX, &r->value);
}

static int
decode_make(struct fields *f, struct weft_record *r)
{
	const struct weft_obj	*a;
	uint32_t		 n;
	int			 err;

	if (get_id(f, "design", r->design) != 0)
		return WEFT_EBADFIELD;
	r->has_design = true;
	r->on_rev.ids = calloc(1, WEFT_ID_BYTES);
	if (r->on_rev.ids == NULL)
		return -ENOMEM;
	r->on_rev.n = 1;
	if (get_id(f, "rev", r->on_rev.ids[0]) != 0)
		return WEFT_EBADFIELD;
	a = next(f, "photos");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n < 1 || n > WEFT_PHOTOS_MAX)
		return WEFT_EBADFIELD;
	r->files = calloc(n, sizeof(*r->files));
	if (r->files == NULL)
		return -ENOMEM;
	r->nfiles = n;
	for (uint32_t i = 0; i < n; i++) {
		err = get_file(weft_obj_at(a, i), &r->files[i]);
		if (err)
			return err;
	}
	err = get_str(f, "note", WEFT_NOTE_MAX, &r->text);
	if (err == 0)
		err = get_str(f, "printer", WEFT_FIELD_MAX, &r->printer);
	if (err == 0)
		err = get_str(f, "material", WEFT_FIELD_MAX, &r->material);
	if (err == 0)
		err = get_str(f, "settings", WEFT_SETTINGS_MAX, &r->settings);
	return err;
}

static int
decode_grant(struct fields *f, struct weft_record *r)
{
	const struct weft_obj	*to;
	const uint8_t		*p;
	size_t			 n;

	if (get_id(f, "design", r->grant_design) != 0)
		return WEFT_EBADFIELD;
	to = next(f, "to");
	if (weft_obj_bin(to, &p, &n) != 0)
		return WEFT_EBADFIELD;
	if (n == 0)
		r->grant_anyone = true;
	else if (n == WEFT_PK_BYTES)
		memcpy(r->grant_to, p, WEFT_PK_BYTES);
	else
		return WEFT_EBADFIELD;
	return get_str(f, "license", WEFT_LICENSE_MAX, &r->license);
}

/* An array of exactly n uints (n is 3, or 0..1 / 0 or 2: *got). */
static int
get_uints(struct fields *f, const char *name, uint32_t min, uint32_t max,
    uint64_t *out, uint32_t *got)
{
	const struct weft_obj	*a = next(f, name);
	uint32_t		 n;

	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n < min || n > max)
		return WEFT_EBADFIELD;
	for (uint32_t i = 0; i < n; i++)
		if (weft_obj_uint(weft_obj_at(a, i), &out[i]) != 0)
			return WEFT_EBADFIELD;
	*got = n;
	return 0;
}

/* A bin of exactly 0 or n bytes into out; *has says which. */
static int
get_opt_bin(struct fields *f, const char *name, uint8_t *out, size_t n,
    bool *has)
{
	const uint8_t	*p;
	size_t		 len;

	if (weft_obj_bin(next(f, name), &p, &len) != 0 ||
	    (len != 0 && len != n))
		return WEFT_EBADFIELD;
	*has = len == n;
	if (len)
		memcpy(out, p, n);
	return 0;
}

static int
get_gfact(const struct weft_obj *o, struct weft_geom_fact *g)
{
	struct fields		 f = { o, 0 };
	uint64_t		 v[3];
	uint32_t		 n;
	int			 err;

	if (weft_obj_type(o) != WEFT_OBJ_MAP || weft_obj_len(o) != 16)
		return WEFT_EBADFIELD;
	err = get_str(&f, "path", WEFT_PATH_MAX, &g->path);
	if (err == 0 && get_id(&f, "hash", g->hash) != 0)
		err = WEFT_EBADFIELD;
	if (err == 0)
		err = get_str(&f, "format", 3, &g->format);
	if (err == 0)
		err = get_str(&f, "note", WEFT_GNOTE_MAX, &g->note);
	if (err == 0)
		err = get_str(&f, "unit", WEFT_GUNIT_MAX, &g->unit);
	if (err)
		return err;
	if (weft_obj_uint(next(&f, "triangles"), &g->triangles) != 0 ||
	    get_uints(&f, "box", 3, 3, g->box, &n) != 0 ||
	    get_uints(&f, "extents", 3, 3, g->extents, &n) != 0 ||
	    weft_obj_uint(next(&f, "area"), &g->area) != 0 ||
	    get_uints(&f, "volume", 0, 1, &g->volume, &n) != 0)
		return WEFT_EBADFIELD;
	g->closed = n == 1;
	err = get_str(&f, "open", WEFT_GNOTE_MAX, &g->open);
	if (err)
		return err;
	if (weft_obj_uint(next(&f, "parts"), &g->parts) != 0 ||
	    get_opt_bin(&f, "key", g->key, WEFT_GKEY_BYTES,
	    &g->has_key) != 0 ||
	    get_opt_bin(&f, "d2", g->d2, WEFT_GD2_BYTES, &g->has_d2) != 0 ||
	    get_uints(&f, "ratio", 0, 2, v, &n) != 0 || n == 1 ||
	    weft_obj_uint(next(&f, "version"), &v[2]) != 0 || v[2] != 1)
		return WEFT_EBADFIELD;
	g->has_ratio = n == 2;
	if (n == 2) {
		if (v[0] > WEFT_GRATIO_MAX || v[1] > WEFT_GRATIO_MAX)
			return WEFT_EBADFIELD;
		g->ratio[0] = (uint32_t)v[0];
		g->ratio[1] = (uint32_t)v[1];
	}
	return 0;
}

static int
decode_geom(struct fields *f, struct weft_record *r)
{
	const struct weft_obj	*a;
	uint32_t		 n;
	int			 err;

	if (get_id(f, "design", r->design) != 0)
		return WEFT_EBADFIELD;
	r->has_design = true;
	r->on_rev.ids = calloc(1, WEFT_ID_BYTES);
	if (r->on_rev.ids == NULL)
		return -ENOMEM;
	r->on_rev.n = 1;
	if (get_id(f, "rev", r->on_rev.ids[0]) != 0)
		return WEFT_EBADFIELD;
	a = next(f, "files");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY)
		return WEFT_EBADFIELD;
	n = weft_obj_len(a);
	if (n > WEFT_GFILES_MAX)
		return WEFT_EBADFIELD;
	if (n > 0) {
		r->gfacts = calloc(n, sizeof(*r->gfacts));
		if (r->gfacts == NULL)
			return -ENOMEM;
		r->ngfacts = n;
		for (uint32_t i = 0; i < n; i++) {
			err = get_gfact(weft_obj_at(a, i), &r->gfacts[i]);
			if (err)
				return err;
		}
	}
	a = next(f, "thumbnail");
	if (weft_obj_type(a) != WEFT_OBJ_ARRAY || weft_obj_len(a) > 1)
		return WEFT_EBADFIELD;
	if (weft_obj_len(a) == 1) {
		r->files = calloc(1, sizeof(*r->files));
		if (r->files == NULL)
			return -ENOMEM;
		r->nfiles = 1;
		return get_file(weft_obj_at(a, 0), &r->files[0]);
	}
	return 0;
}

static int
decode_label(struct fields *f, struct weft_record *r)
{
	const char	*s;
	size_t		 n;
	int		 err;

	if (weft_obj_str(next(f, "on"), &s, &n) != 0)
		return WEFT_EBADFIELD;
	r->label_on = weft_label_on_parse(s, n);
	if (r->label_on == 0 || get_id(f, "target", r->label_target) != 0)
		return WEFT_EBADFIELD;
	err = get_str(f, "label", WEFT_LABEL_MAX, &r->label);
	if (err == 0)
		err = get_str(f, "reason", WEFT_REASON_MAX, &r->label_reason);
	return err;
}

static int
decode_retract(struct fields *f, struct weft_record *r)
{
	const uint8_t	*p;
	size_t		 n;
	int		 err;

	if (weft_obj_bin(next(f, "scope"), &p, &n) != 0)
		return WEFT_EBADFIELD;
	if (n == WEFT_ID_BYTES) {
		memcpy(r->scope, p, WEFT_ID_BYTES);
		r->has_scope = true;
	} else if (n != 0)
		return WEFT_EBADFIELD;
	err = get_ids(f, "targets", WEFT_TARGETS_MAX, &r->targets);
	if (err == 0)
		err = get_str(f, "reason", WEFT_REASON_MAX, &r->reason);
	return err;
}

static int
decode_receipt(struct fields *f, struct weft_record *r)
{
	if (get_id(f, "design", r->design) != 0 ||
	    get_id(f, "rev", r->receipt_rev) != 0 ||
	    weft_obj_uint(next(f, "expires"), &r->expires) != 0)
		return WEFT_EBADFIELD;
	r->has_design = true;
	return 0;
}

static int
decode_maint(struct fields *f, struct weft_record *r)
{
	const char	*s;
	size_t		 n;

	if (get_id(f, "lib", r->lib) != 0 ||
	    get_ids(f, "prev", WEFT_PREV_MAX, &r->prev) != 0 ||
	    weft_obj_str(next(f, "action"), &s, &n) != 0)
		return WEFT_EBADFIELD;
	if (n == 3 && memcmp(s, "add", 3) == 0)
		r->action = WEFT_ENTRY_ADD;
	else if (n == 6 && memcmp(s, "remove", 6) == 0)
		r->action = WEFT_ENTRY_REMOVE;
	else
		return WEFT_EBADFIELD;
	return get_id(f, "key", r->maint_key) != 0 ? WEFT_EBADFIELD : 0;
}

static int
decode_fields(const struct weft_obj *root, struct weft_record *r)
{
	struct fields	 f = { root, 0 };
	const char	*s;
	size_t		 n;
	int		 err;

	if (weft_obj_str(next(&f, "type"), &s, &n) != 0)
		return WEFT_EBADFIELD;
	r->type = 0;
	for (int t = WEFT_REC_REV; t <= WEFT_REC_TYPE_MAX; t++)
		if (type_names[t] != NULL && n == strlen(type_names[t]) &&
		    memcmp(s, type_names[t], n) == 0)
			r->type = t;
	if (r->type == 0)
		return WEFT_EBADFIELD;
	if (get_id(&f, "author", r->author) != 0 ||
	    weft_obj_uint(next(&f, "ts"), &r->ts) != 0)
		return WEFT_EBADFIELD;
	switch (r->type) {
	case WEFT_REC_REV:
		err = decode_rev(&f, r);
		break;
	case WEFT_REC_LIB:
		err = decode_lib(&f, r);
		break;
	case WEFT_REC_ENTRY:
		err = decode_entry(&f, r);
		break;
	case WEFT_REC_GRANT:
		err = decode_grant(&f, r);
		break;
	case WEFT_REC_PROFILE:
		err = decode_profile(&f, r);
		break;
	case WEFT_REC_COMMENT:
		err = decode_comment(&f, r);
		break;
	case WEFT_REC_MAKE:
		err = decode_make(&f, r);
		break;
	case WEFT_REC_GEOM:
		err = decode_geom(&f, r);
		break;
	case WEFT_REC_LABEL:
		err = decode_label(&f, r);
		break;
	case WEFT_REC_RETRACT:
		err = decode_retract(&f, r);
		break;
	case WEFT_REC_RECEIPT:
		err = decode_receipt(&f, r);
		break;
	case WEFT_REC_MAINT:
		err = decode_maint(&f, r);
		break;
	default:
		err = decode_reaction(&f, r);
		break;
	}
	if (err)
		return err;
	/* Every key must have been consumed: no extra fields. */
	if (f.i != weft_obj_len(root))
		return WEFT_EBADFIELD;
	return 0;
}

int
weft_record_decode_body(const uint8_t *body, size_t len,
    struct weft_record *r)
{
	struct weft_msg	m;
	struct weft_buf	b;
	int		err;

	weft_record_init(r);
	if (len > BODY_MAX)
		return WEFT_ETOOBIG;
	err = weft_msg_decode(&m, body, len);
	if (err)
		return err;
	weft_buf_init(&b, len);
	if (weft_obj_type(m.root) != WEFT_OBJ_MAP) {
		err = WEFT_EPROTO;
		goto out;
	}
	err = decode_fields(m.root, r);
	if (err)
		goto out;
	err = weft_record_check(r);
	if (err)
		goto out;
	/*
	 * The fields are right; now the bytes must be the ones we would
	 * write. A longer canonical form overflows b's cap (len), which
	 * also means the input was not canonical.
	 */
	err = weft_record_encode_body(r, &b);
	if (err == WEFT_ETOOBIG || (err == 0 && (b.len != len ||
	    memcmp(b.data, body, len) != 0)))
		err = WEFT_EPROTO;
out:
	weft_buf_release(&b);
	weft_msg_release(&m);
	return err;
}
