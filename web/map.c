/*
 * A record's position picked on a map, with no internet: the map is drawn
 * here, as SVG, from the survey's own records that have a position (from
 * their photos, typed, or picked before), on a grid of latitude and
 * longitude with a scale.  There are no map tiles offline; a surveyor
 * places a workshop among its neighbours already on the map, zooming in
 * until one pixel is a few metres.
 *
 * The page works without JavaScript: the map is an image button
 * (<input type=image>), so a click sends its pixel, and the server turns
 * the pixel into degrees.  Everything about the view (centre, zoom, the
 * point chosen) is in the address; only saving changes anything.
 *
 *   GET  /records/ID/map        the page (lat, lon, z, plat, plon, pick.x/y)
 *   GET  /records/ID/map.svg    the picture (the same arguments)
 *   POST /records/ID/map        latitude, longitude, accuracy: saved as the
 *                               record's position (source: map), committed
 */
#include "map.h"
#include "common.h"
#include "html.h"
#include "post.h"
#include "watch.h"
#include "alloc.h"
#include "attach.h"
#include "buf.h"
#include "check.h"
#include "commit.h"
#include "diag.h"
#include "file.h"
#include "intl.h"
#include "lock.h"
#include "record.h"
#include "repo.h"
#include "rindex.h"
#include "schema.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_PX 640		/* the picture, square */
#define ZOOM_MAX 20
#define MAX_PLACES 3000		/* points drawn, at most */
#define MAX_LABELS 80		/* names written beside them, at most */
#define PICK_PX 3		/* a click is this many pixels sure */
#define PICK_MIN_M 5		/* and never surer than a phone's GPS, in metres */
#define SAVE_ACCURACY_MAX 500	/* metres: closer than this to save */
#define METRES_PER_DEGREE 111320.0

/* Vietnam, for a survey with no position yet (as check.c warns). */
#define VN_LAT 16.0
#define VN_LON 106.0

/* What the map shows: its centre, zoom and the box that follows. */
struct view {
	double lat, lon;
	int z;
	double north, south, west, east;
	double span_lat, span_lon;
	double m_per_px;
	int picked;		/* a point was chosen */
	double plat, plon;
};

static void view_box(struct view *v)
{
	double c = cos(v->lat * M_PI / 180);

	v->span_lat = 16.0 / (double)(1u << v->z);
	v->span_lon = v->span_lat / (c < 0.05 ? 0.05 : c);
	v->north = v->lat + v->span_lat / 2;
	v->south = v->lat - v->span_lat / 2;
	v->west = v->lon - v->span_lon / 2;
	v->east = v->lon + v->span_lon / 2;
	v->m_per_px = v->span_lat * METRES_PER_DEGREE / MAP_PX;
}

/* The number `s` says, within [lo, hi]: 1, or 0 (*out untouched). */
static int number_in(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

/* A number from the address within [lo, hi]; 0 when absent or bad. */
static int arg_number(const struct ks_web_req *q, const char *name, double lo,
		      double hi, double *out)
{
	return number_in(q->arg(q->ctx, name), lo, hi, out);
}

/* The record's own position, when it has one the map can show. */
static int own_position(const struct ks_node *root, double *lat, double *lon)
{
	return ks_position_read(root ? ks_map_get(root, "position") : NULL,
				lat, lon) && fabs(*lat) <= 85;
}

/*
 * Where the map opens: the address's view; else around the record's
 * position; else around the survey's positioned records; else Vietnam.
 */
static void view_of(struct view *v, const struct ks_web_req *q,
		    const struct ks_node *root, struct ks_rindex *x)
{
	double z = -1;

	memset(v, 0, sizeof(*v));
	v->lat = VN_LAT;
	v->lon = VN_LON;
	v->picked = arg_number(q, "plat", -85, 85, &v->plat) &&
		    arg_number(q, "plon", -180, 180, &v->plon);
	if (arg_number(q, "lat", -85, 85, &v->lat) &&
	    arg_number(q, "lon", -180, 180, &v->lon) &&
	    arg_number(q, "z", 0, ZOOM_MAX, &z)) {
		v->z = (int)z;
	} else if (own_position(root, &v->lat, &v->lon)) {
		v->z = 15;
	} else if (x) {
		struct ks_rindex_places all = { 0 };
		struct ks_diags quiet = KS_DIAGS_INIT;
		double s = 90, n = -90, w = 180, e = -180;
		size_t i;

		if (ks_rindex_places(x, &all, -85, -180, 85, 180, MAX_PLACES,
				     &quiet) == 0 && all.n) {
			for (i = 0; i < all.n; i++) {
				s = fmin(s, all.v[i].lat);
				n = fmax(n, all.v[i].lat);
				w = fmin(w, all.v[i].lon);
				e = fmax(e, all.v[i].lon);
			}
			v->lat = (s + n) / 2;
			v->lon = (w + e) / 2;
			/* the widest zoom that holds them all */
			for (v->z = ZOOM_MAX - 5; v->z > 0; v->z--) {
				view_box(v);
				if (n - s <= v->span_lat * 0.8 &&
				    e - w <= v->span_lon * 0.8)
					break;
			}
		}
		ks_rindex_places_release(&all);
		ks_diags_release(&quiet);
	}
	view_box(v);
	/* a click on the map: its pixel, within the picture */
	if (arg_number(q, "pick.x", 0, MAP_PX, &z)) {
		double y;

		if (arg_number(q, "pick.y", 0, MAP_PX, &y)) {
			v->plon = v->west + (z + 0.5) / MAP_PX * v->span_lon;
			v->plat = v->north - (y + 0.5) / MAP_PX * v->span_lat;
			v->picked = 1;
		}
	}
}

/* How sure a point picked at this zoom is, in whole metres. */
static double accuracy_of(const struct view *v)
{
	return fmax(PICK_MIN_M, round(v->m_per_px * PICK_PX));
}

/* "lat=..&lon=..&z=..[&plat=..&plon=..]" of a view, moved and zoomed. */
static void view_args(struct ks_buf *b, const struct view *v, double lat,
		      double lon, int z)
{
	ks_buf_addf(b, "lat=%.7f&amp;lon=%.7f&amp;z=%d", lat, lon, z);
	if (v->picked)
		ks_buf_addf(b, "&amp;plat=%.7f&amp;plon=%.7f", v->plat, v->plon);
}

/* ---- the picture ---- */

static double px_x(const struct view *v, double lon)
{
	return (lon - v->west) / v->span_lon * MAP_PX;
}

static double px_y(const struct view *v, double lat)
{
	return (v->north - lat) / v->span_lat * MAP_PX;
}

/* 1, 2 or 5 times a power of ten, the nearest at or above `x`. */
static double nice(double x)
{
	double p = pow(10, floor(log10(x))), m = x / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void grid(struct ks_buf *b, const struct view *v)
{
	double step = nice(v->span_lat / 6), t;
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step));

	ks_buf_puts(b, "<g class=\"grid\" stroke=\"#ccd\" stroke-width=\"1\" "
		    "font-size=\"10\" fill=\"#667\">\n");
	for (t = ceil(v->south / step) * step; t <= v->north; t += step) {
		double y = px_y(v, t);

		ks_buf_addf(b, "<line x1=\"0\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
			    "<text x=\"3\" y=\"%.1f\" stroke=\"none\">%.*f</text>\n",
			    y, MAP_PX, y, y - 2, dec, t);
	}
	for (t = ceil(v->west / step) * step; t <= v->east; t += step) {
		double x = px_x(v, t);

		ks_buf_addf(b, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>"
			    "<text x=\"%.1f\" y=\"%d\" stroke=\"none\">%.*f</text>\n",
			    x, x, MAP_PX, x + 2, MAP_PX - 4, dec, t);
	}
	ks_buf_puts(b, "</g>\n");
}

static void scale_bar(struct ks_buf *b, const struct view *v)
{
	double m = nice(v->m_per_px * MAP_PX / 5), len = m / v->m_per_px;

	ks_buf_addf(b, "<g class=\"scale\"><rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
		    "height=\"5\" fill=\"#333\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"12\">", MAP_PX - 20 - (int)len, MAP_PX - 30, len,
		    MAP_PX - 20 - (int)len, MAP_PX - 36);
	if (m >= 1000)
		ks_buf_addf(b, "%g km", m / 1000);
	else
		ks_buf_addf(b, "%g m", m);
	ks_buf_puts(b, "</text></g>\n");
}

static void places(struct ks_buf *b, const struct view *v, struct ks_rindex *x,
		   const char *self)
{
	struct ks_rindex_places in = { 0 };
	struct ks_diags quiet = KS_DIAGS_INIT;
	size_t i;

	if (!x || ks_rindex_places(x, &in, v->south, v->west, v->north, v->east,
				   MAX_PLACES, &quiet) != 0) {
		ks_diags_release(&quiet);
		return;
	}
	ks_buf_puts(b, "<g class=\"places\" font-size=\"11\">\n");
	for (i = 0; i < in.n; i++) {
		const struct ks_rindex_place *p = &in.v[i];
		double cx = px_x(v, p->lon), cy = px_y(v, p->lat);
		int me = !strcmp(p->id, self);

		ks_buf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" "
			    "stroke=\"%s\" stroke-width=\"2\"><title>", cx, cy,
			    me ? 7 : 4, me ? "none" : "#557", me ? "#06c" : "#fff");
		ks_html(b, p->id);
		if (p->name) {
			ks_buf_putc(b, ' ');
			ks_html(b, p->name);
		}
		ks_buf_puts(b, "</title></circle>\n");
		if (in.n <= MAX_LABELS || me) {
			ks_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\">", cx + 8, cy + 4);
			ks_html(b, p->name ? p->name : p->id);
			ks_buf_puts(b, "</text>\n");
		}
	}
	ks_buf_puts(b, "</g>\n");
	ks_rindex_places_release(&in);
	ks_diags_release(&quiet);
}

static int picture(const struct ks_web_req *q, struct ks_web_reply *r,
		   const char *id, const struct ks_node *root)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_rindex *x = q->index ? ks_web_index_fresh(q->index, &quiet) : NULL;
	struct ks_buf *b = &r->body;
	struct view v;

	view_of(&v, q, root, x);
	ks_buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		    "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		    "<rect width=\"%d\" height=\"%d\" fill=\"#f4f4ee\"/>\n",
		    MAP_PX, MAP_PX, MAP_PX, MAP_PX, MAP_PX, MAP_PX);
	grid(b, &v);
	places(b, &v, x, id);
	if (v.picked) {
		double cx = px_x(&v, v.plon), cy = px_y(&v, v.plat);

		ks_buf_addf(b, "<g class=\"picked\" stroke=\"#d00\" stroke-width=\"2\">"
			    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"none\"/></g>\n",
			    cx - 12, cy, cx + 12, cy, cx, cy - 12, cx, cy + 12,
			    cx, cy);
	}
	scale_bar(b, &v);
	ks_buf_puts(b, "</svg>\n");
	ks_diags_release(&quiet);
	r->status = 200;
	r->type = "image/svg+xml";
	return ks_buf_failed(b) ? -1 : 0;
}

/* ---- the page ---- */

static void nav_link(struct ks_buf *b, const char *id, const struct view *v,
		     double lat, double lon, int z, const char *cls,
		     const char *label)
{
	ks_buf_puts(b, "<a class=\"");
	ks_buf_puts(b, cls);
	ks_buf_puts(b, "\" href=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "/map?");
	view_args(b, v, lat, lon, z);
	ks_buf_puts(b, "\">");
	ks_html(b, label);
	ks_buf_puts(b, "</a> ");
}

static void hidden(struct ks_buf *b, const char *name, double v)
{
	ks_buf_addf(b, "<input type=\"hidden\" name=\"%s\" value=\"%.7f\">\n",
		    name, v);
}

static void chosen(struct ks_buf *b, const struct ks_web_req *q,
		   const char *id, const struct view *v)
{
	double acc = accuracy_of(v);
	struct ks_buf action = KS_BUF_INIT;

	ks_buf_puts(b, "<p class=\"picked\">");
	ks_buf_addf(b, _("Chosen: latitude %.6f, longitude %.6f, within about %.0f m."),
		    v->plat, v->plon, acc);
	ks_buf_puts(b, "</p>\n");
	if (!q->writable)
		return;
	if (acc > SAVE_ACCURACY_MAX) {
		ks_buf_puts(b, "<p>");
		ks_html(b, _("Zoom in closer to choose the place exactly: at this scale one click is hundreds of metres."));
		ks_buf_puts(b, "</p>\n");
		return;
	}
	ks_buf_puts(&action, "/records/");
	ks_html_urlarg(&action, id);
	ks_buf_puts(&action, "/map");
	ks_web_form_begin(b, q, "position", ks_buf_failed(&action) ? "" : action.ptr);
	hidden(b, "latitude", v->plat);
	hidden(b, "longitude", v->plon);
	ks_buf_addf(b, "<input type=\"hidden\" name=\"accuracy\" value=\"%.0f\">\n", acc);
	ks_buf_puts(b, "<button type=\"submit\">");
	ks_html(b, _("Save this position"));
	ks_buf_puts(b, "</button>\n</form>\n");
	ks_buf_release(&action);
}

static int page(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *id, const struct ks_node *root)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	struct ks_rindex *x = q->index ? ks_web_index_fresh(q->index, &quiet) : NULL;
	struct ks_buf *b = &r->body, title = KS_BUF_INIT;
	double lat, lon;
	struct view v;

	view_of(&v, q, root, x);
	ks_buf_addf(&title, _("Position of %s on a map"), id);
	ks_page_begin(b, ks_repo_name(q->repo), title.ptr, KS_PAGE_OTHER);
	ks_buf_puts(b, "<p>");
	ks_html(b, _("Click where the workshop is. The map shows the survey's records that have a position (from their photos, typed, or chosen here), on a grid of latitude and longitude; there is no background map without the internet, so zoom in among the neighbours you know and click."));
	ks_buf_puts(b, "</p>\n<p>");
	if (own_position(root, &lat, &lon))
		ks_buf_addf(b, _("Its position now: latitude %.6f, longitude %.6f (the blue ring)."),
			    lat, lon);
	else
		ks_html(b, _("It has no position yet."));
	ks_buf_puts(b, "</p>\n<p class=\"links\">");
	nav_link(b, id, &v, v.picked ? v.plat : v.lat, v.picked ? v.plon : v.lon,
		 v.z < ZOOM_MAX ? v.z + 1 : v.z, "zoom-in", _("Zoom in"));
	nav_link(b, id, &v, v.lat, v.lon, v.z > 0 ? v.z - 1 : 0, "zoom-out",
		 _("Zoom out"));
	nav_link(b, id, &v, fmin(85, v.lat + v.span_lat / 2), v.lon, v.z,
		 "north", _("North"));
	nav_link(b, id, &v, fmax(-85, v.lat - v.span_lat / 2), v.lon, v.z,
		 "south", _("South"));
	nav_link(b, id, &v, v.lat, fmax(-180, v.lon - v.span_lon / 2), v.z,
		 "west", _("West"));
	nav_link(b, id, &v, v.lat, fmin(180, v.lon + v.span_lon / 2), v.z,
		 "east", _("East"));
	ks_buf_puts(b, "</p>\n<form class=\"map\" method=\"get\" action=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "/map\">\n");
	hidden(b, "lat", v.lat);
	hidden(b, "lon", v.lon);
	ks_buf_addf(b, "<input type=\"hidden\" name=\"z\" value=\"%d\">\n", v.z);
	ks_buf_puts(b, "<input type=\"image\" name=\"pick\" width=\"640\" "
		    "height=\"640\" src=\"/records/");
	ks_html_urlarg(b, id);
	ks_buf_puts(b, "/map.svg?");
	view_args(b, &v, v.lat, v.lon, v.z);
	ks_buf_puts(b, "\" alt=\"");
	ks_html(b, _("the map: click to choose a place"));
	ks_buf_puts(b, "\">\n</form>\n");
	if (v.picked)
		chosen(b, q, id, &v);
	ks_web_back_to_record(b, id);
	ks_buf_release(&title);
	ks_diags_release(&quiet);
	return ks_web_done(r);
}

/* ---- saving ---- */

/* A number of the posted form within [lo, hi]: 0, or -1. */
static int form_number(const struct ks_web_req *q, const char *name,
		       double lo, double hi, double *out)
{
	return number_in(ks_web_form_get(q->form, name), lo, hi, out) ? 0 : -1;
}

/* The record with its new position, checked, written and committed. */
static int save(const struct ks_web_req *q, const char *id,
		const struct ks_kind *kind, const char *rel, double lat,
		double lon, double acc, struct ks_diags *d)
{
	struct ks_buf before = KS_BUF_INIT, text = KS_BUF_INIT, msg = KS_BUF_INIT;
	struct ks_diags ignore = KS_DIAGS_INIT;
	struct ks_lock *lock = NULL;
	struct ks_doc *doc = NULL;
	struct ks_node *root, *pos;
	char *abs = ks_repo_path(q->repo, rel);
	git_oid oid;
	int err;

	if (!abs)
		return -1;
	if ((err = ks_web_lock(&lock, q, d)))
		goto out;
	if (ks_buf_read_file(&before, abs, KS_MAX_RECORD_SIZE) < 0) {
		err = ks_error(d, KS_EIO, rel, 0, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if ((err = ks_doc_parse(&doc, rel, before.ptr, before.len,
				KS_PARSE_RECORD, d)))
		goto out;
	root = ks_doc_root(doc);
	if (!root || root->kind != KS_NODE_MAP ||
	    !(pos = ks_position_node(doc, lat, lon, acc, "map")) ||
	    ks_map_set(doc, root, "position", pos) < 0) {
		err = -1;
		goto out;
	}
	if ((err = ks_check_values(q->repo, kind->name, root, rel, d)))
		goto out;
	if (ks_record_format(&text, q->repo, kind->name, root) < 0 ||
	    ks_buf_addf(&msg, "Position of %s picked on a map", id) < 0) {
		err = -1;
		goto out;
	}
	if ((err = ks_file_put_text(abs, &text, KS_FILE_DURABLE, d)))
		goto out;
	err = ks_commit_path(&oid, q->repo, rel, msg.ptr, d);
	if (err == KS_ENOTFOUND)
		err = 0;	/* the same position again: nothing to commit */
	if (err)
		ks_file_put_text(abs, &before, KS_FILE_DURABLE, &ignore);
out:
	ks_web_unlock(q, lock);
	ks_doc_free(doc);
	ks_free(abs);
	ks_buf_release(&before);
	ks_buf_release(&text);
	ks_buf_release(&msg);
	ks_diags_release(&ignore);
	return err;
}

static int post(const struct ks_web_req *q, struct ks_web_reply *r,
		const char *id, const struct ks_kind *kind, const char *rel)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_buf *b = &r->body;
	double lat, lon, acc;
	int err;

	if (!q->writable)
		return ks_web_not_found(q, r);
	if (form_number(q, "latitude", -90, 90, &lat) < 0 ||
	    form_number(q, "longitude", -180, 180, &lon) < 0 ||
	    form_number(q, "accuracy", 0, 1e7, &acc) < 0)
		err = ks_error(&d, KS_EINVALID, NULL, 0, 0, "%s",
			       _("the position sent is not a latitude, a longitude and an accuracy in metres"));
	else
		err = save(q, id, kind, rel, lat, lon, acc, &d);
	if (err == -1) {
		ks_diags_release(&d);
		return -1;
	}
	if (err) {
		ks_page_begin(b, ks_repo_name(q->repo), _("The position was not saved"),
			      KS_PAGE_OTHER);
		ks_web_diags(b, &d);
		ks_web_back_to_record(b, id);
		ks_diags_release(&d);
		err = ks_web_done(r);
		r->status = 422;
		return err;
	}
	ks_diags_release(&d);
	return ks_web_to_record(r, id, "?saved=1");
}

int ks_web_map_offered(struct ks_repo *repo, const struct ks_kind *kind)
{
	return ks_repo_kind_has(repo, kind->name, "position");
}

int ks_web_map(const struct ks_web_req *q, struct ks_web_reply *r,
	       const char *id, int svg)
{
	struct ks_diags quiet = KS_DIAGS_INIT;
	const struct ks_kind *kind = NULL;
	struct ks_doc *doc = NULL;
	char *rel, *abs = NULL;
	int err;

	/* an id, never a path: nothing of the request reaches the disk */
	if (ks_id_parse(id, NULL, NULL) < 0 ||
	    !(rel = ks_web_record_path(q->repo, id, &kind)))
		return ks_web_not_found(q, r);
	if (!ks_web_map_offered(q->repo, kind) || (svg && q->form)) {
		ks_free(rel);
		return ks_web_not_found(q, r);
	}
	if (q->form) {
		err = post(q, r, id, kind, rel);
		ks_free(rel);
		return err;
	}
	/* a record that does not read is still placed, with no position */
	if ((abs = ks_repo_path(q->repo, rel)))
		ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, &quiet);
	err = svg ? picture(q, r, id, doc ? ks_doc_root(doc) : NULL)
		  : page(q, r, id, doc ? ks_doc_root(doc) : NULL);
	ks_doc_free(doc);
	ks_free(abs);
	ks_free(rel);
	ks_diags_release(&quiet);
	return err;
}
