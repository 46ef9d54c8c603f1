/*
 * Geometry in the CLI: the facts of a `geom` record for show (human and
 * JSON), and the fit filters of ls and search (--fits, --max-volume,
 * --min-size, --triangles) parsed from what a person types, in mm.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weft/record.h"

#include "cli.h"
#include "geom_out.h"
#include "output.h"

#define LEN_MAX_MM	1e9	/* as the parser's coordinates */

/* A length in mm ("220", "0.5", "12mm") to micrometres; 0 on error. */
static uint64_t
parse_mm(const char *s, const char **end)
{
	char	*e;
	double	 v;

	if (*s < '0' || *s > '9') {
		if (*s != '.')
			return 0;
	}
	errno = 0;
	v = strtod(s, &e);
	if (errno || e == s || !(v > 0) || v > LEN_MAX_MM)
		return 0;
	if (strncmp(e, "mm", 2) == 0)
		e += 2;
	*end = e;
	return (uint64_t)llround(v * 1000) > 0 ? (uint64_t)llround(v * 1000) :
	    1;
}

int
weft__geom_parse_box(const char *s, uint64_t um[3])
{
	const char	*e = s;

	for (int i = 0; i < 3; i++) {
		um[i] = parse_mm(e, &e);
		if (um[i] == 0)
			return -1;
		if (i < 2 && *e != 'x' && *e != 'X')
			return -1;
		if (i < 2)
			e++;
	}
	return *e == '\0' ? 0 : -1;
}

int
weft__geom_parse_len(const char *s, uint64_t *um)
{
	const char	*e = s;

	*um = parse_mm(s, &e);
	return *um != 0 && *e == '\0' ? 0 : -1;
}

int
weft__geom_parse_volume(const char *s, uint64_t *v)
{
	char	*e;
	double	 x, scale = 1000;	/* mm^3 in 0.001 mm^3 */

	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	errno = 0;
	x = strtod(s, &e);
	if (errno || e == s || !(x > 0))
		return -1;
	if (strcmp(e, "cm3") == 0 || strcmp(e, "ml") == 0)
		scale = 1e6;
	else if (strcmp(e, "mm3") != 0 && *e != '\0')
		return -1;
	if (x * scale > 1e15)
		return -1;
	*v = (uint64_t)llround(x * scale);
	return *v > 0 ? 0 : -1;
}

static int
parse_count(const char *s, const char **end, uint64_t *v)
{
	char			*e;
	unsigned long long	 x;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &e, 10);
	if (errno || x > UINT32_MAX)
		return -1;
	*v = x;
	*end = e;
	return 0;
}

int
weft__geom_parse_range(const char *s, uint64_t *min, uint64_t *max)
{
	const char	*e = s;

	*min = 0;
	*max = 0;
	if (*s == '-') {		/* "-MAX" */
		if (parse_count(s + 1, &e, max) != 0 || *e != '\0' ||
		    *max == 0)
			return -1;
		return 0;
	}
	if (parse_count(s, &e, min) != 0)
		return -1;
	if (*e == '\0') {		/* "MAX": at most */
		*max = *min;
		*min = 0;
		return *max > 0 ? 0 : -1;
	}
	if (*e != '-')
		return -1;
	if (e[1] == '\0')		/* "MIN-" */
		return *min > 0 ? 0 : -1;
	if (parse_count(e + 1, &e, max) != 0 || *e != '\0' || *max == 0 ||
	    *max < *min)
		return -1;
	return 0;
}

/* "220.5" from micrometres, without trailing zeros. */
static void
mm_str(char *out, size_t n, uint64_t um)
{
	size_t	k;

	snprintf(out, n, "%" PRIu64 ".%03" PRIu64, um / 1000, um % 1000);
	k = strlen(out);
	while (k > 0 && out[k - 1] == '0')
		out[--k] = '\0';
	if (k > 0 && out[k - 1] == '.')
		out[--k] = '\0';
}

/* "12.34" from hundredths or thousandths (scale 100 or 1000). */
static void
fixed_str(char *out, size_t n, uint64_t v, unsigned scale)
{
	snprintf(out, n, scale == 100 ? "%" PRIu64 ".%02" PRIu64 :
	    "%" PRIu64 ".%03" PRIu64, v / scale, v % scale);
}

void
weft__geom_facts_print(FILE *f, const struct weft_record *g)
{
	const struct weft_geom_fact	*x;
	char				 a[3][32], v[48];

	for (uint32_t i = 0; i < g->ngfacts; i++) {
		x = &g->gfacts[i];
		fprintf(f, "  ");
		out_text(f, x->path, strlen(x->path), true);
		fprintf(f, " (%s)\n", x->format);
		if (x->note[0] != '\0') {
			fprintf(f, "    not read: ");
			out_text(f, x->note, strlen(x->note), true);
			fputc('\n', f);
			continue;
		}
		for (int k = 0; k < 3; k++)
			mm_str(a[k], sizeof(a[k]), x->box[k]);
		fprintf(f, "    size       %s x %s x %s mm", a[0], a[1], a[2]);
		if (strcmp(x->unit, "millimeter") != 0 && x->unit[0] != '\0') {
			fprintf(f, " (authored in ");
			out_text(f, x->unit, strlen(x->unit), true);
			fputc(')', f);
		}
		fputc('\n', f);
		for (int k = 0; k < 3; k++)
			mm_str(a[k], sizeof(a[k]), x->extents[k]);
		fprintf(f, "    fits       %s x %s x %s mm (principal "
		    "frame)\n", a[0], a[1], a[2]);
		fprintf(f, "    triangles  %" PRIu64 "\n", x->triangles);
		fixed_str(v, sizeof(v), x->area, 100);
		fprintf(f, "    area       %s mm^2\n", v);
		if (x->closed) {
			fixed_str(v, sizeof(v), x->volume, 1000);
			fprintf(f, "    volume     %s mm^3\n", v);
		} else {
			fprintf(f, "    volume     none: open mesh: ");
			out_text(f, x->open, strlen(x->open), true);
			fputc('\n', f);
		}
		if (x->parts > 1)
			fprintf(f, "    parts      %" PRIu64 "\n", x->parts);
	}
	if (g->nfiles == 1)
		fprintf(f, "  thumbnail  %" PRIu64 " bytes (weft show "
		    "--thumbnail FILE)\n", g->files[0].size);
}

static json_t *
mm_json(uint64_t um)
{
	return json_real((double)um / 1000);
}

json_t *
weft__geom_facts_json(const struct weft_record *g, const uint8_t id[32])
{
	const struct weft_geom_fact	*x;
	json_t				*j, *a, *o, *b;

	j = json_object();
	a = json_array();
	if (j == NULL || a == NULL) {
		json_decref(j);
		json_decref(a);
		return NULL;
	}
	json_object_set_new(j, "id", out_json_id(id));
	json_object_set_new(j, "revision", out_json_id(g->on_rev.ids[0]));
	for (uint32_t i = 0; i < g->ngfacts; i++) {
		x = &g->gfacts[i];
		o = json_object();
		json_object_set_new(o, "path", out_json_str(x->path,
		    strlen(x->path)));
		json_object_set_new(o, "format", json_string(x->format));
		json_object_set_new(o, "hash", out_json_id(x->hash));
		if (x->note[0] != '\0') {
			json_object_set_new(o, "note", out_json_str(x->note,
			    strlen(x->note)));
			json_array_append_new(a, o);
			continue;
		}
		json_object_set_new(o, "unit", out_json_str(x->unit,
		    strlen(x->unit)));
		json_object_set_new(o, "triangles",
		    json_integer((json_int_t)x->triangles));
		b = json_array();
		for (int k = 0; k < 3; k++)
			json_array_append_new(b, mm_json(x->box[k]));
		json_object_set_new(o, "size_mm", b);
		b = json_array();
		for (int k = 0; k < 3; k++)
			json_array_append_new(b, mm_json(x->extents[k]));
		json_object_set_new(o, "extents_mm", b);
		json_object_set_new(o, "area_mm2",
		    json_real((double)x->area / 100));
		json_object_set_new(o, "closed", json_boolean(x->closed));
		if (x->closed)
			json_object_set_new(o, "volume_mm3",
			    json_real((double)x->volume / 1000));
		else
			json_object_set_new(o, "open", out_json_str(x->open,
			    strlen(x->open)));
		json_object_set_new(o, "parts",
		    json_integer((json_int_t)x->parts));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "files", a);
	if (g->nfiles == 1) {
		o = json_object();
		json_object_set_new(o, "size",
		    json_integer((json_int_t)g->files[0].size));
		json_object_set_new(o, "hash", out_json_id(g->files[0].hash));
		json_object_set_new(j, "thumbnail", o);
	}
	return j;
}
