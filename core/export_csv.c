/*
 * The CSV writer: a folder with one file per table (<table>.csv) and
 * _info.csv, each UTF-8 with a byte order mark (so that Excel reads
 * Vietnamese correctly), RFC 4180 quoting and CRLF line ends, the same two
 * header rows as the spreadsheet.  The folder is filled under a temporary
 * name and renamed when every file is complete.
 */
#include "export_int.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOM "\xef\xbb\xbf"

struct file {
	FILE *f;
	char *name;
};

struct csv {
	char *path;
	struct ks_file out;	/* the folder, under a temporary name */
	struct file **v;	/* each its own allocation: tables point at them */
	size_t n, alloc;
	struct ks_buf line;
};

/* 0 when `path` is missing or an empty folder. */
static int usable(const char *path, struct ks_diags *d)
{
	struct dirent *e;
	struct stat st;
	DIR *dh;
	int empty = 1;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 :
			ks_error(d, KS_EIO, path, 0, 0, "cannot read: %s",
				 strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ks_error(d, KS_EEXISTS, path, 0, 0,
				"exists and is not a folder; csv needs a new or empty folder");
	dh = opendir(path);
	if (!dh)
		return ks_error(d, KS_EIO, path, 0, 0, "cannot read: %s",
				strerror(errno));
	while (empty && (e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(dh);
	return empty ? 0 : ks_error(d, KS_EEXISTS, path, 0, 0,
				    "the folder is not empty; csv needs a new or empty folder");
}

int ks_csv_open(void **w, const char *path, struct ks_diags *d)
{
	struct csv *c = ks_calloc(1, sizeof(*c));
	int err;

	*w = c;
	if (!c)
		return -1;
	ks_buf_init(&c->line);
	c->path = ks_strdup(path);
	if (!c->path)
		return -1;
	if ((err = usable(path, d)))
		return err;
	return ks_file_begin(&c->out, path, KS_FILE_DURABLE | KS_FILE_FOLDER, d);
}

static int field(struct ks_buf *b, const char *s, size_t len)
{
	size_t i;
	int err = 0;

	if (!strpbrk(s, ",\"\r\n"))
		return ks_buf_add(b, s, len);
	err |= ks_buf_putc(b, '"');
	for (i = 0; i < len; i++)
		err |= s[i] == '"' ? ks_buf_puts(b, "\"\"") : ks_buf_putc(b, s[i]);
	return err | ks_buf_putc(b, '"');
}

static int put(struct csv *c, FILE *f, const char *name, struct ks_diags *d)
{
	if (fwrite(c->line.ptr, 1, c->line.len, f) != c->line.len)
		return ks_error(d, KS_EIO, c->path, 0, 0, "cannot write %s: %s",
				name, strerror(errno));
	ks_buf_reset(&c->line);
	return 0;
}

/* A file name from a table name: no separators, nothing a system refuses. */
static int file_name(struct csv *c, struct ks_buf *out, const char *table)
{
	const char *p;
	size_t i, base;
	int n = 1;

	ks_buf_reset(out);
	for (p = table; *p; p++)
		ks_buf_putc(out, (unsigned char)*p < 0x20 ||
				 strchr("/\\:*?\"<>|", *p) ? '_' : *p);
	base = out->len;
	for (;;) {
		/* A name cut short could be another table's. */
		if (ks_buf_puts(out, ".csv") < 0)
			return -1;
		for (i = 0; i < c->n && strcmp(c->v[i]->name, out->ptr); i++)
			;
		if (i == c->n)
			break;
		out->len = base;
		ks_buf_addf(out, "-%d", ++n);
	}
	return out->ptr[0] ? 0 : -1;
}

static int open_file(struct csv *c, FILE **f, const char *name,
		     struct ks_diags *d)
{
	struct ks_buf p = KS_BUF_INIT;

	if (ks_buf_addf(&p, "%s/%s", c->out.tmp, name) < 0)
		return -1;
	*f = fopen(p.ptr, "w");
	ks_buf_release(&p);
	if (!*f)
		return ks_error(d, KS_EIO, c->path, 0, 0, "cannot write %s: %s",
				name, strerror(errno));
	return fputs(BOM, *f) < 0 ? ks_error(d, KS_EIO, c->path, 0, 0,
					     "cannot write %s", name) : 0;
}

static int csv_table(void *w, struct ks_xtable *t, struct ks_diags *d)
{
	struct csv *c = w;
	struct ks_buf name = KS_BUF_INIT;
	struct file *fl;
	size_t i;
	int err = -1;

	if (ks_grow(&c->v, c->n, &c->alloc, sizeof(*c->v), 4) < 0 ||
	    file_name(c, &name, t->name) < 0 ||
	    !(fl = ks_calloc(1, sizeof(*fl))))
		goto out;
	c->v[c->n++] = fl;
	fl->name = ks_buf_detach(&name, NULL);
	if (!fl->name || (err = open_file(c, &fl->f, fl->name, d)))
		goto out;
	t->sink = fl;
	for (i = 0; i < t->ncols; i++) {
		err |= i ? ks_buf_putc(&c->line, ',') : 0;
		err |= field(&c->line, t->cols[i].title, strlen(t->cols[i].title));
	}
	err |= ks_buf_puts(&c->line, "\r\n");
	for (i = 0; i < t->ncols; i++) {
		err |= i ? ks_buf_putc(&c->line, ',') : 0;
		err |= field(&c->line, t->cols[i].path, strlen(t->cols[i].path));
	}
	err |= ks_buf_puts(&c->line, "\r\n");
	err = err ? -1 : put(c, fl->f, fl->name, d);
out:
	ks_buf_release(&name);
	return err;
}

static int csv_row(void *w, struct ks_xtable *t, const struct ks_xrow *row,
		   struct ks_diags *d)
{
	struct csv *c = w;
	struct file *fl = t->sink;
	size_t i;
	int err = 0;

	for (i = 0; i < row->ncells; i++) {
		const struct ks_xcell *cell = &row->cells[i];

		err |= i ? ks_buf_putc(&c->line, ',') : 0;
		if (cell->type != KS_XCELL_EMPTY)
			err |= field(&c->line, ks_xcell_text(row, cell), cell->len);
	}
	err |= ks_buf_puts(&c->line, "\r\n");
	return err ? -1 : put(c, fl->f, fl->name, d);
}

/* Flushes a file to disk and closes it. */
static int close_file(struct csv *c, struct file *fl, struct ks_diags *d)
{
	int bad = fflush(fl->f) != 0 || ferror(fl->f) || fsync(fileno(fl->f)) < 0;

	bad |= fclose(fl->f) != 0;
	fl->f = NULL;
	return bad ? ks_error(d, KS_EIO, c->path, 0, 0, "cannot write %s: %s",
			      fl->name, strerror(errno)) : 0;
}

static void release(struct csv *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->v[i]->f)
			fclose(c->v[i]->f);
		ks_free(c->v[i]->name);
		ks_free(c->v[i]);
	}
	ks_free(c->v);
	ks_free(c->path);
	ks_file_abort(&c->out);
	ks_buf_release(&c->line);
	ks_free(c);
}

static int csv_finish(void *w, const char *const *info, size_t n,
		      struct ks_diags *d)
{
	struct csv *c = w;
	struct file fl = { NULL, "_info.csv" };
	size_t i;
	int err = open_file(c, &fl.f, fl.name, d);

	for (i = 0; !err && i + 1 < n; i += 2) {
		err |= field(&c->line, info[i], strlen(info[i]));
		err |= ks_buf_putc(&c->line, ',');
		err |= field(&c->line, info[i + 1], strlen(info[i + 1]));
		err |= ks_buf_puts(&c->line, "\r\n");
		err = err ? -1 : put(c, fl.f, fl.name, d);
	}
	if (fl.f) {
		int e = close_file(c, &fl, d);

		err = err ? err : e;
	}
	for (i = 0; !err && i < c->n; i++)
		err = close_file(c, c->v[i], d);
	if (!err)
		err = ks_file_commit(&c->out, d);
	if (!err)
		release(c);
	return err;
}

static void csv_abort(void *w)
{
	struct csv *c = w;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		if (c->v[i]->f) {
			fclose(c->v[i]->f);
			c->v[i]->f = NULL;
		}
	release(c);
}

const struct ks_xwriter ks_csv_writer = {
	csv_table, csv_row, NULL, csv_finish, csv_abort,
};
