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

/* Photos a JPEG from the browser is reduced to, and at what quality. */
#define KS_WEB_MAX_SIDE 2048
#define KS_WEB_QUALITY 85

/* The form that sends files to attach to record `id` (writable only). */
void ks_web_attach_form(struct ks_buf *b, const struct ks_web_req *q,
			const char *id);

/*
 * POST /records/ID/attach (multipart): the files received are attached
 * as `khaosat attach` does, and saved with the record as one commit;
 * back to the record, or the problems with nothing changed (422).
 */
int ks_web_attach(const struct ks_web_req *q, struct ks_web_reply *r,
		  const char *id);

#endif
