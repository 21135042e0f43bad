/*
 * The files khaosat serve sends as they are (style sheet, script), made
 * into C data at build time by web/static/embed.sh from web/static/, so
 * that the binary needs nothing beside it and nothing is fetched from
 * elsewhere.
 */
#ifndef KS_WEB_STATIC_H
#define KS_WEB_STATIC_H

#include <stddef.h>

struct ks_web_static {
	const char *path;	/* "/static/style.css" */
	const char *type;	/* its Content-Type */
	const unsigned char *data;
	size_t size;
};

/* Ended by an entry whose path is NULL. */
extern const struct ks_web_static ks_web_static_files[];

#endif
