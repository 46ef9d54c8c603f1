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

struct weft_ctl_client;

struct weft_credit_note {
	uint8_t		 rev[32];
	uint64_t	 ts;
	char		*message;
};

struct weft_credit {
	bool			 present;
	bool			 conflict;
	uint8_t			 rev[32];
	uint8_t			 design[32];
	uint8_t			 author[32];
	char			*name;		/* display name, or "" */
	char			*title;
	char			*license;
	uint64_t		 ts;
	uint8_t			(*parents)[32];
	uint32_t		 nparents;
	struct weft_credit_note	*notes;
	uint32_t		 nnotes;
};

struct weft_credits {
	uint8_t			 design[32];
	uint8_t			 rev[32];
	bool			 complete;
	struct weft_credit	*v;	/* v[0]: the revision itself */
	uint32_t		 n;
};

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
