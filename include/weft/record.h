/*
 * Records: the signed, immutable units of weft (docs/proto/records.md).
 *
 *   envelope = msgpack [ body (bin), sig (bin 64) ]
 *   body     = canonical msgpack map of the record's fields
 *   sig      = Ed25519 over "weft/record/v1" || body, by body.author
 *   id       = BLAKE2b-256(body)
 *
 * weft_record_decode() is strict: it accepts only the canonical encoding
 * that weft_record_encode() produces (fields in the documented order, the
 * shortest msgpack forms), so one record has exactly one body and id.
 * It checks structure and fields only; weft_record_verify() checks the
 * signature. Decoding never trusts sizes: WEFT_RECORD_MAX bounds the input.
 */
#ifndef WEFT_RECORD_H
#define WEFT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_ID_BYTES		32
#define WEFT_PK_BYTES		32
#define WEFT_SK_BYTES		64
#define WEFT_SIG_BYTES		64
#define WEFT_ID_HEX		(2 * WEFT_ID_BYTES + 1)	/* with NUL */
#define WEFT_RECORD_MAX		(256 * 1024)	/* whole envelope */
#define WEFT_SIG_DOMAIN		"weft/record/v1"

#define WEFT_TITLE_MAX		200	/* bytes of UTF-8, non-empty */
#define WEFT_DESC_MAX		8192
#define WEFT_MESSAGE_MAX	4096
#define WEFT_LICENSE_MAX	64
#define WEFT_TAG_MAX		64	/* bytes per tag, non-empty */
#define WEFT_TAGS_MAX		32
#define WEFT_PATH_MAX		1024	/* bytes per file path */
#define WEFT_FILES_MAX		1024
#define WEFT_PREV_MAX		64	/* prev and remix_of entries */
#define WEFT_NAME_MAX		200	/* library name */
#define WEFT_MAINTAINERS_MAX	64
#define WEFT_FILE_SIZE_MAX	(UINT64_C(1) << 40)
#define WEFT_PNAME_MAX		64	/* profile display name */
#define WEFT_BIO_MAX		1024
#define WEFT_LINKS_MAX		8
#define WEFT_LINK_MAX		512
#define WEFT_AVATAR_MAX		(1024 * 1024)	/* bytes of the image */
#define WEFT_COMMENT_MAX	8192
#define WEFT_REACTION_MAX	32	/* value */
#define WEFT_PHOTOS_MAX		8	/* per make */
#define WEFT_MAKE_PHOTO_MAX	2000000	/* bytes of one photo */
#define WEFT_NOTE_MAX		4096
#define WEFT_FIELD_MAX		128	/* printer, material */
#define WEFT_SETTINGS_MAX	1024
#define WEFT_GFILES_MAX		128	/* mesh files in a geom record */
#define WEFT_GNOTE_MAX		256	/* a geom file's note, open */
#define WEFT_GUNIT_MAX		16
#define WEFT_THUMB_MAX		(256 * 1024)	/* bytes of a thumbnail */
#define WEFT_GKEY_BYTES		64	/* two 32-byte grid keys */
#define WEFT_GD2_BYTES		128	/* 64 uint16, big-endian */
#define WEFT_GRATIO_MAX		1000000	/* ratios in millionths */
#define WEFT_LABEL_MAX		64	/* bytes of a label value */
#define WEFT_REASON_MAX		1024	/* a label's or retract's reason */
#define WEFT_TARGETS_MAX	64	/* ids one retract names */
/* receipt: expires - ts, at most 30 days */
#define WEFT_RECEIPT_TTL_MAX	(UINT64_C(30) * 24 * 3600 * 1000)

enum weft_record_type {
	WEFT_REC_REV = 1,
	WEFT_REC_LIB,
	WEFT_REC_ENTRY,
	WEFT_REC_PROFILE,	/* an author's name, bio, links, avatar */
	WEFT_REC_COMMENT,	/* text on a design, maybe a reply */
	WEFT_REC_REACTION,	/* like / take back, latest wins */
	WEFT_REC_MAKE,		/* photos of a print of a revision */
	WEFT_REC_GRANT,		/* leave to remix an author's design */
	WEFT_REC_RETRACT = 9,	/* the signer takes records back */
	WEFT_REC_LABEL = 10,	/* a moderator's verdict on a target */
	WEFT_REC_RECEIPT = 11,	/* a node holds a revision's files */
	WEFT_REC_GEOM = 12,	/* facts and fingerprints of a rev's meshes */
	WEFT_REC_MAINT = 13,	/* a library's maintainer added or removed */
};
#define WEFT_REC_TYPE_MAX	WEFT_REC_MAINT
/* maint records a node keeps per library (more: WEFT_ELIMIT) */
#define WEFT_MAINT_PER_LIB	1024

/* What a label is on: its target is an author key, design id or file hash. */
enum weft_label_on {
	WEFT_LABEL_AUTHOR = 1,
	WEFT_LABEL_DESIGN,
	WEFT_LABEL_FILE,
};

enum weft_entry_action {
	WEFT_ENTRY_ADD = 1,
	WEFT_ENTRY_REMOVE,
};

struct weft_file_ref {
	char		*path;
	uint64_t	 size;
	uint8_t		 hash[WEFT_ID_BYTES];	/* BLAKE2b-256 of content */
	uint8_t		 index[WEFT_ID_BYTES];	/* id of the chunk list */
};

/*
 * One mesh file of a revision in a `geom` record (docs/proto/records.md):
 * lengths in micrometres, area in hundredths of mm^2, volume in
 * thousandths of mm^3, all rounded and saturated; the fingerprints of
 * docs/proto/geom.md. A file that could not be read has a note and
 * zeros.
 */
struct weft_geom_fact {
	char		*path;
	uint8_t		 hash[WEFT_ID_BYTES];	/* the file's content hash */
	char		*format;	/* "stl", "obj", "3mf" */
	char		*note;		/* "" or why it was not read */
	char		*unit;		/* as authored ("millimeter") */
	uint64_t	 triangles;
	uint64_t	 box[3];	/* bounding box sizes, um */
	uint64_t	 extents[3];	/* principal frame, um, largest first */
	uint64_t	 area;		/* 0.01 mm^2 */
	bool		 closed;
	uint64_t	 volume;	/* 0.001 mm^3, when closed */
	char		*open;		/* "" when closed, else why not */
	uint64_t	 parts;
	bool		 has_key;
	uint8_t		 key[WEFT_GKEY_BYTES];
	bool		 has_d2;
	uint8_t		 d2[WEFT_GD2_BYTES];
	bool		 has_ratio;
	uint32_t	 ratio[2];	/* l1/l0, l2/l0 in millionths */
};

struct weft_id_list {
	uint8_t		(*ids)[WEFT_ID_BYTES];
	uint32_t	  n;
};

/*
 * A decoded record. Strings and arrays are heap-owned by the struct and
 * freed by weft_record_release(); "has_design" is false for a genesis rev.
 */
struct weft_record {
	enum weft_record_type	 type;
	uint8_t			 author[WEFT_PK_BYTES];
	uint64_t		 ts;		/* ms since the epoch */

	/* rev */
	bool			 has_design;
	uint8_t			 design[WEFT_ID_BYTES];	/* genesis id */
	struct weft_id_list	 prev;
	struct weft_id_list	 remix_of;
	char			*title;
	char			*description;
	char			*license;
	char			*message;
	char			**tags;
	uint32_t		 ntags;
	struct weft_file_ref	*files;
	uint32_t		 nfiles;

	/* lib: title-like name, description, maintainers */
	char			*name;
	struct weft_id_list	 maintainers;

	/* entry */
	uint8_t			 lib[WEFT_ID_BYTES];
	uint8_t			 entry_design[WEFT_ID_BYTES];
	enum weft_entry_action	 action;

	/*
	 * profile: name is the display name; bio; links; the avatar is
	 * files[0] when nfiles is 1.
	 * comment and reaction: design (has_design is true) is the design
	 * they concern.
	 */
	char			*bio;
	char			**links;
	uint32_t		 nlinks;
	struct weft_id_list	 on_rev;	/* comment: 0..1 revision */
	struct weft_id_list	 parent;	/* comment: 0..1 comment */
	struct weft_id_list	 replaces;	/* comment: 0..1 own comment */
	char			*text;		/* comment */
	char			*value;		/* reaction: "like" or "" */
	/*
	 * make: design (has_design), the revision printed (on_rev, exactly
	 * one), photos in files, note in text, and these.
	 */
	char			*printer;
	char			*material;
	char			*settings;
	/*
	 * grant: the design, the grantee (grant_anyone: every author) and
	 * the license (in "license"; "" lets the grantee choose).
	 */
	uint8_t			 grant_design[WEFT_ID_BYTES];
	uint8_t			 grant_to[WEFT_PK_BYTES];
	bool			 grant_anyone;
	/*
	 * geom: design (has_design), the revision (on_rev, exactly one),
	 * one fact per mesh file sorted by path, and a thumbnail in files
	 * (0 or 1 file map, a PNG of at most WEFT_THUMB_MAX bytes).
	 */
	struct weft_geom_fact	*gfacts;
	uint32_t		 ngfacts;
	/*
	 * label: what it is on, the target, the label value (one of
	 * weft_label_known() or "ns/name") and the reason ("" for none).
	 */
	enum weft_label_on	 label_on;
	uint8_t			 label_target[WEFT_ID_BYTES];
	char			*label;
	char			*label_reason;
	/*
	 * retract: the records taken back (targets), the design (or the
	 * library, for entries) they belong to in scope when has_scope,
	 * and a reason ("" or NULL: none).
	 */
	bool			 has_scope;
	uint8_t			 scope[WEFT_ID_BYTES];
	struct weft_id_list	 targets;
	char			*reason;
	/*
	 * receipt: author is the node key; design (has_design), the
	 * revision held complete and when the receipt stops counting
	 * (ms since the epoch, after ts, at most WEFT_RECEIPT_TTL_MAX
	 * later).
	 */
	uint8_t			 receipt_rev[WEFT_ID_BYTES];
	uint64_t		 expires;
	/*
	 * maint: the library (lib), the earlier maint records of it the
	 * signer knew (prev, 0..64), action (add or remove: the entry
	 * enum) and the maintainer key added or removed.
	 */
	uint8_t			 maint_key[WEFT_PK_BYTES];
};

/* Zeroes r so it can be filled in and later released. */
void	weft_record_init(struct weft_record *r);
/* Frees everything r owns; r is left initialised (empty). */
void	weft_record_release(struct weft_record *r);

/*
 * Checks the fields of r the way decode would (lengths, counts, paths,
 * license, non-empty title, no duplicate files). Returns 0, WEFT_EBADFIELD,
 * WEFT_EBADPATH or WEFT_EBADLICENSE.
 */
int	weft_record_check(const struct weft_record *r);

/*
 * Sorts r's lists into the order a record requires (prev, remix_of and
 * maintainers by bytes, tags and files by strcmp), so that a caller can
 * fill them in any order before weft_record_check() or encoding. It does
 * not remove duplicates: check still rejects those.
 */
void	weft_record_sort(struct weft_record *r);

/*
 * Encodes r's body canonically into body (capped by the caller; at most
 * WEFT_RECORD_MAX is ever needed). Runs weft_record_check() first.
 */
int	weft_record_encode_body(const struct weft_record *r,
	    struct weft_buf *body);

/*
 * Signs body with sk (author's secret key, libsodium 64-byte form) and
 * writes the envelope into env. The caller makes sure body's author is
 * sk's public key. Returns 0, WEFT_ETOOBIG, WEFT_EBADKEY (libsodium
 * refused to sign) or -ENOMEM.
 */
int	weft_record_sign(const uint8_t *body, size_t body_len,
	    const uint8_t sk[static WEFT_SK_BYTES], struct weft_buf *env);

/*
 * Splits an envelope into borrowed body and signature pointers, without
 * checking the body. Returns 0, WEFT_EPROTO or WEFT_ETOOBIG.
 */
int	weft_record_open(const uint8_t *env, size_t len,
	    const uint8_t **body, size_t *body_len,
	    const uint8_t **sig);

/*
 * Strictly decodes a body into r (which the caller then releases, even on
 * failure). r is initialised first, so it need not be, but anything it
 * held is not freed. Returns 0, WEFT_EPROTO (not canonical msgpack), WEFT_EBADFIELD,
 * WEFT_EBADPATH, WEFT_EBADLICENSE, WEFT_ETOOBIG or -ENOMEM.
 */
int	weft_record_decode_body(const uint8_t *body, size_t len,
	    struct weft_record *r);

/*
 * Opens, decodes and verifies an envelope: structure, fields and the
 * signature by r->author. On success r is filled and id (if not NULL) gets
 * the record id. r is initialised first, as by weft_record_decode_body().
 * Returns 0, WEFT_EBADSIG or a decode error; r must be released by the
 * caller either way.
 */
int	weft_record_verify(const uint8_t *env, size_t len,
	    struct weft_record *r, uint8_t id[WEFT_ID_BYTES]);

/* id = BLAKE2b-256(body). */
void	weft_record_id(const uint8_t *body, size_t len,
	    uint8_t id[static WEFT_ID_BYTES]);

/* "rev", "lib", "entry", "profile", "comment", "reaction", "make",
 * "grant", "retract", "label", "receipt", "geom", "maint"; "unknown" for
 * a number no record kind has. */
const char *weft_record_type_name(enum weft_record_type t);

/* "author", "design", "file"; NULL for anything else. */
const char *weft_label_on_name(enum weft_label_on on);
/* The label kind named name (n bytes), or 0. */
enum weft_label_on weft_label_on_parse(const char *name, size_t n);
/*
 * Whether s is a valid label value: one of the well-known labels ("spam",
 * "nsfw", "illegal", "copyright", "stolen-design") or a namespaced one,
 * "NS/NAME" with NS of [a-z0-9.-] holding a dot and NAME of [a-z0-9._-],
 * 1..WEFT_LABEL_MAX bytes in all (docs/proto/records.md).
 */
bool	weft_label_valid(const char *s, size_t n);
/* The i-th well-known label, or NULL past the last. */
const char *weft_label_known(size_t i);
/*
 * Removal labels (docs/proto/records.md, `label`): the label value
 * "weft.not/X" withdraws its signer's label L on the same target, where
 * X is L for a well-known L and NS "_" NAME for L = "NS/NAME" (NS holds
 * no '_', so the first '_' splits). weft_label_base() gives in base
 * (WEFT_LABEL_MAX + 1 bytes, NUL-terminated) and *bn the label s (n
 * bytes) stands for: L for a removal, s itself otherwise. It returns 1
 * for a removal, 0 for any other valid label (a "weft.not/" value that
 * names no valid L, or names a removal, is an ordinary namespaced
 * label), WEFT_EBADFIELD when s is not a valid label.
 * weft_label_removal() writes the removal of label l (n bytes) into out
 * (WEFT_LABEL_MAX + 1 bytes, NUL-terminated): 0, or WEFT_EBADFIELD when
 * l is not a valid label, is a removal itself, or its removal would be
 * longer than WEFT_LABEL_MAX.
 */
#define WEFT_LABEL_NOT		"weft.not/"
int	weft_label_base(const char *s, size_t n, char *base, size_t *bn);
int	weft_label_removal(const char *l, size_t n, char *out);

/*
 * A file path is valid when it is 1..WEFT_PATH_MAX bytes of UTF-8 made of
 * '/'-separated parts, none empty, "." or "..", no NUL, no backslash, and
 * not starting with '/'. Returns 0 or WEFT_EBADPATH.
 */
int	weft_path_check(const char *path, size_t len);

/* True when s[0..n) is well-formed UTF-8 with no NUL and no C0 controls
 * other than tab and newline. */
bool	weft_utf8_valid(const char *s, size_t n);

/*
 * The canonical spelling of an SPDX license id or "NOASSERTION", matched
 * case-insensitively (as SPDX prescribes), or NULL when id is unknown. A
 * record must carry the canonical spelling.
 */
const char *weft_license_find(const char *id);
/* The i-th known license id (in weft_license_find's order), or NULL. */
const char *weft_license_at(size_t i);

#endif
