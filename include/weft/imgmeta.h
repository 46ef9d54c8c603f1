/*
 * Photo metadata stripping (docs/proto/records.md, "Photos"): a photo of
 * a print (a make, an avatar) is published without the location, camera
 * and time metadata phones write into it, because its bytes are signed
 * and copied to every node for ever. The strippers work on the container
 * only (no pixel is decoded or changed):
 *
 *   JPEG  drops APP1 (Exif, XMP), APP12, APP13 (IPTC/Photoshop) and COM
 *         segments; keeps APP0 (JFIF), APP2 (ICC colour), APP14 (Adobe)
 *         and everything from the first SOS on, byte for byte.
 *   PNG   drops eXIf, tEXt, zTXt, iTXt and tIME chunks; keeps the rest.
 *   WebP  drops EXIF and XMP  chunks and clears their flags in VP8X.
 *
 * Each is a total function of its input: anything that is not a whole,
 * well-formed container of its kind (a truncated segment, a length past
 * the end, a missing signature) is refused with WEFT_EBADFIELD, and out
 * is never larger than the input.
 */
#ifndef WEFT_IMGMETA_H
#define WEFT_IMGMETA_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf;

/* Largest photo weft publishes. */
#define WEFT_PHOTO_MAX		(8u * 1024 * 1024)

enum weft_img_kind {
	WEFT_IMG_UNKNOWN = 0,
	WEFT_IMG_JPEG,
	WEFT_IMG_PNG,
	WEFT_IMG_WEBP,
};

/* The kind of image p holds, by its signature. */
enum weft_img_kind weft_img_kind(const uint8_t *p, size_t n);
/* "image/jpeg", "image/png", "image/webp", or NULL. */
const char *weft_img_mime(enum weft_img_kind k);

/*
 * Writes p without its metadata to out (appended); *removed gets the
 * number of metadata blocks dropped (may be NULL). Returns 0,
 * WEFT_EBADFIELD (not a well-formed JPEG, PNG or WebP), WEFT_ETOOBIG
 * (over WEFT_PHOTO_MAX) or -ENOMEM (also when out cannot grow by n).
 */
int	weft_img_strip(const uint8_t *p, size_t n, struct weft_buf *out,
	    unsigned *removed);

#endif
