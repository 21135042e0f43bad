/*
 * A form's fields as a browser posts them
 * (application/x-www-form-urlencoded), decoded strictly: a malformed
 * escape, a NUL or text that is not UTF-8 refuses the whole request, so
 * nothing half-read ever reaches a record.  Values are turned into NFC,
 * as every text of a survey is stored.
 */
#ifndef KS_WEB_POST_H
#define KS_WEB_POST_H

#include <stddef.h>

struct ks_web_field {
	char *name;
	char *value;
};

struct ks_web_form {
	struct ks_web_field *v;	/* in the order sent */
	size_t n, alloc;
};

/*
 * Decodes `len` bytes of `body` into `f`.  0; KS_EINVALID with *why (a
 * static message to translate) for a body that is not a form; -1 when
 * memory runs out.
 */
int ks_web_form_parse(struct ks_web_form *f, const char *body, size_t len,
		      const char **why);
/* The first value sent for `name`, or NULL. */
const char *ks_web_form_get(const struct ks_web_form *f, const char *name);
void ks_web_form_release(struct ks_web_form *f);

#endif
