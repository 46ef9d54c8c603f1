/*
 * weft geom: reads mesh files (STL, OBJ, 3MF) and prints their facts and
 * fingerprints; with --thumbnail, writes a PNG of the first. No daemon
 * needed: this is the same code weftd would run on a published file
 * (libweft_geom), so a user can check what it computes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/geom.h"

#include "cli.h"
#include "output.h"

#define GEOM_FILE_MAX	((size_t)1 << 30)	/* 1 GiB */
#define THUMB_MAX	((size_t)8 << 20)
#define THUMB_SIZE	256
#define PARTS_SHOWN	16	/* per-part keys of the first parts */

static const char usage[] =
    "weft geom [--thumbnail OUT.png] [--size N] FILE...";

#define OPT_THUMB	0x2000
#define OPT_SIZE	0x2001

/* Reads path whole into b (cap GEOM_FILE_MAX). */
static int
slurp(const char *path, struct weft_buf *b)
{
	struct stat	st;
	ssize_t		n;
	int		fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if ((uint64_t)st.st_size > GEOM_FILE_MAX) {
		err = WEFT_ETOOBIG;
		goto out;
	}
	weft_buf_init(b, GEOM_FILE_MAX);
	err = weft_buf_reserve(b, (size_t)st.st_size + 1);
	if (err)
		goto out;
	for (;;) {
		if (b->len == b->cap) {
			err = weft_buf_reserve(b, 65536);
			if (err)
				goto out;
		}
		n = read(fd, b->data + b->len, b->cap - b->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
out:
	close(fd);
	return err;
}

static void
hex(char *out, const uint8_t *p)
{
	weft_hex_encode(out, p, WEFT_GEOM_KEY_BYTES);
}

static json_t *
json_facts(const char *path, const struct weft_geom_mesh *m,
    const struct weft_geom_facts *f, const struct weft_geom_print *p)
{
	json_t	*j = json_object(), *a;
	char	 h[2 * WEFT_GEOM_KEY_BYTES + 1];

	json_object_set_new(j, "file", out_json_str(path, strlen(path)));
	json_object_set_new(j, "format",
	    json_string(weft_geom_format_name(m->format)));
	if (m->format == WEFT_GEOM_STL)
		json_object_set_new(j, "encoding",
		    json_string(m->ascii ? "ascii" : "binary"));
	json_object_set_new(j, "unit", json_string(m->unit));
	json_object_set_new(j, "triangles", json_integer(f->triangles));
	json_object_set_new(j, "triangles_read", json_integer(
	    (json_int_t)m->read));
	json_object_set_new(j, "vertices", json_integer(f->vertices));
	json_object_set_new(j, "parts", json_integer(f->parts));
	json_object_set_new(j, "euler", json_integer(f->euler));
	a = json_array();
	for (int k = 0; k < 3; k++)
		json_array_append_new(a, json_real(f->min[k]));
	json_object_set_new(j, "min", a);
	a = json_array();
	for (int k = 0; k < 3; k++)
		json_array_append_new(a, json_real(f->max[k]));
	json_object_set_new(j, "max", a);
	a = json_array();
	for (int k = 0; k < 3; k++)
		json_array_append_new(a, json_real(f->max[k] - f->min[k]));
	json_object_set_new(j, "size", a);
	a = json_array();
	for (int k = 0; k < 3; k++)
		json_array_append_new(a, json_real(f->extents[k]));
	json_object_set_new(j, "extents", a);
	json_object_set_new(j, "area", json_real(f->area));
	json_object_set_new(j, "closed", json_boolean(f->closed));
	if (f->closed)
		json_object_set_new(j, "volume", json_real(f->volume));
	else {
		json_object_set_new(j, "volume", json_null());
		json_object_set_new(j, "open", json_string(f->open_why));
		json_object_set_new(j, "open_edges",
		    json_integer((json_int_t)f->open_edges));
	}
	json_object_set_new(j, "version", json_integer(p->version));
	if (p->has_key) {
		a = json_array();
		for (int g = 0; g < 2; g++) {
			hex(h, p->key[g]);
			json_array_append_new(a, json_string(h));
		}
		json_object_set_new(j, "key", a);
	} else {
		json_object_set_new(j, "key", json_null());
		json_object_set_new(j, "nokey", json_string(p->nokey_why));
	}
	a = json_array();
	for (int i = 0; i < WEFT_GEOM_D2_BINS; i++)
		json_array_append_new(a, json_integer(p->d2[i]));
	json_object_set_new(j, "d2", a);
	a = json_array();
	json_array_append_new(a, json_real(p->ratio[0]));
	json_array_append_new(a, json_real(p->ratio[1]));
	json_object_set_new(j, "ratios", a);
	return j;
}

static void
print_facts(const char *path, const struct weft_geom_mesh *m,
    const struct weft_geom_facts *f, const struct weft_geom_print *p)
{
	char	h[2 * WEFT_GEOM_KEY_BYTES + 1];

	out_text(stdout, path, strlen(path), true);
	printf(": %s%s, %u triangles, %u vertices, %u part%s, unit %s\n",
	    weft_geom_format_name(m->format),
	    m->format == WEFT_GEOM_STL ? (m->ascii ? " (ascii)" :
	    " (binary)") : "", f->triangles, f->vertices, f->parts,
	    f->parts == 1 ? "" : "s", m->unit);
	printf("  size       %.6g x %.6g x %.6g mm (as authored)\n",
	    f->max[0] - f->min[0], f->max[1] - f->min[1],
	    f->max[2] - f->min[2]);
	printf("  box        x %.6g..%.6g  y %.6g..%.6g  z %.6g..%.6g\n",
	    f->min[0], f->max[0], f->min[1], f->max[1], f->min[2],
	    f->max[2]);
	printf("  extents    %.6g x %.6g x %.6g mm (principal frame)\n",
	    f->extents[0], f->extents[1], f->extents[2]);
	printf("  area       %.6g mm^2\n", f->area);
	if (f->closed)
		printf("  volume     %.6g mm^3\n", f->volume);
	else
		printf("  volume     none: %s (%llu)\n", f->open_why,
		    (unsigned long long)f->open_edges);
	if (p->has_key) {
		hex(h, p->key[0]);
		printf("  key        %s\n", h);
		hex(h, p->key[1]);
		printf("             %s (geom-v%u)\n", h, p->version);
	} else
		printf("  key        none: %s\n", p->nokey_why);
	printf("  shape      ratios %.4f %.4f\n", p->ratio[0], p->ratio[1]);
	if (m->degenerate > 0)
		printf("  note       %llu degenerate triangles dropped\n",
		    (unsigned long long)m->degenerate);
}

/*
 * The key of each connected part (up to PARTS_SHOWN) when there are
 * several, as a JSON array into j, or human lines.
 */
static int
print_parts(struct weft_cli *cli, const struct weft_geom_mesh *m,
    uint32_t nparts, json_t *j)
{
	struct weft_geom_mesh	*parts;
	struct weft_geom_facts	 f;
	struct weft_geom_print	 p;
	json_t			*arr = NULL, *o;
	char			 h[2 * WEFT_GEOM_KEY_BYTES + 1];
	uint32_t		 n, shown;
	int			 err;

	if (nparts < 2 || cli->quiet)
		return 0;
	shown = nparts < PARTS_SHOWN ? nparts : PARTS_SHOWN;
	parts = calloc(shown, sizeof(*parts));
	if (parts == NULL)
		return -ENOMEM;
	err = weft_geom_split(m, parts, shown, &n);
	if (err)
		goto out;
	if (j != NULL)
		arr = json_array();
	for (uint32_t i = 0; i < shown; i++) {
		err = weft_geom_analyze(&parts[i], &f, &p);
		if (err == WEFT_EPROTO) {
			err = 0;
			continue;		/* no area: nothing to key */
		}
		if (err)
			goto out;
		if (p.has_key)
			hex(h, p.key[0]);
		else
			snprintf(h, sizeof(h), "none");
		if (arr != NULL) {
			o = json_object();
			json_object_set_new(o, "triangles",
			    json_integer(f.triangles));
			json_object_set_new(o, "key", p.has_key ?
			    json_string(h) : json_null());
			json_array_append_new(arr, o);
		} else
			printf("  part %-4u  %8u triangles, key %s\n", i + 1,
			    f.triangles, h);
	}
	if (arr == NULL && n > shown)
		printf("  ...        and %u more parts\n", n - shown);
out:
	if (arr != NULL) {
		if (err == 0)
			json_object_set_new(j, "part_keys", arr);
		else
			json_decref(arr);
	}
	for (uint32_t i = 0; i < shown; i++)
		weft_geom_mesh_release(&parts[i]);
	free(parts);
	return err;
}

static int
refused(const char *path, const struct weft_geom_mesh *m, int err)
{
	char	where[64] = "";

	if (m->note.where > 0)
		snprintf(where, sizeof(where), " (%s %llu)",
		    m->format == WEFT_GEOM_STL && !m->ascii ? "triangle" :
		    "line", (unsigned long long)m->note.where);
	weft__warn("'%s' refused: %s%s", path,
	    m->note.what != NULL ? m->note.what : weft_strerror(err), where);
	return WEFT_EXIT_FAIL;
}

static int
write_png(const char *path, const struct weft_buf *b)
{
	FILE	*f = fopen(path, "wb");

	if (f == NULL)
		return -errno;
	if (fwrite(b->data, 1, b->len, f) != b->len) {
		fclose(f);
		return -EIO;
	}
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static int
one(struct weft_cli *cli, const char *path, const char *thumb,
    unsigned size, json_t *arr)
{
	struct weft_geom_mesh	 m;
	struct weft_geom_facts	 f;
	struct weft_geom_print	 p;
	struct weft_buf		 b, png;
	int			 err, rc = WEFT_EXIT_OK;

	weft_buf_init(&b, GEOM_FILE_MAX);
	weft_buf_init(&png, THUMB_MAX);
	weft_geom_mesh_init(&m, NULL);
	err = slurp(path, &b);
	if (err) {
		rc = weft__fail(err, NULL, "cannot read '%s'", path);
		if (rc == WEFT_EXIT_NOTFOUND)
			rc = WEFT_EXIT_FAIL;
		goto out;
	}
	err = weft_geom_decode(&m, weft_geom_format_guess(path, b.data,
	    b.len), b.data, b.len);
	if (err) {
		rc = refused(path, &m, err);
		goto out;
	}
	err = weft_geom_analyze(&m, &f, &p);
	if (err == WEFT_EPROTO) {
		weft__warn("'%s' refused: no triangle has an area", path);
		rc = WEFT_EXIT_FAIL;
		goto out;
	} else if (err) {
		rc = weft__fail(err, NULL, "cannot analyse '%s'", path);
		goto out;
	}
	if (cli->json) {
		json_t	*j = json_facts(path, &m, &f, &p);

		err = print_parts(cli, &m, f.parts, j);
		json_array_append_new(arr, j);
	} else if (cli->quiet) {
		char	h[2 * WEFT_GEOM_KEY_BYTES + 1] = "-";

		if (p.has_key)
			hex(h, p.key[0]);
		printf("%s\n", h);
	} else {
		print_facts(path, &m, &f, &p);
		err = print_parts(cli, &m, f.parts, NULL);
	}
	if (err) {
		rc = weft__fail(err, NULL, "cannot analyse '%s'", path);
		goto out;
	}
	if (thumb != NULL) {
		err = WEFT_ENOTFOUND;
		if (m.format == WEFT_GEOM_3MF)
			err = weft_geom_3mf_thumbnail(b.data, b.len, NULL,
			    THUMB_MAX, &png);
		if (err)
			err = weft_geom_render_png(&m, size, &png);
		if (err == 0)
			err = write_png(thumb, &png);
		if (err)
			rc = weft__fail(err, NULL, "cannot write '%s'", thumb);
	}
out:
	weft_geom_mesh_release(&m);
	weft_buf_release(&png);
	weft_buf_release(&b);
	return rc;
}

int
cmd_geom(struct weft_cli *cli, int argc, char **argv)
{
	static const struct option	opts[] = {
		WEFT_CLI_COMMON_OPTS,
		{ "thumbnail",	required_argument,	NULL, OPT_THUMB },
		{ "size",	required_argument,	NULL, OPT_SIZE },
		{ NULL, 0, NULL, 0 }
	};
	const char			*thumb = NULL;
	unsigned long			 size = THUMB_SIZE;
	char				*end;
	json_t				*arr = NULL;
	int				 ch, rc, worst = WEFT_EXIT_OK;

	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_THUMB:
			thumb = optarg;
			break;
		case OPT_SIZE:
			errno = 0;
			size = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || size < 16 ||
			    size > 1024)
				return weft__usage_error("--size wants a "
				    "number of pixels from 16 to 1024");
			break;
		default:
			rc = weft__opt(cli, ch, argv, usage);
			if (rc != WEFT_OPT_CONTINUE)
				return rc;
		}
	}
	if (optind == argc)
		return weft__usage(usage);
	if (thumb != NULL && argc - optind != 1)
		return weft__usage_error("--thumbnail takes one FILE");
	if (cli->json)
		arr = json_array();
	for (int i = optind; i < argc; i++) {
		rc = one(cli, argv[i], thumb, (unsigned)size, arr);
		if (rc != WEFT_EXIT_OK && worst == WEFT_EXIT_OK)
			worst = rc;
	}
	if (cli->json)
		out_json_print(arr);
	return worst;
}
