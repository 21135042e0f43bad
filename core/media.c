/*
 * Attached files: recognised, checked whole, read for their EXIF, and made
 * fit to keep.  See media.h.  JPEG goes through libjpeg(-turbo), PNG
 * through libpng's simplified reader, WebP through libwebp, EXIF through
 * libexif; the metadata of PNG and WebP is dropped chunk by chunk.
 */
#include "media.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "lazylib.h"

#include <libexif/exif-data.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <zlib.h>
#include <jpeglib.h>

/* loaded at the first photo looked at: see lazylib.h */
#define JPEG_FUNCS(X) \
	X(jpeg_CreateCompress) X(jpeg_CreateDecompress) \
	X(jpeg_calc_output_dimensions) X(jpeg_destroy_compress) \
	X(jpeg_destroy_decompress) X(jpeg_finish_compress) \
	X(jpeg_finish_decompress) X(jpeg_mem_dest) X(jpeg_mem_src) \
	X(jpeg_read_header) X(jpeg_read_scanlines) X(jpeg_set_defaults) \
	X(jpeg_set_quality) X(jpeg_start_compress) X(jpeg_start_decompress) \
	X(jpeg_std_error) X(jpeg_write_scanlines)
KS_LAZYLIB(jpeg_lib, KS_SONAME_jpeg, "libjpeg62-turbo", JPEG_FUNCS);
#define jpeg_CreateCompress KS_LAZY(jpeg_lib, jpeg_CreateCompress)
#define jpeg_CreateDecompress KS_LAZY(jpeg_lib, jpeg_CreateDecompress)
#define jpeg_calc_output_dimensions KS_LAZY(jpeg_lib, jpeg_calc_output_dimensions)
#define jpeg_destroy_compress KS_LAZY(jpeg_lib, jpeg_destroy_compress)
#define jpeg_destroy_decompress KS_LAZY(jpeg_lib, jpeg_destroy_decompress)
#define jpeg_finish_compress KS_LAZY(jpeg_lib, jpeg_finish_compress)
#define jpeg_finish_decompress KS_LAZY(jpeg_lib, jpeg_finish_decompress)
#define jpeg_mem_dest KS_LAZY(jpeg_lib, jpeg_mem_dest)
#define jpeg_mem_src KS_LAZY(jpeg_lib, jpeg_mem_src)
#define jpeg_read_header KS_LAZY(jpeg_lib, jpeg_read_header)
#define jpeg_read_scanlines KS_LAZY(jpeg_lib, jpeg_read_scanlines)
#define jpeg_set_defaults KS_LAZY(jpeg_lib, jpeg_set_defaults)
#define jpeg_set_quality KS_LAZY(jpeg_lib, jpeg_set_quality)
#define jpeg_start_compress KS_LAZY(jpeg_lib, jpeg_start_compress)
#define jpeg_start_decompress KS_LAZY(jpeg_lib, jpeg_start_decompress)
#define jpeg_std_error KS_LAZY(jpeg_lib, jpeg_std_error)
#define jpeg_write_scanlines KS_LAZY(jpeg_lib, jpeg_write_scanlines)

#define PNG_FUNCS(X) \
	X(png_image_begin_read_from_memory) X(png_image_finish_read) \
	X(png_image_free)
KS_LAZYLIB(png_lib, KS_SONAME_png16, "libpng16-16", PNG_FUNCS);
#define png_image_begin_read_from_memory KS_LAZY(png_lib, png_image_begin_read_from_memory)
#define png_image_finish_read KS_LAZY(png_lib, png_image_finish_read)
#define png_image_free KS_LAZY(png_lib, png_image_free)

#define WEBP_FUNCS(X) \
	X(WebPDecodeRGBA) X(WebPFree) X(WebPGetInfo)
KS_LAZYLIB(webp_lib, KS_SONAME_webp, "libwebp7", WEBP_FUNCS);
#define WebPDecodeRGBA KS_LAZY(webp_lib, WebPDecodeRGBA)
#define WebPFree KS_LAZY(webp_lib, WebPFree)
#define WebPGetInfo KS_LAZY(webp_lib, WebPGetInfo)

#define EXIF_FUNCS(X) \
	X(exif_content_get_entry) X(exif_data_get_byte_order) \
	X(exif_data_new_from_data) X(exif_data_unref) X(exif_get_rational) \
	X(exif_get_short)
KS_LAZYLIB(exif_lib, KS_SONAME_exif, "libexif12", EXIF_FUNCS);
#define exif_content_get_entry KS_LAZY(exif_lib, exif_content_get_entry)
#define exif_data_get_byte_order KS_LAZY(exif_lib, exif_data_get_byte_order)
#define exif_data_new_from_data KS_LAZY(exif_lib, exif_data_new_from_data)
#define exif_data_unref KS_LAZY(exif_lib, exif_data_unref)
#define exif_get_rational KS_LAZY(exif_lib, exif_get_rational)
#define exif_get_short KS_LAZY(exif_lib, exif_get_short)

#define MAX_PIXELS (80u * 1000 * 1000)	/* 80 megapixels, decoded */

enum ks_media ks_media_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return KS_MEDIA_JPEG;
	if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return KS_MEDIA_PNG;
	if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return KS_MEDIA_WEBP;
	if (len >= 5 && !memcmp(p, "%PDF-", 5))
		return KS_MEDIA_PDF;
	return KS_MEDIA_NONE;
}

static const char *const exts[] = { NULL, "jpg", "png", "webp", "pdf" };
static const char *const types[] = {
	NULL, "image/jpeg", "image/png", "image/webp", "application/pdf",
};

const char *ks_media_ext(enum ks_media m)
{
	return exts[m];
}

const char *ks_media_type(enum ks_media m)
{
	return types[m];
}

const char *ks_media_class(enum ks_media m)
{
	return m == KS_MEDIA_PDF ? "document" : m ? "photo" : NULL;
}

enum ks_media ks_media_of_type(const char *type)
{
	size_t i;

	for (i = 1; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i]))
			return (enum ks_media)i;
	return KS_MEDIA_NONE;
}

enum ks_media ks_media_of_ext(const char *ext)
{
	size_t i;

	for (i = 1; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcmp(ext, exts[i]))
			return (enum ks_media)i;
	return KS_MEDIA_NONE;
}

/* ---- JPEG ---- */

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char why[JMSG_LENGTH_MAX];
};

static void jerr_exit(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;

	c->err->format_message(c, e->why);
	longjmp(e->jump, 1);
}

/* A warning (a file cut short, a bad Huffman code) is a damaged file. */
static void jerr_message(j_common_ptr c, int level)
{
	struct jerr *e = (struct jerr *)c->err;

	if (level < 0 && !e->why[0]) {
		c->err->format_message(c, e->why);
		c->err->num_warnings++;
	}
}

/* The error manager of a decoder: errors jump back, warnings count. */
static struct jpeg_error_mgr *jerr_init(struct jerr *e)
{
	memset(e, 0, sizeof(*e));
	jpeg_std_error(&e->mgr);
	e->mgr.error_exit = jerr_exit;
	e->mgr.emit_message = jerr_message;
	return &e->mgr;
}

/* A decoded picture, 3 bytes (RGB) a pixel, rows top down. */
struct img {
	unsigned char *px;
	unsigned w, h;
};

/* Turns a CMYK row (as Adobe writes it, inverted) into RGB in place. */
static void cmyk_row(unsigned char *row, unsigned w)
{
	unsigned x;

	for (x = 0; x < w; x++) {
		const unsigned char *s = row + 4 * x;
		unsigned k = s[3];
		unsigned char rgb[3] = {
			(unsigned char)(s[0] * k / 255),
			(unsigned char)(s[1] * k / 255),
			(unsigned char)(s[2] * k / 255),
		};

		memcpy(row + 3 * x, rgb, 3);
	}
}

/*
 * Decodes a JPEG at scale num/8 into `out` (NULL: only check it).  Returns
 * NULL, or why it cannot be decoded.
 */
static const char *jpeg_decode(struct img *out, const void *data, size_t len,
			       unsigned num, char *why, size_t whylen)
{
	struct jpeg_decompress_struct c;
	struct jerr e;
	unsigned char *volatile px = NULL;
	unsigned char *volatile row = NULL;
	int cmyk;

	c.err = jerr_init(&e);
	if (setjmp(e.jump)) {
		jpeg_destroy_decompress(&c);
		ks_free(px);
		ks_free(row);
		snprintf(why, whylen, _("the JPEG does not decode: %s"), e.why);
		return why;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, data, (unsigned long)len);
	jpeg_read_header(&c, TRUE);
	cmyk = c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK;
	c.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	c.scale_num = num;
	c.scale_denom = 8;
	jpeg_calc_output_dimensions(&c);
	if ((unsigned long long)c.output_width * c.output_height > MAX_PIXELS) {
		jpeg_destroy_decompress(&c);
		snprintf(why, whylen, _("the picture is too large (%u × %u pixels)"),
			 c.output_width, c.output_height);
		return why;
	}
	jpeg_start_decompress(&c);
	px = ks_malloc((size_t)c.output_width * c.output_height * 3 + 1);
	row = ks_malloc((size_t)c.output_width * 4 + 1);
	if (!px || !row) {
		snprintf(e.why, sizeof(e.why), "%s", _("out of memory"));
		longjmp(e.jump, 1);
	}
	while (c.output_scanline < c.output_height) {
		unsigned y = c.output_scanline;
		JSAMPROW r = row;

		jpeg_read_scanlines(&c, &r, 1);
		if (cmyk)
			cmyk_row(row, c.output_width);
		memcpy(px + (size_t)y * c.output_width * 3, row,
		       (size_t)c.output_width * 3);
	}
	jpeg_finish_decompress(&c);
	ks_free(row);
	row = NULL;
	if (e.mgr.num_warnings) {
		jpeg_destroy_decompress(&c);
		ks_free(px);
		snprintf(why, whylen, _("the JPEG is damaged or cut short: %s"), e.why);
		return why;
	}
	if (out) {
		out->px = px;
		out->w = c.output_width;
		out->h = c.output_height;
	} else {
		ks_free(px);
	}
	jpeg_destroy_decompress(&c);
	return NULL;
}

/* Encodes `im` as a JPEG without any metadata, appended to `out`. */
static int jpeg_encode(struct ks_buf *out, const struct img *im, int quality)
{
	struct jpeg_compress_struct c;
	struct jerr e;
	unsigned char *mem = NULL;
	unsigned long size = 0;
	int err;

	memset(&e, 0, sizeof(e));
	c.err = jpeg_std_error(&e.mgr);
	e.mgr.error_exit = jerr_exit;
	if (setjmp(e.jump)) {
		jpeg_destroy_compress(&c);
		free(mem);
		return -1;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = im->w;
	c.image_height = im->h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	c.optimize_coding = TRUE;	/* Huffman tables of this picture: ~10% less */
	c.write_JFIF_header = TRUE;
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = im->px + (size_t)c.next_scanline * im->w * 3;

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	err = ks_buf_add(out, mem, size);
	free(mem);
	return err;
}

/* The picture turned as EXIF orientation `o` (2-8) says, in place. */
static int orient(struct img *im, int o)
{
	int swap = o >= 5;
	unsigned w = swap ? im->h : im->w, h = swap ? im->w : im->h, x, y;
	unsigned char *px;

	if (o < 2 || o > 8)
		return 0;
	if (!(px = ks_malloc((size_t)w * h * 3 + 1)))
		return -1;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned sx, sy;

			switch (o) {
			case 2: sx = im->w - 1 - x; sy = y; break;
			case 3: sx = im->w - 1 - x; sy = im->h - 1 - y; break;
			case 4: sx = x; sy = im->h - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = im->h - 1 - x; break;
			case 7: sx = im->w - 1 - y; sy = im->h - 1 - x; break;
			default: sx = im->w - 1 - y; sy = x; break;
			}
			memcpy(px + ((size_t)y * w + x) * 3,
			       im->px + ((size_t)sy * im->w + sx) * 3, 3);
		}
	ks_free(im->px);
	im->px = px;
	im->w = w;
	im->h = h;
	return 0;
}

/* The width and height a JPEG says it has, or 0. */
static int jpeg_size(const void *data, size_t len, unsigned *w, unsigned *h)
{
	struct jpeg_decompress_struct c;
	struct jerr e;

	c.err = jerr_init(&e);
	if (setjmp(e.jump)) {
		jpeg_destroy_decompress(&c);
		return -1;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, data, (unsigned long)len);
	jpeg_read_header(&c, TRUE);
	*w = c.image_width;
	*h = c.image_height;
	jpeg_destroy_decompress(&c);
	return 0;
}

/* A minimal EXIF block holding only an orientation (APP1 payload). */
static int orientation_app1(struct ks_buf *out, int o)
{
	static const unsigned char head[] = {
		0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,	/* TIFF, IFD at 8 */
		0x00, 0x01,					/* one entry */
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,	/* Orientation */
	};
	unsigned char tail[8] = { 0x00, (unsigned char)o, 0, 0, 0, 0, 0, 0 };

	return ks_buf_add(out, head, sizeof(head)) < 0 ||
	       ks_buf_add(out, tail, sizeof(tail)) < 0 ? -1 : 0;
}

/*
 * The JPEG as it is, its APP1 (EXIF, XMP), APP13 (IPTC) and other
 * application and comment segments dropped; JFIF (APP0), ICC (APP2) and
 * Adobe (APP14) kept; an orientation tag written back when not 1.
 */
static int jpeg_strip(struct ks_buf *out, const unsigned char *p, size_t len,
		      int o)
{
	size_t i = 2;

	if (ks_buf_add(out, p, 2) < 0 || (o > 1 && orientation_app1(out, o) < 0))
		return -1;
	while (i + 4 <= len && p[i] == 0xff) {
		unsigned m = p[i + 1];
		size_t seg = ((size_t)p[i + 2] << 8 | p[i + 3]) + 2;

		if (m == 0xda || m == 0xd9 || seg < 4 || i + seg > len)
			break;	/* the picture itself from here */
		if (!((m >= 0xe1 && m <= 0xef && m != 0xe2 && m != 0xee) ||
		      m == 0xfe) && ks_buf_add(out, p + i, seg) < 0)
			return -1;
		i += seg;
	}
	return ks_buf_add(out, p + i, len - i);
}

static int prepare_jpeg(struct ks_buf *out, const void *data, size_t len,
			const struct ks_media_opts *o, const char *display,
			struct ks_diags *d)
{
	struct ks_media_meta meta;
	struct img im = { NULL, 0, 0 };
	char why[KS_MEDIA_WHY_MAX];
	unsigned w = 0, h = 0, num = 8;
	int err;

	ks_media_meta(&meta, KS_MEDIA_JPEG, data, len);
	if (jpeg_size(data, len, &w, &h) < 0)
		return ks_error(d, KS_EINVALID, display, 0, 0, "%s",
				_("the JPEG does not decode"));
	if (o->original) {
		if (jpeg_decode(NULL, data, len, 1, why, sizeof(why)))
			return ks_error(d, KS_EINVALID, display, 0, 0, "%s", why);
		return jpeg_strip(out, data, len, meta.orientation);
	}
	if (o->max_side && (w > o->max_side || h > o->max_side)) {
		unsigned long longest = w > h ? w : h;

		num = (unsigned)(8ul * o->max_side / longest);
		if (num < 1)
			num = 1;
	}
	if (jpeg_decode(&im, data, len, num, why, sizeof(why)))
		return ks_error(d, KS_EINVALID, display, 0, 0, "%s", why);
	err = orient(&im, meta.orientation) < 0 ? -1
		: jpeg_encode(out, &im, o->quality);
	ks_free(im.px);
	return err;
}

/* ---- PNG ---- */

static const char *png_problem(const void *data, size_t len, char *why,
			       size_t whylen)
{
	png_image im;
	void *px;

	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, data, len)) {
		snprintf(why, whylen, _("the PNG does not decode: %s"), im.message);
		return why;
	}
	if ((unsigned long long)im.width * im.height > MAX_PIXELS) {
		png_image_free(&im);
		snprintf(why, whylen, _("the picture is too large (%u × %u pixels)"),
			 im.width, im.height);
		return why;
	}
	im.format = PNG_FORMAT_RGBA;
	if (!(px = ks_malloc(PNG_IMAGE_SIZE(im) + 1))) {
		png_image_free(&im);
		snprintf(why, whylen, "%s", _("out of memory"));
		return why;
	}
	if (!png_image_finish_read(&im, NULL, px, 0, NULL)) {
		snprintf(why, whylen, _("the PNG is damaged or cut short: %s"),
			 im.message);
		ks_free(px);
		return why;
	}
	ks_free(px);
	return NULL;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The chunks that make the picture and its colours; the rest is dropped. */
static int png_chunk_kept(const unsigned char *type)
{
	static const char *const keep[] = {
		"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM",
		"sRGB", "iCCP", "sBIT", "bKGD", "pHYs", "acTL", "fcTL",
		"fdAT", NULL,
	};
	size_t i;

	for (i = 0; keep[i]; i++)
		if (!memcmp(type, keep[i], 4))
			return 1;
	return 0;
}

static int png_strip(struct ks_buf *out, const unsigned char *p, size_t len)
{
	size_t i = 8;

	if (ks_buf_add(out, p, 8) < 0)
		return -1;
	while (i + 12 <= len) {
		size_t n = be32(p + i);

		if (n > len - i - 12)
			break;
		if (png_chunk_kept(p + i + 4) && ks_buf_add(out, p + i, n + 12) < 0)
			return -1;
		i += n + 12;
	}
	return 0;
}

/* ---- WebP ---- */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static const char *webp_problem(const void *data, size_t len, char *why,
				size_t whylen)
{
	int w = 0, h = 0;
	uint8_t *px;

	if (!WebPGetInfo(data, len, &w, &h)) {
		snprintf(why, whylen, "%s", _("the WebP picture does not decode"));
		return why;
	}
	if ((unsigned long long)w * (unsigned)h > MAX_PIXELS) {
		snprintf(why, whylen, _("the picture is too large (%d × %d pixels)"),
			 w, h);
		return why;
	}
	if (!(px = WebPDecodeRGBA(data, len, &w, &h))) {
		snprintf(why, whylen, "%s",
			 _("the WebP picture is damaged or cut short"));
		return why;
	}
	WebPFree(px);
	return NULL;
}

/* The RIFF chunks but EXIF and XMP, and VP8X's flags for them cleared. */
static int webp_strip(struct ks_buf *out, const unsigned char *p, size_t len)
{
	size_t i = 12, start = out->len;

	if (ks_buf_add(out, p, 12) < 0)
		return -1;
	while (i + 8 <= len) {
		size_t n = le32(p + i + 4), whole = 8 + n + (n & 1);

		if (whole > len - i)
			break;
		if (memcmp(p + i, "EXIF", 4) && memcmp(p + i, "XMP ", 4)) {
			size_t at = out->len;

			if (ks_buf_add(out, p + i, whole) < 0)
				return -1;
			if (!memcmp(p + i, "VP8X", 4) && n >= 1)
				out->ptr[at + 8] &= (char)~0x0c;
		}
		i += whole;
	}
	put_le32((unsigned char *)out->ptr + start + 4,
		 (uint32_t)(out->len - start - 8));
	return 0;
}

/* ---- PDF ---- */

static const char *pdf_problem(const unsigned char *p, size_t len)
{
	size_t from = len > 1024 ? len - 1024 : 0, i;

	for (i = len >= 5 ? len - 5 : 0; i + 1 > from; i--) {
		if (!memcmp(p + i, "%%EOF", 5))
			return NULL;
		if (!i)
			break;
	}
	/* xgettext:no-c-format */
	return _("the PDF has no end (%EOF): the file is cut short");
}

/* ---- all ---- */

const char *ks_media_problem(enum ks_media m, const void *data, size_t len,
			     char *why, size_t whylen)
{
	if (ks_media_sniff(data, len) != m || m == KS_MEDIA_NONE)
		return _("not a JPEG, PNG or WebP photo or a PDF document by its content");
	switch (m) {
	case KS_MEDIA_JPEG:
		return jpeg_decode(NULL, data, len, 1, why, whylen);
	case KS_MEDIA_PNG:
		return png_problem(data, len, why, whylen);
	case KS_MEDIA_WEBP:
		return webp_problem(data, len, why, whylen);
	default:
		return pdf_problem(data, len);
	}
}

int ks_media_prepare(struct ks_buf *out, enum ks_media m, const void *data,
		     size_t len, const struct ks_media_opts *o,
		     const char *display, struct ks_diags *d)
{
	char buf[KS_MEDIA_WHY_MAX];
	const char *why = ks_media_problem(m, data, len, buf, sizeof(buf));

	if (why)
		return ks_error(d, KS_EINVALID, display, 0, 0, "%s", why);
	switch (m) {
	case KS_MEDIA_JPEG:
		return prepare_jpeg(out, data, len, o, display, d);
	case KS_MEDIA_PNG:
		return png_strip(out, data, len);
	case KS_MEDIA_WEBP:
		return webp_strip(out, data, len);
	default:
		return ks_buf_add(out, data, len);
	}
}

/* ---- thumbnails ---- */

/* `im` made at most `side` pixels on its longest side, by box averaging. */
static int shrink(struct img *im, unsigned side)
{
	unsigned long longest = im->w > im->h ? im->w : im->h;
	unsigned w, h, x, y;
	unsigned char *px;

	if (longest <= side)
		return 0;
	w = (unsigned)((unsigned long)im->w * side / longest);
	h = (unsigned)((unsigned long)im->h * side / longest);
	w += !w;
	h += !h;
	if (!(px = ks_malloc((size_t)w * h * 3 + 1)))
		return -1;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned x0 = (unsigned)((unsigned long)x * im->w / w);
			unsigned x1 = (unsigned)((unsigned long)(x + 1) * im->w / w);
			unsigned y0 = (unsigned)((unsigned long)y * im->h / h);
			unsigned y1 = (unsigned)((unsigned long)(y + 1) * im->h / h);
			unsigned long sum[3] = { 0, 0, 0 }, n = 0;
			unsigned i, j, c;

			for (j = y0; j < y1 || j == y0; j++)
				for (i = x0; i < x1 || i == x0; i++, n++)
					for (c = 0; c < 3; c++)
						sum[c] += im->px[((size_t)j * im->w + i) * 3 + c];
			for (c = 0; c < 3; c++)
				px[((size_t)y * w + x) * 3 + c] = (unsigned char)(sum[c] / n);
		}
	ks_free(im->px);
	im->px = px;
	im->w = w;
	im->h = h;
	return 0;
}

/* RGB of an RGBA buffer, over white. */
static unsigned char *flatten(const unsigned char *rgba, unsigned w, unsigned h)
{
	unsigned char *px = ks_malloc((size_t)w * h * 3 + 1);
	size_t i;

	for (i = 0; px && i < (size_t)w * h; i++) {
		unsigned a = rgba[4 * i + 3], c;

		for (c = 0; c < 3; c++)
			px[3 * i + c] = (unsigned char)((rgba[4 * i + c] * a +
							 255 * (255 - a)) / 255);
	}
	return px;
}

/* A PNG or WebP picture decoded to RGB. */
static int decode_other(struct img *im, enum ks_media m, const void *data,
			size_t len)
{
	unsigned char *rgba = NULL;
	int w = 0, h = 0;

	if (m == KS_MEDIA_PNG) {
		png_image p;

		memset(&p, 0, sizeof(p));
		p.version = PNG_IMAGE_VERSION;
		if (!png_image_begin_read_from_memory(&p, data, len))
			return -1;
		p.format = PNG_FORMAT_RGBA;
		if ((unsigned long long)p.width * p.height > MAX_PIXELS ||
		    !(rgba = ks_malloc(PNG_IMAGE_SIZE(p) + 1)) ||
		    !png_image_finish_read(&p, NULL, rgba, 0, NULL)) {
			png_image_free(&p);
			ks_free(rgba);
			return -1;
		}
		w = (int)p.width;
		h = (int)p.height;
		im->px = flatten(rgba, (unsigned)w, (unsigned)h);
		ks_free(rgba);
	} else {
		uint8_t *d;

		if (!WebPGetInfo(data, len, &w, &h) ||
		    (unsigned long long)w * (unsigned)h > MAX_PIXELS ||
		    !(d = WebPDecodeRGBA(data, len, &w, &h)))
			return -1;
		im->px = flatten(d, (unsigned)w, (unsigned)h);
		WebPFree(d);
	}
	im->w = (unsigned)w;
	im->h = (unsigned)h;
	return im->px ? 0 : -1;
}

int ks_media_thumb(struct ks_buf *out, enum ks_media m, const void *data,
		   size_t len, unsigned side)
{
	struct ks_media_meta meta;
	struct img im = { NULL, 0, 0 };
	char why[KS_MEDIA_WHY_MAX];
	unsigned w = 0, h = 0, num = 8;
	int err;

	if (m == KS_MEDIA_JPEG) {
		if (jpeg_size(data, len, &w, &h) < 0 || !w || !h)
			return 1;
		/* decoded just above the size wanted, by the DCT's own scaling */
		while (num > 1 && (unsigned long)(w > h ? w : h) * (num - 1) / 8 >= side)
			num--;
		if (jpeg_decode(&im, data, len, num, why, sizeof(why)))
			return 1;
		ks_media_meta(&meta, m, data, len);
		if (orient(&im, meta.orientation) < 0) {
			ks_free(im.px);
			return -1;
		}
	} else if (m == KS_MEDIA_PNG || m == KS_MEDIA_WEBP) {
		if (decode_other(&im, m, data, len) < 0)
			return 1;
	} else {
		return 1;
	}
	err = shrink(&im, side) < 0 ? -1 : jpeg_encode(out, &im, 80);
	ks_free(im.px);
	return err;
}

/* ---- EXIF ---- */

/* The EXIF block of a PNG (eXIf) or WebP (EXIF) file, or NULL. */
static const unsigned char *exif_chunk(enum ks_media m, const unsigned char *p,
				       size_t len, size_t *n)
{
	size_t i = m == KS_MEDIA_PNG ? 8 : 12;

	while (i + 8 <= len) {
		size_t size = m == KS_MEDIA_PNG ? be32(p + i) : le32(p + i + 4);
		const unsigned char *type = m == KS_MEDIA_PNG ? p + i + 4 : p + i;

		if (size > len - i - 8)
			return NULL;
		if (!memcmp(type, m == KS_MEDIA_PNG ? "eXIf" : "EXIF", 4)) {
			*n = size;
			return p + i + 8;
		}
		i += m == KS_MEDIA_PNG ? size + 12 : 8 + size + (size & 1);
	}
	return NULL;
}

static double rational_at(ExifEntry *e, unsigned i, ExifByteOrder o)
{
	ExifRational r;

	if (!e || e->format != EXIF_FORMAT_RATIONAL || e->components <= i)
		return -1;
	r = exif_get_rational(e->data + 8 * i, o);
	return r.denominator ? (double)r.numerator / r.denominator : -1;
}

static double degrees(ExifEntry *e, ExifByteOrder o)
{
	double dd = rational_at(e, 0, o), mm = rational_at(e, 1, o),
	       ss = rational_at(e, 2, o);

	return dd < 0 || mm < 0 || ss < 0 ? -1 : dd + mm / 60 + ss / 3600;
}

static void gps(struct ks_media_meta *out, ExifData *ed)
{
	ExifContent *g = ed->ifd[EXIF_IFD_GPS];
	ExifByteOrder o = exif_data_get_byte_order(ed);
	ExifEntry *lat = exif_content_get_entry(g, EXIF_TAG_GPS_LATITUDE);
	ExifEntry *lon = exif_content_get_entry(g, EXIF_TAG_GPS_LONGITUDE);
	ExifEntry *latr = exif_content_get_entry(g, EXIF_TAG_GPS_LATITUDE_REF);
	ExifEntry *lonr = exif_content_get_entry(g, EXIF_TAG_GPS_LONGITUDE_REF);
	ExifEntry *acc = exif_content_get_entry(g, EXIF_TAG_GPS_H_POSITIONING_ERROR);
	double a = degrees(lat, o), b = degrees(lon, o);

	if (a < 0 || b < 0 || a > 90 || b > 180)
		return;
	if (latr && latr->size >= 1 && latr->data[0] == 'S')
		a = -a;
	if (lonr && lonr->size >= 1 && lonr->data[0] == 'W')
		b = -b;
	out->has_position = 1;
	out->lat = a;
	out->lon = b;
	if (rational_at(acc, 0, o) > 0)
		out->accuracy = rational_at(acc, 0, o);
}

/* "YYYY:MM:DD HH:MM:SS" and "+07:00" as "YYYY-MM-DDTHH:MM:SS+07:00". */
static void taken(struct ks_media_meta *out, ExifData *ed)
{
	ExifEntry *t = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF],
					      EXIF_TAG_DATE_TIME_ORIGINAL);
	ExifEntry *z = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF],
					      EXIF_TAG_OFFSET_TIME_ORIGINAL);
	char s[20], zone[7] = "";
	int i;

	if (!t || t->format != EXIF_FORMAT_ASCII || t->size < 19)
		return;
	memcpy(s, t->data, 19);
	s[19] = '\0';
	for (i = 0; i < 19; i++)
		if ((i == 4 || i == 7) ? s[i] != ':' : i == 10 ? s[i] != ' '
		    : (i == 13 || i == 16) ? s[i] != ':'
		    : (s[i] < '0' || s[i] > '9'))
			return;
	s[4] = s[7] = '-';
	s[10] = 'T';
	if (z && z->format == EXIF_FORMAT_ASCII && z->size >= 6 &&
	    (z->data[0] == '+' || z->data[0] == '-') && z->data[3] == ':') {
		memcpy(zone, z->data, 6);
		zone[6] = '\0';
	}
	snprintf(out->taken, sizeof(out->taken), "%s%s", s, zone);
}

void ks_media_meta(struct ks_media_meta *out, enum ks_media m,
		   const void *data, size_t len)
{
	ExifData *ed = NULL;
	ExifEntry *o;

	memset(out, 0, sizeof(*out));
	out->orientation = 1;
	if (m == KS_MEDIA_JPEG) {
		ed = exif_data_new_from_data(data, (unsigned)len);
	} else if (m == KS_MEDIA_PNG || m == KS_MEDIA_WEBP) {
		size_t n = 0;
		const unsigned char *x = exif_chunk(m, data, len, &n);
		/* libexif reads a block that begins "Exif\0\0" */
		int bare = x && (n < 6 || memcmp(x, "Exif\0\0", 6));
		unsigned char *with = x ? ks_malloc(n + 6) : NULL;

		if (with) {
			memcpy(with, "Exif\0\0", bare ? 6 : 0);
			memcpy(with + (bare ? 6 : 0), x, n);
			ed = exif_data_new_from_data(with, (unsigned)(n + (bare ? 6 : 0)));
			ks_free(with);
		}
	}
	if (!ed)
		return;
	o = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
	if (o && o->format == EXIF_FORMAT_SHORT && o->components >= 1) {
		int v = exif_get_short(o->data, exif_data_get_byte_order(ed));

		out->orientation = v >= 1 && v <= 8 ? v : 1;
	}
	gps(out, ed);
	taken(out, ed);
	exif_data_unref(ed);
}
