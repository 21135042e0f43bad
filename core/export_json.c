/*
 * Export as JSON for other programs: each record typed by its schema, with
 * its status, errors and open conflicts.  One document, or one record a
 * line (jsonl).  See export_int.h.
 */
#include "export_int.h"
#include "attach.h"
#include "alloc.h"
#include "intl.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "json.h"
#include "fielddiff.h"
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ks_xjson {
	FILE *f;
	char *path;
	struct ks_file out;	/* a file, written under a temporary name */
	int lines, geo;
	size_t n, unplaced;
	struct ks_buf b;
};

int ks_xjson_open(struct ks_xjson **out, const char *path, FILE *f, int mode,
		  struct ks_diags *d)
{
	struct ks_xjson *j = ks_calloc(1, sizeof(*j));
	int err;

	*out = j;
	if (!j)
		return -1;
	ks_buf_init(&j->b);
	j->lines = mode == KS_XJSON_LINES;
	j->geo = mode == KS_XJSON_GEO;
	j->f = f;
	if (path) {
		j->path = ks_strdup(path);
		if (!j->path)
			return -1;
		if ((err = ks_file_begin(&j->out, path, KS_FILE_DURABLE, d)))
			return err;
		j->f = ks_file_stream(&j->out);
		if (!j->f)
			return -1;
	}
	if (j->geo)
		fputs("{\"type\": \"FeatureCollection\", \"features\": [", j->f);
	else if (!j->lines)
		fputs("{\"records\": [", j->f);
	return 0;
}

static int put(struct ks_xjson *j, struct ks_diags *d)
{
	if (fwrite(j->b.ptr, 1, j->b.len, j->f) != j->b.len)
		return ks_error(d, KS_EIO, j->path, 0, 0, "cannot write: %s",
				strerror(errno));
	ks_buf_reset(&j->b);
	return 0;
}

/* The errors of a record: where each is, and what it says. */
static void json_errors(struct ks_json *w, const struct ks_diags *errors)
{
	size_t i;

	ks_json_key(w, "errors");
	ks_json_begin_array(w);
	for (i = 0; i < errors->n; i++) {
		const struct ks_diag *g = &errors->v[i];

		if (g->severity != KS_SEV_ERROR)
			continue;
		ks_json_begin_object(w);
		ks_json_field_int(w, "line", g->line);
		ks_json_field_int(w, "column", g->col);
		ks_json_field_str(w, "pointer", g->pointer);
		ks_json_field_str(w, "message", g->message);
		ks_json_end_object(w);
	}
	ks_json_end_array(w);
}

/* ---- GeoJSON ---- */

/* The record's position, or its first photo's; NULL when it has none. */
static const struct ks_node *position_of(const struct ks_node *root,
					 double *lat, double *lon,
					 const char **source)
{
	const struct ks_node *p = ks_map_get(root, "position");
	const struct ks_node *l = ks_map_get(root, "attachments");
	size_t i;

	if (ks_position_read(p, lat, lon)) {
		const struct ks_node *src = ks_map_get(p, "source");

		*source = src && src->kind == KS_NODE_SCALAR ? src->u.scalar.str : NULL;
		return p;
	}
	for (i = 0; l && l->kind == KS_NODE_SEQ && i < l->u.seq.n; i++) {
		p = ks_map_get(l->u.seq.v[i], "position");
		if (ks_position_read(p, lat, lon)) {
			*source = "photo";
			return p;
		}
	}
	return NULL;
}

/*
 * The record's fields as flat properties ("address.commune_name"): scalars
 * as they are, lists of scalars joined with "; "; lists of objects (and
 * the attachments) only counted, for a map's table of attributes.
 */
static void flat(struct ks_json *w, struct ks_buf *key, const struct ks_node *n)
{
	size_t i, mark = key->len;

	for (i = 0; n->kind == KS_NODE_MAP && i < n->u.map.n; i++) {
		const struct ks_node *v = n->u.map.v[i].value;
		size_t k;

		key->len = mark;
		key->ptr[mark] = '\0';
		ks_buf_addf(key, "%s%s", mark ? "." : "", n->u.map.v[i].key);
		if (v->kind == KS_NODE_MAP) {
			flat(w, key, v);
			continue;
		}
		ks_json_key(w, key->ptr);
		if (v->kind == KS_NODE_SCALAR) {
			ks_value_json(ks_json_value_buf(w), v, NULL);
			continue;
		}
		for (k = 0; k < v->u.seq.n && v->u.seq.v[k]->kind == KS_NODE_SCALAR; k++)
			;
		if (k < v->u.seq.n) {
			ks_json_int(w, (long long)v->u.seq.n);
			continue;
		}
		{
			struct ks_buf joined = KS_BUF_INIT;

			for (k = 0; k < v->u.seq.n; k++)
				ks_buf_addf(&joined, "%s%s", k ? "; " : "",
					    v->u.seq.v[k]->u.scalar.str);
			ks_json_str(w, joined.ptr);
			ks_buf_release(&joined);
		}
	}
	key->len = mark;
	key->ptr[mark] = '\0';
}

static int feature(struct ks_xjson *j, const char *kind, const char *id,
		   const char *status, const struct ks_node *root,
		   struct ks_diags *d)
{
	struct ks_buf key = KS_BUF_INIT;
	struct ks_json w;
	const char *source = NULL;
	double lat, lon;
	const struct ks_node *p = root ? position_of(root, &lat, &lon, &source) : NULL;
	const struct ks_node *acc = p ? ks_map_get(p, "accuracy") : NULL;
	char coord[160];

	if (!p) {
		j->unplaced++;
		return 0;
	}
	ks_buf_puts(&j->b, j->n ? ",\n" : "\n");
	ks_json_init(&w, &j->b);
	ks_json_begin_object(&w);
	ks_json_field_str(&w, "type", "Feature");
	ks_json_field_str(&w, "id", id);
	ks_json_key(&w, "geometry");
	ks_json_begin_object(&w);
	ks_json_field_str(&w, "type", "Point");
	ks_json_key(&w, "coordinates");
	{
		/* the numbers as the record writes them: no digit gained or lost */
		const char *x = ks_map_get(p, "longitude")->u.scalar.str;
		const char *y = ks_map_get(p, "latitude")->u.scalar.str;

		if (ks_json_is_number(x) && ks_json_is_number(y))
			snprintf(coord, sizeof(coord), "[%s, %s]", x, y);
		else
			snprintf(coord, sizeof(coord), "[%.10g, %.10g]", lon, lat);
	}
	ks_json_raw(&w, coord);
	ks_json_end_object(&w);
	ks_json_key(&w, "properties");
	ks_json_begin_object(&w);
	ks_json_field_str(&w, "kind", kind);
	ks_json_field_str(&w, "status", status);
	ks_json_field_str(&w, "position_source", source);
	if (acc && acc->kind == KS_NODE_SCALAR) {
		ks_json_key(&w, "position_accuracy_m");
		ks_value_json(ks_json_value_buf(&w), acc, NULL);
	}
	flat(&w, &key, root);
	ks_json_end_object(&w);
	ks_json_end_object(&w);
	ks_buf_release(&key);
	if (ks_json_end(&w) < 0 || ks_buf_failed(&key))
		return -1;
	j->n++;
	return put(j, d);
}

int ks_xjson_record(struct ks_xjson *j, const char *kind, const char *id,
		    const char *file, const char *status,
		    const struct ks_diags *errors, const char *const *conflicts,
		    size_t nconflicts, const char *const *files, size_t nfiles,
		    const struct ks_node *root,
		    const struct ks_snode *sn, struct ks_diags *d)
{
	struct ks_json w;
	size_t i;

	if (j->geo)
		return feature(j, kind, id, status, root, d);
	/* Only the record is held in memory: the file takes each one. */
	ks_buf_puts(&j->b, j->lines ? "" : j->n ? ",\n" : "\n");
	ks_json_init(&w, &j->b);
	ks_json_begin_object(&w);
	ks_json_field_str(&w, "kind", kind);
	ks_json_field_str(&w, "id", id);
	ks_json_field_str(&w, "file", file);
	ks_json_field_str(&w, "status", status);
	json_errors(&w, errors);
	ks_json_key(&w, "conflicts");
	ks_json_begin_array(&w);
	for (i = 0; i < nconflicts; i++)
		ks_json_str(&w, conflicts[i]);
	ks_json_end_array(&w);
	ks_json_key(&w, "files");
	ks_json_begin_array(&w);
	for (i = 0; i < nfiles; i++)
		ks_json_str(&w, files[i]);
	ks_json_end_array(&w);
	ks_json_key(&w, "record");
	ks_value_json(ks_json_value_buf(&w), root, sn);
	ks_json_end_object(&w);
	if (j->lines)
		ks_buf_putc(&j->b, '\n');
	if (ks_json_end(&w) < 0)
		return -1;
	j->n++;
	return put(j, d);
}

static void release(struct ks_xjson *j)
{
	ks_buf_release(&j->b);
	ks_file_abort(&j->out);
	ks_free(j->path);
	ks_free(j);
}

int ks_xjson_finish(struct ks_xjson *j, const char *const *info, size_t n,
		    struct ks_diags *d)
{
	size_t i;
	int err = 0;

	if (j->geo) {
		err |= ks_buf_puts(&j->b, "\n]}\n");
		if (j->unplaced)
			ks_diags_add(d, KS_SEV_NOTE, j->path, 0, 0, NULL, NULL,
				     Q_("%zu record has no position (none of its own, none from a photo) and is not on the map",
					"%zu records have no position (none of their own, none from a photo) and are not on the map",
					j->unplaced), j->unplaced);
	} else if (!j->lines) {
		err |= ks_buf_puts(&j->b, "\n],\n\"info\": {");
		for (i = 0; i + 1 < n; i += 2) {
			err |= ks_buf_puts(&j->b, i ? ",\n " : "\n ");
			err |= ks_json_string(&j->b, info[i]);
			err |= ks_buf_putc(&j->b, ':');
			err |= ks_json_string(&j->b, info[i + 1]);
		}
		err |= ks_buf_puts(&j->b, "\n}}\n");
	}
	if (err)
		return -1;
	if ((err = put(j, d)))
		return err;
	if (j->out.tmp) {
		j->f = NULL;
		if ((err = ks_file_commit(&j->out, d)))
			return err;
	} else if (fflush(j->f) != 0 || ferror(j->f)) {
		return ks_error(d, KS_EIO, j->path, 0, 0, "cannot write: %s",
				strerror(errno));
	}
	release(j);
	return 0;
}

void ks_xjson_abort(struct ks_xjson *j)
{
	if (!j)
		return;
	release(j);
}
