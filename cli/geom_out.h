/*
 * Geometry in the CLI (geom_out.c): facts of a `geom` record for show,
 * and the fit filters of ls and search.
 */
#ifndef WEFT_CLI_GEOM_OUT_H
#define WEFT_CLI_GEOM_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct weft_record;

/* "220x220x250" (mm, decimals allowed) to micrometres; 0 or -1. */
int	weft__geom_parse_box(const char *s, uint64_t um[3]);
/* "10" or "10mm" to micrometres; 0 or -1. */
int	weft__geom_parse_len(const char *s, uint64_t *um);
/* "50000" (mm^3), "50cm3" or "50ml" to 0.001 mm^3; 0 or -1. */
int	weft__geom_parse_volume(const char *s, uint64_t *v);
/* "MAX" (at most), "MIN-MAX", "MIN-" or "-MAX"; 0: no bound. */
int	weft__geom_parse_range(const char *s, uint64_t *min, uint64_t *max);

/* The facts of geom record g, one block per mesh file, escaped. */
void	weft__geom_facts_print(FILE *f, const struct weft_record *g);
/* The same as JSON; id is the geom record's. */
json_t	*weft__geom_facts_json(const struct weft_record *g,
	    const uint8_t id[32]);

/*
 * show's geometry (cmd_similar.c): the facts of revision id (of design,
 * first published at created ms) by rev's author, into j (JSON) or
 * printed, the re-upload note, and the thumbnail written to thumb_path
 * when given. Returns an exit code.
 */
struct weft_cli;
struct weft_ctl_client;
int	weft__show_geom(struct weft_cli *cli, struct weft_ctl_client *c,
	    const struct weft_record *rev, const uint8_t id[32],
	    const uint8_t design[32], uint64_t created, json_t *j,
	    const char *thumb_path);

#endif
