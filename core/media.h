/*
 * The files a record may have attached: photos (JPEG, PNG, WebP) and
 * documents (PDF), recognised by their content, never by their name.
 *
 * A file is checked whole before it is kept: an image must decode to its
 * last row (a truncated JPEG is refused, not shown half grey), a PDF must
 * begin with its header and end with its trailer.  What is kept of a photo
 * is made for a USB stick and for records that hold personal data:
 *
 *  - a JPEG is decoded, turned upright as its EXIF orientation says,
 *    reduced so that its longest side is at most `max_side` pixels (by
 *    libjpeg's n/8 scaling, the smallest reduction that fits) and written
 *    again at `quality`, with no metadata at all; kept at full size
 *    (`original`), it is copied with its metadata segments dropped and only
 *    an orientation tag written back, losing nothing of the picture;
 *  - a PNG or WebP keeps its picture and colour chunks and loses its text,
 *    EXIF, XMP and time chunks;
 *  - a PDF is kept as it is.
 *
 * The time a photo was taken and where (EXIF DateTimeOriginal, its
 * OffsetTimeOriginal, and the GPS position) are read before, for the record.
 */
#ifndef KS_MEDIA_H
#define KS_MEDIA_H

#include <stddef.h>

struct ks_buf;
struct ks_diags;

enum ks_media {
	KS_MEDIA_NONE = 0,
	KS_MEDIA_JPEG,
	KS_MEDIA_PNG,
	KS_MEDIA_WEBP,
	KS_MEDIA_PDF,
};

/* What the content is, by its first bytes; KS_MEDIA_NONE for the rest. */
enum ks_media ks_media_sniff(const void *data, size_t len);

/* "jpg", "png", "webp", "pdf"; the media type; "photo" or "document". */
const char *ks_media_ext(enum ks_media m);
const char *ks_media_type(enum ks_media m);
const char *ks_media_class(enum ks_media m);

/* The type an extension ("jpg") or a media type names, or KS_MEDIA_NONE. */
enum ks_media ks_media_of_ext(const char *ext);
enum ks_media ks_media_of_type(const char *type);

#define KS_MEDIA_WHY_MAX 512

/*
 * NULL when `data` is a whole file of type `m`, or why not, in words for
 * a person, written into `why` ("the JPEG is damaged or cut short: ...").
 */
const char *ks_media_problem(enum ks_media m, const void *data, size_t len,
			     char *why, size_t whylen);

struct ks_media_meta {
	char taken[32];		/* "2024-05-01T10:20:30+07:00", or "" */
	int has_position;
	double lat, lon;	/* WGS84 degrees, south and west negative */
	double accuracy;	/* metres, 0 when the photo does not say */
	int orientation;	/* EXIF 1-8; 1 when none */
};

/* Reads what a photo says of itself; a file without EXIF gives nothing. */
void ks_media_meta(struct ks_media_meta *out, enum ks_media m,
		   const void *data, size_t len);

struct ks_media_opts {
	unsigned max_side;	/* pixels; 0: never reduced */
	int quality;		/* JPEG quality 1-100 */
	int original;		/* keep a JPEG's picture as it is */
};

/*
 * Appends to `out` the file as it is kept (see above); `display` names it
 * in errors.  0, KS_EINVALID (with an error) or -1 out of memory.
 */
int ks_media_prepare(struct ks_buf *out, enum ks_media m, const void *data,
		     size_t len, const struct ks_media_opts *o,
		     const char *display, struct ks_diags *d);

/*
 * A small JPEG of a photo, at most `side` pixels on its longest side,
 * turned upright: 0, 1 when `data` is no photo that decodes (nothing is
 * added), -1 out of memory.
 */
int ks_media_thumb(struct ks_buf *out, enum ks_media m, const void *data,
		   size_t len, unsigned side);

#endif
