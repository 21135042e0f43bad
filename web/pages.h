/*
 * The pages of khaosat serve, apart from HTTP: each one reads the survey
 * through core/ and writes HTML.  server.c has checked the request.
 */
#ifndef KS_WEB_PAGES_H
#define KS_WEB_PAGES_H

#include "buf.h"

struct ks_repo;
struct ks_web_index;
struct ks_web_form;

/* A request as the pages see it. */
/* A file sent with a form (multipart), kept in a temporary file. */
struct ks_web_upload {
	char *path;		/* where it waits */
	char *name;		/* its name on the sender's computer */
};

struct ks_web_req {
	struct ks_repo *repo;
	struct ks_web_index *index;	/* the reading index, or NULL */
	const char *path;	/* "/records/md01-0001", decoded */
	/* A query argument, decoded, or NULL. */
	const char *(*arg)(void *ctx, const char *name);
	void *ctx;
	const struct ks_web_form *form;	/* a POST's fields; NULL for GET */
	const struct ks_web_upload *files;	/* a multipart POST's files */
	size_t nfiles;
	const char *csrf;	/* the token every form must send back */
	int writable;		/* forms may save */
	int can_login;		/* a password would let forms save */
	long lock_ms;		/* how long a save waits for the survey lock */
	const char *version;	/* the program's */
};

/* What to send back. */
struct ks_web_reply {
	unsigned status;	/* 200, 404... */
	const char *type;	/* Content-Type */
	char *location;		/* where a 303 sends the browser (ks_free) */
	struct ks_buf body;
	/* A download: sent from this open file instead of the body. */
	int fd;			/* -1: none; closed by the server */
	size_t fsize;
	char *disposition;	/* Content-Disposition (ks_free) */
	unsigned refresh;	/* seconds after which to load the page again */
};

/*
 * Answers a checked GET for `q->path`: a page, the style sheet, or a
 * "not found" page.  0, or -1 when memory runs out.
 */
int ks_web_page(const struct ks_web_req *q, struct ks_web_reply *r);

/*
 * Answers a checked POST (its token checked too): saves what the form
 * says, then sends the browser on with a 303, or shows the form again
 * with its problems.  0, or -1 when memory runs out.
 */
int ks_web_post(const struct ks_web_req *q, struct ks_web_reply *r);

#endif
