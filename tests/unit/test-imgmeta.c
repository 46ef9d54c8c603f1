/*
 * Photo metadata stripping (proto/imgmeta.c): location and camera
 * metadata leave a JPEG, a PNG and a WebP, the image data stays byte for
 * byte, and malformed containers are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/imgmeta.h"

static int
has(const struct weft_buf *b, const char *s)
{
	size_t	n = strlen(s);

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return 1;
	return 0;
}

static const uint8_t jpeg[] = {
	0xff, 0xd8,
	0xff, 0xe0, 0x00, 0x07, 'J', 'F', 'I', 'F', 0,
	0xff, 0xe1, 0x00, 0x0c, 'E', 'x', 'i', 'f', 0, 0, 'G', 'P', 'S', '!',
	0xff, 0xe2, 0x00, 0x06, 'M', 'P', 'F', 0,
	0xff, 0xe2, 0x00, 0x0f, 'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I',
	'L', 'E', 0, 1,
	0xff, 0xfe, 0x00, 0x05, 'h', 'i', '!',
	0xff, 0xdb, 0x00, 0x03, 0x00,
	0xff, 0xda, 0x00, 0x04, 0x01, 0x02,
	0x11, 0x22, 0xff, 0x00, 0xff, 0xe1, 0x33,	/* scan data */
	0xff, 0xd9,
};

static void
test_jpeg(void **state)
{
	struct weft_buf	out;
	unsigned	rm;

	(void)state;
	weft_buf_init(&out, sizeof(jpeg));
	assert_int_equal(weft_img_kind(jpeg, sizeof(jpeg)), WEFT_IMG_JPEG);
	assert_int_equal(weft_img_strip(jpeg, sizeof(jpeg), &out, &rm), 0);
	assert_int_equal(rm, 3);		/* Exif, MPF, COM */
	assert_false(has(&out, "Exif"));
	assert_false(has(&out, "GPS"));
	assert_false(has(&out, "MPF"));
	assert_false(has(&out, "hi!"));
	assert_true(has(&out, "JFIF"));
	assert_true(has(&out, "ICC_PROFILE"));
	/* From SOS on, every byte is kept, 0xffe1 in the scan too. */
	assert_int_equal(out.len, sizeof(jpeg) - 14 - 8 - 7);
	assert_memory_equal(out.data + out.len - 13, jpeg + sizeof(jpeg) - 13,
	    13);
	/* Truncated anywhere before the scan: refused, out untouched. */
	for (size_t n = 3; n < 64; n++) {
		out.len = 0;
		assert_int_equal(weft_img_strip(jpeg, n, &out, NULL),
		    WEFT_EBADFIELD);
		assert_int_equal(out.len, 0);
	}
	weft_buf_release(&out);
}

static const uint8_t png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0,
	0, 1, 2, 3, 4,
	0, 0, 0, 4, 'e', 'X', 'I', 'f', 'G', 'P', 'S', '!', 1, 2, 3, 4,
	0, 0, 0, 3, 't', 'E', 'X', 't', 'a', 0, 'b', 5, 6, 7, 8,
	0, 0, 0, 2, 'I', 'D', 'A', 'T', 0x78, 0x9c, 9, 9, 9, 9,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	'P', 'K', 3, 4,				/* a file hidden after IEND */
};

static void
test_png(void **state)
{
	struct weft_buf	out;
	unsigned	rm;

	(void)state;
	weft_buf_init(&out, sizeof(png));
	assert_int_equal(weft_img_strip(png, sizeof(png), &out, &rm), 0);
	assert_int_equal(rm, 3);		/* eXIf, tEXt, the tail */
	assert_false(has(&out, "GPS"));
	assert_false(has(&out, "tEXt"));
	assert_false(has(&out, "PK"));
	assert_true(has(&out, "IDAT"));
	assert_int_equal(out.len, sizeof(png) - 16 - 15 - 4);
	/* A chunk length past the end. */
	out.len = 0;
	assert_int_equal(weft_img_strip(png, 40, &out, NULL), WEFT_EBADFIELD);
	weft_buf_release(&out);
}

static void
test_webp(void **state)
{
	uint8_t		webp[] = {
		'R', 'I', 'F', 'F', 48, 0, 0, 0, 'W', 'E', 'B', 'P',
		'V', 'P', '8', 'X', 2, 0, 0, 0, 0x2c, 0,
		'E', 'X', 'I', 'F', 3, 0, 0, 0, 'g', 'p', 's', 0,
		'X', 'M', 'P', ' ', 4, 0, 0, 0, 'x', 'm', 'p', '!',
		'V', 'P', '8', 'L', 2, 0, 0, 0, 0x2f, 0,
	};
	struct weft_buf	out;
	unsigned	rm;

	(void)state;
	weft_buf_init(&out, sizeof(webp));
	assert_int_equal(weft_img_strip(webp, sizeof(webp), &out, &rm), 0);
	assert_int_equal(rm, 2);
	assert_false(has(&out, "gps"));
	assert_false(has(&out, "xmp!"));
	assert_int_equal(out.len, 12 + 10 + 10);
	assert_int_equal(out.data[4], out.len - 8);	/* RIFF size */
	assert_int_equal(out.data[20], 0x20);		/* flags cleared */
	/* A RIFF size past the end. */
	webp[4] = 200;
	out.len = 0;
	assert_int_equal(weft_img_strip(webp, sizeof(webp), &out, NULL),
	    WEFT_EBADFIELD);
	weft_buf_release(&out);
}

static void
test_other(void **state)
{
	struct weft_buf	out;
	static const uint8_t gif[] = "GIF89a....";

	(void)state;
	weft_buf_init(&out, 64);
	assert_int_equal(weft_img_kind(gif, sizeof(gif)), WEFT_IMG_UNKNOWN);
	assert_int_equal(weft_img_strip(gif, sizeof(gif), &out, NULL),
	    WEFT_EBADFIELD);
	assert_null(weft_img_mime(WEFT_IMG_UNKNOWN));
	assert_string_equal(weft_img_mime(WEFT_IMG_PNG), "image/png");
	weft_buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_webp),
		cmocka_unit_test(test_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
