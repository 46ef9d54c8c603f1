/*
 * Credits as people read them: the items of the control op "credits"
 * decoded (docs/proto/control.md) and written as Markdown (CREDITS.md)
 * or plain text, for weft and for weftd's web UI alike.
 */
#ifndef WEFT_UTIL_CREDITS_MD_H
#define WEFT_UTIL_CREDITS_MD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct weft_obj;

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

/* Frees what cr holds and zeroes it. */
void	weft_credits_release(struct weft_credits *cr);
/*
 * Decodes one item of the op's reply into c (zeroed first; what it holds
 * is freed by weft_credits_release once c is counted in a credits).
 */
int	weft_credits_item_decode(const struct weft_obj *o,
	    struct weft_credit *c);
/* Writes cr (n >= 1) as Markdown (md) or plain text; strings escaped. */
void	weft_credits_write(FILE *f, const struct weft_credits *cr, bool md);

#endif
