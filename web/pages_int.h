/*
 * The pages pages.c sends requests to, each in a module of its own.
 */
#ifndef KS_WEB_PAGES_INT_H
#define KS_WEB_PAGES_INT_H

#include "pages.h"

/* The pages that change the survey (edit.c). */
int ks_web_new(const struct ks_web_req *q, struct ks_web_reply *r,
	       const char *kind);
int ks_web_edit(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *id);
/* Sync with a stick or a hub, run as the command, watched (sync.c). */
int ks_web_sync(const struct ks_web_req *q, struct ks_web_reply *r);
/* The figures as charts, and the export as a download (export.c). */
int ks_web_export(const struct ks_web_req *q, struct ks_web_reply *r);
/* The open conflicts, and (POST) one settled (conflicts.c). */
int ks_web_conflicts(const struct ks_web_req *q, struct ks_web_reply *r);

#endif
