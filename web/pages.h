/*
 * The pages of khaosat serve, apart from HTTP: each one reads the survey
 * through core/ and writes HTML.  server.c has checked the request.
 */
#ifndef KS_WEB_PAGES_H
#define KS_WEB_PAGES_H

#include "buf.h"

struct ks_repo;

/* A request as the pages see it. */
struct ks_web_req {
	struct ks_repo *repo;
	const char *path;	/* "/records/md01-0001", decoded */
	/* A query argument, decoded, or NULL. */
	const char *(*arg)(void *ctx, const char *name);
	void *ctx;
};

/* What to send back. */
struct ks_web_reply {
	unsigned status;	/* 200, 404... */
	const char *type;	/* Content-Type */
	struct ks_buf body;
};

/*
 * Answers a checked GET for `q->path`: a page, the style sheet, or a
 * "not found" page.  0, or -1 when memory runs out.
 */
int ks_web_page(const struct ks_web_req *q, struct ks_web_reply *r);

#endif
