/*
 * Export as JSON for other programs: each record typed by its schema, with
 * its status, errors and open conflicts.  One document, or one record a
 * line (jsonl).  See export_int.h.
 */
#include "export_int.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "json.h"
#include "fielddiff.h"
#include "record.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

struct ks_xjson {
	FILE *f;
	char *path;
	struct ks_file out;	/* a file, written under a temporary name */
	int lines;
	size_t n;
	struct ks_buf b;
};

int ks_xjson_open(struct ks_xjson **out, const char *path, FILE *f, int lines,
		  struct ks_diags *d)
{
	struct ks_xjson *j = ks_calloc(1, sizeof(*j));
	int err;

	*out = j;
	if (!j)
		return -1;
	ks_buf_init(&j->b);
	j->lines = lines;
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
	if (!lines)
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

int ks_xjson_record(struct ks_xjson *j, const char *kind, const char *id,
		    const char *file, const char *status,
		    const struct ks_diags *errors, const char *const *conflicts,
		    size_t nconflicts, const struct ks_node *root,
		    const struct ks_snode *sn, struct ks_diags *d)
{
	struct ks_json w;
	size_t i;

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

	if (!j->lines) {
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
