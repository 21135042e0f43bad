/*
 * Files attached to records.  A record lists its files in `attachments`,
 * one item per file keyed by the SHA-256 of its content (x-key: sha256),
 * with its kind (photo, document), media type, caption, when it was taken
 * and where.  The files live beside the records (attachpath.h): lists
 * merge item by item, and files never conflict.
 */
#ifndef KS_ATTACH_H
#define KS_ATTACH_H

#include <stddef.h>

#include "media.h"

struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_repo;

/* One file to attach, as given. */
struct ks_attach_file {
	const char *path;	/* to read it from */
	const char *display;	/* its name in messages */
	const char *caption;	/* or NULL */
};

/* What ks_attach() did with one file. */
struct ks_attached {
	char sha256[65];
	enum ks_media media;
	size_t size, given;	/* bytes kept, bytes given */
	int had;		/* the record had that file already */
	int positioned;		/* its GPS position became the record's */
	char *relpath;		/* where it is kept (ks_free) */
};

/*
 * Attaches files to the record `rel` (of `kind` and `id`), whose parsed
 * text is `doc`: each is read, checked whole, made fit to keep
 * (ks_media_prepare) and written to its place; its item is added to the
 * record's `attachments` (a file it has already is not added twice), and
 * a photo's GPS position becomes the record's `position` when it has none
 * and its kind has one (a workshop does; a brand does not).
 * The record is checked against its schema, with its files in their
 * places, and written only when valid; on any failure the files this call
 * wrote are removed, and no record is changed.  out[i] says what was
 * done with files[i] (release with ks_attached_release).
 */
int ks_attach(struct ks_attached *out, struct ks_repo *r, const char *kind,
	      const char *id, const char *rel, struct ks_doc *doc,
	      const struct ks_attach_file *files, size_t n,
	      const struct ks_media_opts *o, struct ks_diags *d);
void ks_attached_release(struct ks_attached *a, size_t n);

/*
 * A position as records keep it, {latitude, longitude[, accuracy]
 * [, source]}, in `doc` (accuracy 0 or less: none; source NULL: none).
 * NULL when memory runs out.
 */
struct ks_node *ks_position_node(struct ks_doc *doc, double lat, double lon,
				 double accuracy, const char *source);

/*
 * The latitude and longitude of a position as records keep it (`p`: the
 * {latitude, longitude, ...} map, or NULL): 1 when both are numbers on
 * the globe (latitude -90 to 90, longitude -180 to 180), else 0.
 */
int ks_position_read(const struct ks_node *p, double *lat, double *lon);

#endif
