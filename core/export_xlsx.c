/*
 * The spreadsheet writer, over libxlsxwriter: one sheet per table, two
 * header rows (titles, then field paths), typed cells, frozen headers, an
 * auto-filter, column widths from the data, and a last sheet "Thông tin".
 *
 * The workbook is written in libxlsxwriter's constant_memory mode, which
 * keeps one row per sheet in memory and the rest in a temporary file per
 * sheet: rows must go to each sheet in order, which they do (a record's
 * rows are appended to each table as the record is read), so a survey of
 * any size costs the memory of one record.
 */
#include "export_int.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "file.h"
#include "lazylib.h"
#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* loaded at the first spreadsheet written: see lazylib.h */
#define XLSX_FUNCS(X) \
	X(format_set_align) X(format_set_bg_color) X(format_set_bold) \
	X(format_set_bottom) X(format_set_font_color) X(format_set_italic) \
	X(format_set_num_format) X(format_set_text_wrap) X(lxw_strerror) \
	X(lxw_workbook_free) X(workbook_add_format) \
	X(workbook_add_worksheet) X(workbook_close) X(workbook_new_opt) \
	X(workbook_set_properties) X(worksheet_autofilter) \
	X(worksheet_freeze_panes) X(worksheet_insert_image_buffer_opt) \
	X(worksheet_set_column) X(worksheet_set_row) \
	X(worksheet_write_boolean) X(worksheet_write_datetime) \
	X(worksheet_write_number) X(worksheet_write_string) \
	X(worksheet_write_url_opt)
KS_LAZYLIB(xlsx_lib, KS_SONAME_xlsxwriter, "libxlsxwriter4", XLSX_FUNCS);
#define format_set_align KS_LAZY(xlsx_lib, format_set_align)
#define format_set_bg_color KS_LAZY(xlsx_lib, format_set_bg_color)
#define format_set_bold KS_LAZY(xlsx_lib, format_set_bold)
#define format_set_bottom KS_LAZY(xlsx_lib, format_set_bottom)
#define format_set_font_color KS_LAZY(xlsx_lib, format_set_font_color)
#define format_set_italic KS_LAZY(xlsx_lib, format_set_italic)
#define format_set_num_format KS_LAZY(xlsx_lib, format_set_num_format)
#define format_set_text_wrap KS_LAZY(xlsx_lib, format_set_text_wrap)
#define lxw_strerror KS_LAZY(xlsx_lib, lxw_strerror)
#define lxw_workbook_free KS_LAZY(xlsx_lib, lxw_workbook_free)
#define workbook_add_format KS_LAZY(xlsx_lib, workbook_add_format)
#define workbook_add_worksheet KS_LAZY(xlsx_lib, workbook_add_worksheet)
#define workbook_close KS_LAZY(xlsx_lib, workbook_close)
#define workbook_new_opt KS_LAZY(xlsx_lib, workbook_new_opt)
#define workbook_set_properties KS_LAZY(xlsx_lib, workbook_set_properties)
#define worksheet_autofilter KS_LAZY(xlsx_lib, worksheet_autofilter)
#define worksheet_freeze_panes KS_LAZY(xlsx_lib, worksheet_freeze_panes)
#define worksheet_insert_image_buffer_opt KS_LAZY(xlsx_lib, worksheet_insert_image_buffer_opt)
#define worksheet_set_column KS_LAZY(xlsx_lib, worksheet_set_column)
#define worksheet_set_row KS_LAZY(xlsx_lib, worksheet_set_row)
#define worksheet_write_boolean KS_LAZY(xlsx_lib, worksheet_write_boolean)
#define worksheet_write_datetime KS_LAZY(xlsx_lib, worksheet_write_datetime)
#define worksheet_write_number KS_LAZY(xlsx_lib, worksheet_write_number)
#define worksheet_write_string KS_LAZY(xlsx_lib, worksheet_write_string)
#define worksheet_write_url_opt KS_LAZY(xlsx_lib, worksheet_write_url_opt)

#define INFO_SHEET "Thông tin"
#define HEADER_ROWS 2
/* Excel's limit on a cell's text, in characters. */
#define CELL_MAX 32767
#define WIDTH_MIN 6
#define WIDTH_MAX 60

/* A photo's thumbnail: 120 pixels at most (ks_export_opts), in points. */
#define THUMB_WIDTH 17
#define THUMB_ROW_HEIGHT 93

struct sheet {
	lxw_worksheet *ws;
	char *name;
	struct ks_xtable *t;
	size_t links;		/* hyperlinks written */
};

/* Hyperlinks a worksheet may hold (Excel's limit); text after that. */
#define LINKS_MAX 65530
/* The longest link Excel follows. */
#define LINK_LEN_MAX 2079

struct xlsx {
	lxw_workbook *wb;
	char *path, *dir, *title;
	struct ks_file out;	/* the workbook, under a temporary name */
	lxw_format *head, *paths, *date, *datetime, *integer, *bad, *label;
	struct sheet **v;	/* each its own allocation: tables point at them */
	size_t n, alloc;
	struct ks_buf cut;
};

static int lxw_fail(struct xlsx *x, lxw_error e, struct ks_diags *d)
{
	return ks_error(d, KS_EIO, x->path, 0, 0, "cannot write the workbook: %s",
			lxw_strerror(e));
}

static lxw_format *fmt(lxw_workbook *wb)
{
	return workbook_add_format(wb);
}

static void add_formats(struct xlsx *x)
{
	x->head = fmt(x->wb);
	format_set_bold(x->head);
	format_set_text_wrap(x->head);
	format_set_align(x->head, LXW_ALIGN_VERTICAL_TOP);
	format_set_bg_color(x->head, 0xDDEBF7);
	x->paths = fmt(x->wb);
	format_set_italic(x->paths);
	format_set_font_color(x->paths, 0x595959);
	format_set_bg_color(x->paths, 0xF2F2F2);
	format_set_bottom(x->paths, LXW_BORDER_THIN);
	x->date = fmt(x->wb);
	format_set_num_format(x->date, "dd/mm/yyyy");
	x->datetime = fmt(x->wb);
	format_set_num_format(x->datetime, "dd/mm/yyyy hh:mm:ss");
	x->integer = fmt(x->wb);
	format_set_num_format(x->integer, "0");
	x->bad = fmt(x->wb);
	format_set_font_color(x->bad, 0xC00000);
	x->label = fmt(x->wb);
	format_set_bold(x->label);
}

int ks_xlsx_open(void **w, const char *path, const char *title,
		 struct ks_diags *d)
{
	struct xlsx *x = ks_calloc(1, sizeof(*x));
	lxw_workbook_options o = { 0 };
	lxw_doc_properties props = { 0 };
	char *slash;
	int err;

	*w = x;
	if (!x)
		return -1;
	ks_buf_init(&x->cut);
	x->path = ks_strdup(path);
	x->dir = ks_strdup(path);
	x->title = ks_strdup(title ? title : "");
	if (!x->path || !x->dir || !x->title)
		return -1;
	slash = strrchr(x->dir, '/');
	if (slash) {
		*(slash == x->dir ? slash + 1 : slash) = '\0';
	} else {
		ks_free(x->dir);
		x->dir = ks_strdup(".");
		if (!x->dir)
			return -1;
	}
	if ((err = ks_file_begin(&x->out, path, KS_FILE_DURABLE | KS_FILE_BY_NAME, d)))
		return err;
	/* Its temporary files beside the output, not in a small /tmp. */
	o.constant_memory = LXW_TRUE;
	o.tmpdir = x->dir;
	x->wb = workbook_new_opt(x->out.tmp, &o);
	if (!x->wb)
		return ks_error(d, KS_EIO, path, 0, 0, "cannot create the workbook");
	props.title = x->title;
	workbook_set_properties(x->wb, &props);
	add_formats(x);
	return 0;
}

/* A sheet name Excel accepts: 31 characters, none of []:*?/\, unique. */
static int sheet_name(struct xlsx *x, struct ks_buf *out, const char *title)
{
	const char *p;
	size_t chars = 0, i, base;
	int n = 1;

	ks_buf_reset(out);
	for (p = title; *p && chars < LXW_SHEETNAME_MAX; chars++) {
		size_t len = 1;

		while ((p[len] & 0xc0) == 0x80)
			len++;
		if (strchr("[]:*?/\\", *p) || ((*p == '\'') && (p == title || !p[1])))
			ks_buf_putc(out, '_');
		else
			ks_buf_add(out, p, len);
		p += len;
	}
	if (!out->len)
		ks_buf_puts(out, "Sheet");
	/* A name cut short could be another sheet's. */
	if (ks_buf_failed(out))
		return -1;
	base = out->len;
	for (;;) {
		for (i = 0; i < x->n && strcasecmp(x->v[i]->name, out->ptr); i++)
			;
		if (i == x->n && strcasecmp(out->ptr, INFO_SHEET))
			break;
		/* "Sản phẩm (2)": cut back to make room, on a character. */
		out->len = base;
		while (out->len && ks_utf8_count(out->ptr, out->len) >
		       LXW_SHEETNAME_MAX - 5) {
			out->len--;
			while (out->len && (out->ptr[out->len] & 0xc0) == 0x80)
				out->len--;
		}
		out->ptr[out->len] = '\0';
		if (ks_buf_addf(out, " (%d)", ++n) < 0)
			return -1;
	}
	return out->ptr[0] ? 0 : -1;
}

static int header(struct xlsx *x, struct sheet *s, struct ks_diags *d)
{
	const struct ks_xtable *t = s->t;
	lxw_error e = LXW_NO_ERROR;
	size_t i;

	for (i = 0; i < t->ncols && !e; i++)
		e = worksheet_write_string(s->ws, 0, (lxw_col_t)i,
					   t->cols[i].title, x->head);
	/* row by row: constant_memory mode writes a row out when the next begins */
	if (!e && t->photos) {
		e = worksheet_write_string(s->ws, 0, (lxw_col_t)t->ncols,
					   _("Photo"), x->head);
		worksheet_set_column(s->ws, (lxw_col_t)t->ncols,
				     (lxw_col_t)t->ncols, THUMB_WIDTH, NULL);
	}
	for (i = 0; i < t->ncols && !e; i++)
		e = worksheet_write_string(s->ws, 1, (lxw_col_t)i,
					   t->cols[i].path, x->paths);
	if (e)
		return lxw_fail(x, e, d);
	worksheet_set_row(s->ws, 0, 45, NULL);
	worksheet_freeze_panes(s->ws, HEADER_ROWS,
			       (lxw_col_t)(t->depth ? t->nkeys : 1));
	return 0;
}

static int xlsx_table(void *w, struct ks_xtable *t, struct ks_diags *d)
{
	struct xlsx *x = w;
	struct ks_buf name = KS_BUF_INIT;
	struct sheet *s;
	int err = -1;

	if (t->ncols > LXW_COL_MAX)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"table %s has more columns than a sheet holds", t->name);
	if (ks_grow(&x->v, x->n, &x->alloc, sizeof(*x->v), 4) < 0 ||
	    sheet_name(x, &name, t->title) < 0 ||
	    !(s = ks_calloc(1, sizeof(*s))))
		goto out;
	x->v[x->n++] = s;
	s->t = t;
	s->name = ks_buf_detach(&name, NULL);
	if (!s->name)
		goto out;
	s->ws = workbook_add_worksheet(x->wb, s->name);
	if (!s->ws) {
		err = ks_error(d, KS_EIO, x->path, 0, 0,
			       "cannot add the sheet \"%s\"", s->name);
		goto out;
	}
	t->sink = s;
	err = header(x, s, d);
out:
	ks_buf_release(&name);
	return err;
}

/*
 * Text past Excel's limit is cut, visibly: the csv and json keep it whole.
 * NULL when memory runs out.
 */
static const char *fit(struct xlsx *x, const char *s, size_t len)
{
	size_t chars = ks_utf8_count(s, len), keep = 0, i = 0;

	if (chars <= CELL_MAX)
		return s;
	while (i < len && keep < CELL_MAX - 80) {
		i++;
		while (i < len && (s[i] & 0xc0) == 0x80)
			i++;
		keep++;
	}
	ks_buf_reset(&x->cut);
	ks_buf_add(&x->cut, s, i);
	/* In the cell, for the person reading the spreadsheet. */
	ks_buf_addf(&x->cut, _(" [cut here: %zu more characters; the csv and json exports hold them]"),
		    chars - keep);
	return ks_buf_failed(&x->cut) ? NULL : x->cut.ptr;
}

static lxw_error write_cell(struct xlsx *x, struct sheet *s, lxw_row_t r,
			    size_t i, const struct ks_xrow *row)
{
	const struct ks_xcell *c = &row->cells[i];
	const char *text = ks_xcell_text(row, c);
	lxw_col_t col = (lxw_col_t)i;
	lxw_datetime dt = { c->y, c->m, c->d, c->hh, c->mm, c->ss };
	size_t width = c->len < 200 ? ks_utf8_count(text, c->len) : WIDTH_MAX;
	struct ks_xcol *xc = &s->t->cols[i];

	if (width > xc->width)
		xc->width = width;
	switch (c->type) {
	case KS_XCELL_EMPTY:
		return LXW_NO_ERROR;
	case KS_XCELL_NUMBER:
		return worksheet_write_number(s->ws, r, col, c->num,
					      c->num == floor(c->num) &&
					      fabs(c->num) < 1e15 ? x->integer : NULL);
	case KS_XCELL_BOOL:
		return worksheet_write_boolean(s->ws, r, col, c->num != 0, NULL);
	case KS_XCELL_DATE:
		return worksheet_write_datetime(s->ws, r, col, &dt, x->date);
	case KS_XCELL_DATETIME:
		return worksheet_write_datetime(s->ws, r, col, &dt, x->datetime);
	case KS_XCELL_LINK:
		if (s->links < LINKS_MAX &&
		    strlen(row->text.ptr + c->loff) <= LINK_LEN_MAX) {
			/*
			 * A URL, relative to the workbook or file://, with
			 * forward slashes: Excel and LibreOffice follow both
			 * ("external:" would turn them into backslashes).
			 */
			s->links++;
			return worksheet_write_url_opt(s->ws, r, col,
						       row->text.ptr + c->loff,
						       NULL, text, NULL);
		}
		break;
	case KS_XCELL_STRING:
		break;
	}
	if (!(text = fit(x, text, c->len)))
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	/* The status is in the person's language, as export.c wrote it. */
	return worksheet_write_string(s->ws, r, col, text,
				      xc->type == KS_XCOL_STATUS &&
				      strcmp(text, _("ok")) ? x->bad : NULL);
}

static int xlsx_row(void *w, struct ks_xtable *t, const struct ks_xrow *row,
		    struct ks_diags *d)
{
	struct xlsx *x = w;
	struct sheet *s = t->sink;
	lxw_row_t r = (lxw_row_t)(t->rows + HEADER_ROWS);
	lxw_error e = LXW_NO_ERROR;
	size_t i;

	if (t->rows + HEADER_ROWS >= LXW_ROW_MAX)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"table %s has more rows than a sheet holds (%d); export as csv or json",
				t->name, LXW_ROW_MAX - HEADER_ROWS);
	for (i = 0; i < row->ncells && !e; i++)
		e = write_cell(x, s, r, i, row);
	return e ? lxw_fail(x, e, d) : 0;
}

/*
 * The row about to be written is made tall enough for the picture, which
 * is put in the column after the table's: a row's height is set before
 * its cells, as constant_memory mode writes each row out whole.
 */
static int xlsx_image(void *w, struct ks_xtable *t, const void *data,
		      size_t len, struct ks_diags *d)
{
	struct xlsx *x = w;
	struct sheet *s = t->sink;
	lxw_row_t r = (lxw_row_t)(t->rows + HEADER_ROWS);
	lxw_image_options o;
	lxw_error e;

	if (!t->photos || t->rows + HEADER_ROWS >= LXW_ROW_MAX)
		return 0;
	memset(&o, 0, sizeof(o));
	o.x_offset = 2;
	o.y_offset = 2;
	o.object_position = LXW_OBJECT_MOVE_DONT_SIZE;
	worksheet_set_row(s->ws, r, THUMB_ROW_HEIGHT, NULL);
	e = worksheet_insert_image_buffer_opt(s->ws, r, (lxw_col_t)t->ncols,
					      data, len, &o);
	return e ? lxw_fail(x, e, d) : 0;
}

static void widths(struct sheet *s)
{
	const struct ks_xtable *t = s->t;
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		const struct ks_xcol *c = &t->cols[i];
		size_t w = ks_utf8_count(c->path, strlen(c->path));
		size_t tw = ks_utf8_count(c->title, strlen(c->title));

		/* Titles wrap over three lines; paths do not. */
		tw = (tw + 2) / 3;
		if (tw > w)
			w = tw;
		if (c->width > w)
			w = c->width;
		w += 2;
		w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
		worksheet_set_column(s->ws, (lxw_col_t)i, (lxw_col_t)i, (double)w,
				     NULL);
	}
	worksheet_autofilter(s->ws, 1, 0, (lxw_row_t)(t->rows + 1),
			     (lxw_col_t)(t->ncols - 1));
}

static int info_sheet(struct xlsx *x, const char *const *info, size_t n,
		      struct ks_diags *d)
{
	lxw_worksheet *ws = workbook_add_worksheet(x->wb, INFO_SHEET);
	lxw_error e = LXW_NO_ERROR;
	struct ks_buf b = KS_BUF_INIT;
	lxw_row_t r = 0;
	size_t i;

	if (!ws)
		return ks_error(d, KS_EIO, x->path, 0, 0,
				"cannot add the sheet \"%s\"", INFO_SHEET);
	worksheet_set_column(ws, 0, 0, 40, NULL);
	worksheet_set_column(ws, 1, 1, 80, NULL);
	for (i = 0; i + 1 < n && !e; i += 2, r++) {
		e = worksheet_write_string(ws, r, 0, info[i], x->label);
		if (!e)
			e = worksheet_write_string(ws, r, 1, info[i + 1], NULL);
	}
	/* Which sheet holds which table. */
	for (i = 0; i < x->n && !e; i++, r++) {
		ks_buf_reset(&b);
		if (ks_buf_addf(&b, _("Sheet \"%s\""), x->v[i]->name) < 0) {
			ks_buf_release(&b);
			return -1;
		}
		e = worksheet_write_string(ws, r, 0, b.ptr, x->label);
		if (!e)
			e = worksheet_write_string(ws, r, 1, x->v[i]->t->name, NULL);
	}
	ks_buf_release(&b);
	return e ? lxw_fail(x, e, d) : 0;
}

static void release(struct xlsx *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		ks_free(x->v[i]->name);
		ks_free(x->v[i]);
	}
	ks_free(x->v);
	ks_free(x->path);
	ks_free(x->dir);
	ks_free(x->title);
	ks_buf_release(&x->cut);
	ks_free(x);
}

static int xlsx_finish(void *w, const char *const *info, size_t n,
		       struct ks_diags *d)
{
	struct xlsx *x = w;
	lxw_error e;
	size_t i;
	int err;

	for (i = 0; i < x->n; i++)
		widths(x->v[i]);
	if ((err = info_sheet(x, info, n, d)))
		return err;
	e = workbook_close(x->wb);
	x->wb = NULL;
	if (e)
		return lxw_fail(x, e, d);
	if ((err = ks_file_commit(&x->out, d)))
		return err;
	release(x);
	return 0;
}

static void xlsx_abort(void *w)
{
	struct xlsx *x = w;

	if (!x)
		return;
	lxw_workbook_free(x->wb);
	ks_file_abort(&x->out);
	release(x);
}

const struct ks_xwriter ks_xlsx_writer = {
	xlsx_table, xlsx_row, xlsx_image, xlsx_finish, xlsx_abort,
};
