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

static int field(struct ks_buf *b, const char *name, const char *value)
{
	int err = ks_buf_addf(b, ",\"%s\":", name);

	return err | (value ? ks_json_string(b, value) : ks_buf_puts(b, "null"));
}

int ks_xjson_record(struct ks_xjson *j, const char *kind, const char *id,
		    const char *file, const char *status,
		    const struct ks_diags *errors, const char *const *conflicts,
		    size_t nconflicts, const struct ks_node *root,
		    const struct ks_snode *sn, struct ks_diags *d)
{
	struct ks_buf *b = &j->b;
	size_t i, k = 0;
	int err;

	err = ks_buf_puts(b, j->lines ? "" : j->n ? ",\n" : "\n");
	err |= ks_buf_puts(b, "{\"kind\":");
	err |= ks_json_string(b, kind);
	err |= field(b, "id", id);
	err |= field(b, "file", file);
	err |= field(b, "status", status);
	err |= ks_buf_puts(b, ",\"errors\":[");
	for (i = 0; i < errors->n; i++) {
		const struct ks_diag *g = &errors->v[i];

		if (g->severity != KS_SEV_ERROR)
			continue;
		err |= ks_buf_addf(b, "%s{\"line\":%d,\"column\":%d", k++ ? "," : "",
				   g->line, g->col);
		err |= field(b, "pointer", g->pointer);
		err |= field(b, "message", g->message);
		err |= ks_buf_putc(b, '}');
	}
	err |= ks_buf_puts(b, "],\"conflicts\":[");
	for (i = 0; i < nconflicts; i++) {
		err |= i ? ks_buf_putc(b, ',') : 0;
		err |= ks_json_string(b, conflicts[i]);
	}
	err |= ks_buf_puts(b, "],\"record\":");
	err |= root ? ks_value_json(b, root, sn) : ks_buf_puts(b, "null");
	err |= ks_buf_puts(b, j->lines ? "}\n" : "}");
	if (err)
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
