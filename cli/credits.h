/*
 * Credits (control op "credits"): the attribution chain of a design's
 * revision, fetched once and written as text, Markdown (CREDITS.md, which
 * weft get writes too) or JSON. Shared by cmd_credits.c and cmd_get.c.
 */
#ifndef WEFT_CLI_CREDITS_H
#define WEFT_CLI_CREDITS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "credits_md.h"

struct weft_ctl_client;

/*
 * Asks the daemon for the credits of design (at rev, or its newest head
 * when rev is NULL) into cr (released by the caller, even on failure).
 * Returns 0, a daemon error (c->error says why) or WEFT_EPROTO.
 */
int	weft__credits_get(struct weft_ctl_client *c, const char *design,
	    const char *rev, struct weft_credits *cr);
void	weft__credits_release(struct weft_credits *cr);

/* Writes the credits as Markdown (CREDITS.md) or plain text. */
void	weft__credits_md(FILE *f, const struct weft_credits *cr);
void	weft__credits_text(FILE *f, const struct weft_credits *cr);
/* The credits as a JSON document (new reference). */
json_t	*weft__credits_json(const struct weft_credits *cr);

#endif
