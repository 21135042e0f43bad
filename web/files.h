/*
 * A record's attached files in the browser (files.c).
 */
#ifndef KS_WEB_FILES_H
#define KS_WEB_FILES_H

#include "pages.h"

struct ks_node;

/*
 * GET /records/ID/files/NAME: the file NAME ("<sha256>.<ext>") of record
 * ID, sent as it is kept, with its media type; 404 for anything else.
 */
int ks_web_file(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *id, const char *name);

/* The record's photos (and links to its documents), with their captions. */
void ks_web_gallery(struct ks_buf *b, const char *id, const struct ks_node *root);

#endif
