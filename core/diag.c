/*
 * Diagnostic lists and their compiler-style and JSON renderings.
 */
#include "diag.h"
#include "alloc.h"
#include "buf.h"
#include "intl.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ks_diags_init(struct ks_diags *d)
{
	memset(d, 0, sizeof(*d));
}

static void diag_release(struct ks_diag *g)
{
	ks_free(g->path);
	ks_free(g->pointer);
	ks_free(g->keyword);
	ks_free(g->message);
	ks_free(g->missing);
}

void ks_diags_release(struct ks_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		diag_release(&d->v[i]);
	ks_free(d->v);
	ks_diags_init(d);
}

static char *dup_or_null(const char *s)
{
	return s ? ks_strdup(s) : NULL;
}

void ks_diags_vadd(struct ks_diags *d, enum ks_severity sev,
		   const char *path, int line, int col, const char *pointer,
		   const char *keyword, const char *fmt, va_list ap)
{
	struct ks_buf msg = KS_BUF_INIT;
	struct ks_diag *g;

	if (sev == KS_SEV_ERROR)
		d->errors++;
	else if (sev == KS_SEV_WARNING)
		d->warnings++;
	if (ks_grow(&d->v, d->n, &d->alloc, sizeof(*d->v), 8) < 0)
		return;
	/* every literal message is in the catalogue (po/extract.sh) */
	if (ks_buf_vaddf(&msg, *fmt ? _(fmt) : fmt, ap) < 0)
		return;
	g = &d->v[d->n];
	g->severity = sev;
	g->path = dup_or_null(path);
	g->line = line;
	g->col = col;
	g->pointer = dup_or_null(pointer);
	g->keyword = dup_or_null(keyword);
	g->message = ks_buf_detach(&msg, NULL);
	g->missing = NULL;
	g->detail = 0;
	if (!g->message || (path && !g->path) || (pointer && !g->pointer) ||
	    (keyword && !g->keyword)) {
		diag_release(g);
		return;
	}
	d->n++;
}

void ks_diags_add(struct ks_diags *d, enum ks_severity sev, const char *path,
		  int line, int col, const char *pointer, const char *keyword,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_diags_vadd(d, sev, path, line, col, pointer, keyword, fmt, ap);
	va_end(ap);
}

void ks_diags_move(struct ks_diags *to, struct ks_diags *from)
{
	size_t i;

	/* each diagnostic whole, with what only the structure holds */
	for (i = 0; i < from->n; i++) {
		struct ks_diag *g = &from->v[i];

		if (g->severity == KS_SEV_ERROR)
			to->errors++;
		else if (g->severity == KS_SEV_WARNING)
			to->warnings++;
		if (ks_grow(&to->v, to->n, &to->alloc, sizeof(*to->v), 8) < 0)
			diag_release(g);
		else
			to->v[to->n++] = *g;
	}
	from->n = 0;
	/* Keep counts of diagnostics that were dropped for lack of memory. */
	if (from->errors > to->errors)
		to->errors = from->errors;
	ks_diags_release(from);
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int diag_cmp(const struct ks_diag *a, const struct ks_diag *b)
{
	int c = strcmp_null(a->path, b->path);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void ks_diags_sort(struct ks_diags *d)
{
	size_t i, j;

	/* Insertion sort: stable, and lists are short or nearly sorted. */
	for (i = 1; i < d->n; i++) {
		struct ks_diag tmp = d->v[i];

		for (j = i; j > 0 && diag_cmp(&d->v[j - 1], &tmp) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = tmp;
	}
}

size_t ks_diags_error_paths(const struct ks_diags *d)
{
	const char *last = NULL;
	size_t i, n = 0;

	for (i = 0; i < d->n; i++) {
		const char *p = d->v[i].path;

		if (d->v[i].severity != KS_SEV_ERROR || !p)
			continue;
		if (!last || strcmp(last, p))
			n++;
		last = p;
	}
	return n;
}

const char *ks_severity_name(enum ks_severity sev)
{
	switch (sev) {
	case KS_SEV_ERROR:
		return "error";
	case KS_SEV_WARNING:
		return "warning";
	case KS_SEV_NOTE:
		return "note";
	}
	return "error";
}

const char *ks_severity_label(enum ks_severity sev)
{
	switch (sev) {
	case KS_SEV_WARNING:
		return _("warning");
	case KS_SEV_NOTE:
		return _("note");
	case KS_SEV_ERROR:
		break;
	}
	return _("error");
}

int ks_diag_format(struct ks_buf *out, const struct ks_diag *g)
{
	int r = 0;

	if (g->path) {
		r |= ks_buf_puts(out, g->path);
		if (g->line > 0)
			r |= ks_buf_addf(out, ":%d:%d", g->line, g->col);
		r |= ks_buf_puts(out, ": ");
	}
	/* the message names its field; the pointer is for --json */
	r |= ks_buf_addf(out, "%s: ", ks_severity_label(g->severity));
	r |= ks_buf_puts(out, g->message);
	return r ? -1 : 0;
}

int ks_diag_format_json(struct ks_json *j, const struct ks_diag *g)
{
	ks_json_begin_object(j);
	ks_json_field_str(j, "severity", ks_severity_name(g->severity));
	ks_json_field_str(j, "path", g->path);
	ks_json_field_int(j, "line", g->line);
	ks_json_field_int(j, "column", g->col);
	ks_json_field_str(j, "pointer", g->pointer);
	ks_json_field_str(j, "keyword", g->keyword);
	ks_json_field_str(j, "message", g->message);
	return ks_json_end_object(j);
}
