/*
 * The export page of khaosat serve: the survey's figures, each field
 * counted drawn as a bar chart (SVG made here, on the server), and the
 * export as a download: the spreadsheet, the CSV tables (zipped with
 * minizip, one file per table), or JSON, of every kind or of those
 * ticked, as the survey is now or as it was on a date.
 *
 * A download is `khaosat export` (export.h) into a folder of its own under
 * .git/khaosat/, sent from an open file that is removed before the first
 * byte goes out, so nothing is left behind whatever the browser does.
 */
#include "common.h"
#include "pages_int.h"
#include "html.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "export.h"
#include "file.h"
#include "intl.h"
#include "lazylib.h"
#include "repo.h"
#include "stats.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

/* loaded at the first zip written: see lazylib.h */
#define ZIP_FUNCS(X) \
	X(zipClose) X(zipCloseFileInZip) X(zipOpen64) \
	X(zipOpenNewFileInZip4_64) X(zipWriteInFileInZip)
KS_LAZYLIB(zip_lib, KS_SONAME_minizip, "libminizip1", ZIP_FUNCS);
#define zipClose KS_LAZY(zip_lib, zipClose)
#define zipCloseFileInZip KS_LAZY(zip_lib, zipCloseFileInZip)
#define zipOpen64 KS_LAZY(zip_lib, zipOpen64)
#define zipOpenNewFileInZip4_64 KS_LAZY(zip_lib, zipOpenNewFileInZip4_64)
#define zipWriteInFileInZip KS_LAZY(zip_lib, zipWriteInFileInZip)

#define BAR_W 360	/* the longest bar, in pixels */
#define ROW_H 22
#define LABEL_W 300
#define MAX_BARS 15	/* values a chart shows; the rest are summed */
#define LABEL_CHARS 40	/* a label longer is cut, whole on hover */

/* `s` cut to its first LABEL_CHARS characters, with "…" when cut. */
static void short_label(struct ks_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	while (*p && chars < LABEL_CHARS) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		chars++;
	}
	ks_html_n(b, s, (size_t)((const char *)p - s));
	if (*p)
		ks_buf_puts(b, "…");
}

/* ---- the figures, as charts ---- */

/* One bar: its label, its length for `count` of `most`, and the count. */
static void bar(struct ks_buf *b, size_t row, const char *label,
		size_t count, size_t most)
{
	unsigned w = most ? (unsigned)((double)count / (double)most * BAR_W) : 0;
	unsigned y = (unsigned)row * ROW_H;

	ks_buf_puts(b, "<g><title>");
	ks_html(b, label);
	ks_buf_addf(b, ": %zu</title><text x=\"%u\" y=\"%u\" text-anchor=\"end\">",
		    count, LABEL_W - 8, y + 15);
	short_label(b, label);
	ks_buf_addf(b, "</text><rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"#0b5394\"/>"
		    "<text x=\"%u\" y=\"%u\">%zu</text></g>\n",
		    LABEL_W, y + 3, w ? w : 1, ROW_H - 6, LABEL_W + w + 6, y + 15,
		    count);
}

/* A field's values, largest first, as a horizontal bar chart. */
static void chart(struct ks_buf *b, const struct ks_stat_field *f)
{
	size_t i, shown = f->n < MAX_BARS ? f->n : MAX_BARS, rest = 0, rows;
	size_t most = f->n ? f->v[0].count : 0;
	const char *title = f->title ? f->title : _("Laptop (device)");

	for (i = shown; i < f->n; i++)
		rest += f->v[i].count;
	rows = shown + (rest > 0) + (f->missing > 0);
	if (rest > most)
		most = rest;
	if (f->missing > most)
		most = f->missing;
	ks_buf_puts(b, "<figure class=\"chart\"><figcaption>");
	ks_html(b, title);
	ks_buf_addf(b, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		    "width=\"%u\" height=\"%zu\" font-size=\"13\" font-family=\"sans-serif\">\n<title>",
		    LABEL_W + BAR_W + 60, rows * ROW_H + 4);
	ks_html(b, title);
	ks_buf_puts(b, "</title>\n");
	for (i = 0; i < shown; i++)
		bar(b, i, f->v[i].title ? f->v[i].title : f->v[i].value,
		    f->v[i].count, most);
	if (rest)
		bar(b, i++, _("(others)"), rest, most);
	if (f->missing)
		bar(b, i, _("(not filled in)"), f->missing, most);
	ks_buf_puts(b, "</svg></figure>\n");
}

static int figures(const struct ks_web_req *q, struct ks_buf *b)
{
	struct ks_stats st = { 0 };
	struct ks_diags d = KS_DIAGS_INIT;
	size_t i, j;
	int err = ks_stats_collect(&st, q->repo, NULL, &d);

	if (err == -1) {
		ks_diags_release(&d);
		return -1;
	}
	for (i = 0; !err && i < st.n; i++) {
		const struct ks_stat_kind *k = &st.v[i];

		ks_buf_puts(b, "<section class=\"figures\"><h2>");
		ks_html(b, k->title ? k->title : k->kind);
		ks_buf_puts(b, "</h2>\n<p>");
		ks_buf_addf(b, Q_("%zu record: %zu valid, %zu not valid yet, %zu with open conflicts.",
				  "%zu records: %zu valid, %zu not valid yet, %zu with open conflicts.",
				  k->records),
			    k->records, k->valid, k->invalid, k->conflicted);
		ks_buf_puts(b, "</p>\n");
		for (j = 0; j < k->nfields; j++)
			if (k->fields[j].n)
				chart(b, &k->fields[j]);
		ks_buf_puts(b, "</section>\n");
	}
	ks_web_diags(b, &d);
	ks_stats_release(&st);
	ks_diags_release(&d);
	return 0;
}

/* ---- the download form ---- */

static void radio(struct ks_buf *b, const char *value, const char *label,
		  int checked)
{
	ks_buf_addf(b, "<label class=\"tick\"><input type=\"radio\" name=\"format\" value=\"%s\"%s> ",
		    value, checked ? " checked" : "");
	ks_html(b, label);
	ks_buf_puts(b, "</label>\n");
}

static void download_form(const struct ks_web_req *q, struct ks_buf *b)
{
	size_t i;

	ks_buf_puts(b, "<form class=\"export\" method=\"get\" action=\"/export/file\">\n<fieldset><legend>");
	ks_html(b, _("Download the records"));
	ks_buf_puts(b, "</legend>\n<div class=\"field\">");
	radio(b, "xlsx", _("Spreadsheet (.xlsx)"), 1);
	radio(b, "csv", _("CSV tables, one per kind and list (.zip)"), 0);
	radio(b, "json", _("JSON, for other programs (.json)"), 0);
	ks_buf_puts(b, "</div>\n<div class=\"field\">");
	for (i = 0; i < ks_repo_kind_count(q->repo); i++) {
		const struct ks_kind *k = ks_repo_kind(q->repo, i);

		ks_buf_puts(b, "<label class=\"tick\"><input type=\"checkbox\" name=\"kind.");
		ks_html(b, k->name);
		ks_buf_puts(b, "\" value=\"1\" checked> ");
		ks_html(b, ks_web_kind_title(k));
		ks_buf_puts(b, "</label>\n");
	}
	ks_buf_puts(b, "</div>\n<div class=\"field\"><label for=\"at\">");
	ks_html(b, _("As the survey was on (empty: as it is now)"));
	ks_buf_puts(b, "</label><input id=\"at\" name=\"at\" type=\"date\"></div>\n"
		    "<div class=\"field\"><label class=\"tick\"><input type=\"checkbox\" name=\"values\" value=\"1\"> ");
	ks_html(b, _("Choices as stored codes, not their labels"));
	ks_buf_puts(b, "</label></div>\n<button class=\"save\">");
	ks_html(b, _("Download"));
	ks_buf_puts(b, "</button>\n</fieldset></form>\n");
}

static int page(const struct ks_web_req *q, struct ks_web_reply *r,
		const struct ks_diags *notes)
{
	struct ks_buf *b = &r->body;

	ks_page_begin(b, ks_repo_name(q->repo), C_("page", "Figures and export"),
		      KS_PAGE_EXPORT);
	if (notes && notes->errors) {
		ks_buf_puts(b, "<p class=\"bad\">");
		ks_html(b, _("Nothing was exported:"));
		ks_buf_puts(b, "</p>\n");
		ks_web_diags(b, notes);
	}
	download_form(q, b);
	if (figures(q, b) < 0)
		return -1;
	return ks_web_done(r);
}

/* ---- the download ---- */

/* minizip's error `rc` in words. */
static const char *zip_error(int rc)
{
	return rc == ZIP_ERRNO ? strerror(errno) : rc == ZIP_INTERNALERROR ?
	       "internal error" : "bad parameter";
}

/*
 * The CSV folder `dir` as the zip file `zip`, its files in name order,
 * each deflated, its name marked UTF-8 (the zip format's bit 11).
 */
static int zip_folder(const char *dir, const char *zip, struct ks_diags *d)
{
	const int utf8_names = 1 << 11;
	struct dirent **names = NULL;
	struct ks_buf p = KS_BUF_INIT, data = KS_BUF_INIT;
	int i, n = scandir(dir, &names, NULL, alphasort), err = 0, rc;
	zipFile z = n < 0 ? NULL : zipOpen64(zip, APPEND_STATUS_CREATE);
	time_t now = time(NULL);
	struct tm tm;
	zip_fileinfo zi;

	memset(&zi, 0, sizeof(zi));
	if (localtime_r(&now, &tm)) {
		zi.tmz_date.tm_sec = (unsigned)tm.tm_sec;
		zi.tmz_date.tm_min = (unsigned)tm.tm_min;
		zi.tmz_date.tm_hour = (unsigned)tm.tm_hour;
		zi.tmz_date.tm_mday = (unsigned)tm.tm_mday;
		zi.tmz_date.tm_mon = (unsigned)tm.tm_mon;
		zi.tmz_date.tm_year = (unsigned)tm.tm_year + 1900;
	}
	/* a regular file, rw-r--r--, as unzip on Unix restores it */
	zi.external_fa = (unsigned long)0100644 << 16;
	if (!z)
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot make the zip file: %s",
			       strerror(errno));
	for (i = 0; !err && i < n; i++) {
		if (names[i]->d_name[0] == '.')
			continue;
		ks_buf_reset(&p);
		ks_buf_reset(&data);
		if (ks_buf_addf(&p, "%s/%s", dir, names[i]->d_name) < 0 ||
		    ks_buf_read_file(&data, p.ptr, 0) < 0) {
			err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read %s: %s",
				       names[i]->d_name, strerror(errno));
			break;
		}
		if (data.len > UINT_MAX) {
			err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot write the zip file: %s is too large",
				       names[i]->d_name);
			break;
		}
		/* version made by: Unix (3), zip 2.0, so the mode above is read */
		rc = zipOpenNewFileInZip4_64(z, names[i]->d_name, &zi, NULL, 0, NULL,
					     0, NULL, Z_DEFLATED,
					     Z_DEFAULT_COMPRESSION, 0, -MAX_WBITS,
					     DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY, NULL,
					     0, 3 << 8 | 20, utf8_names, 0);
		if (rc == ZIP_OK)
			rc = zipWriteInFileInZip(z, data.ptr ? data.ptr : "",
						 (unsigned)data.len);
		if (rc == ZIP_OK)
			rc = zipCloseFileInZip(z);
		if (rc != ZIP_OK)
			err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot write the zip file: %s",
				       zip_error(rc));
	}
	if (z && (rc = zipClose(z, NULL)) != ZIP_OK && !err)
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot write the zip file: %s",
			       zip_error(rc));
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ks_buf_release(&p);
	ks_buf_release(&data);
	return err;
}

static const char *const extension[] = { "xlsx", "zip", "json", "jsonl" };
static const char *const media[] = {
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/zip", "application/json", "application/x-ndjson",
};

/* Content-Disposition: an ASCII name, and the survey's own in UTF-8. */
static char *disposition(const char *survey, const char *at,
			 enum ks_export_format f)
{
	struct ks_buf b = KS_BUF_INIT;
	char day[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	ks_buf_addf(&b, "attachment; filename=\"khaosat-%s.%s\"; filename*=UTF-8''",
		    at && *at ? at : day, extension[f]);
	ks_html_urlarg(&b, survey);
	ks_buf_addf(&b, "-%s.%s", at && *at ? at : day, extension[f]);
	return ks_buf_failed(&b) ? (ks_buf_release(&b), NULL)
				 : ks_buf_detach(&b, NULL);
}

/* A date as the form sends it, nothing else reaches the revision parser. */
static int date_ok(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
	       strspn(s, "0123456789-") == 10;
}

/*
 * Exports into a new folder under .git/khaosat/ and opens the result:
 * *fd, with its size; the folder is gone before this returns.
 */
static int export_to_fd(int *fd, size_t *size, const struct ks_web_req *q,
			enum ks_export_format f, const char *at,
			struct ks_diags *d)
{
	struct ks_export_opts o = { 0 };
	struct ks_export *x = NULL;
	struct ks_buf dir = KS_BUF_INIT, out = KS_BUF_INIT, zip = KS_BUF_INIT;
	struct stat st;
	size_t i;
	int err, any = 0;

	*fd = -1;
	if (ks_buf_addf(&dir, "%s/khaosat/web-export-XXXXXX",
			git_repository_path(ks_repo_git(q->repo))) < 0)
		return -1;
	if (!mkdtemp(dir.ptr)) {
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot make a folder for the export: %s",
			       strerror(errno));
		ks_buf_release(&dir);
		return err;
	}
	ks_buf_addf(&out, "%s/export%s%s", dir.ptr, f == KS_EXPORT_CSV ? "" : ".",
		    f == KS_EXPORT_CSV ? "" : extension[f]);
	ks_buf_addf(&zip, "%s/export.zip", dir.ptr);
	if (ks_buf_failed(&out) || ks_buf_failed(&zip)) {
		err = -1;
		goto out;
	}
	if ((err = ks_export_open(&x, q->repo, at, d)))
		goto out;
	for (i = 0; !err && i < ks_repo_kind_count(q->repo); i++) {
		const struct ks_kind *k = ks_repo_kind(q->repo, i);
		struct ks_buf name = KS_BUF_INIT;

		if (ks_buf_addf(&name, "kind.%s", k->name) < 0)
			err = -1;
		else if (q->arg(q->ctx, name.ptr)) {
			any = 1;
			err = ks_export_select(x, k->name, d);
		}
		ks_buf_release(&name);
	}
	if (!err && !any)
		err = ks_error(d, KS_EINVALID, NULL, 0, 0, "tick at least one kind of record");
	if (err)
		goto out;
	o.format = f;
	o.output = out.ptr;
	o.values = q->arg(q->ctx, "values") != NULL;
	o.now = time(NULL);
	o.version = q->version;
	if ((err = ks_export_write(x, &o, d)) ||
	    (f == KS_EXPORT_CSV && (err = zip_folder(out.ptr, zip.ptr, d))))
		goto out;
	*fd = open(f == KS_EXPORT_CSV ? zip.ptr : out.ptr, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0)
		err = ks_error(d, KS_EIO, NULL, 0, 0, "cannot read the export: %s",
			       strerror(errno));
	else
		*size = (size_t)st.st_size;
out:
	ks_export_free(x);
	ks_remove_tree(dir.ptr);	/* the open file stays readable */
	if (err && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	ks_buf_release(&dir);
	ks_buf_release(&out);
	ks_buf_release(&zip);
	return err;
}

static int download(const struct ks_web_req *q, struct ks_web_reply *r)
{
	const char *format = q->arg(q->ctx, "format");
	const char *at = q->arg(q->ctx, "at");
	struct ks_diags d = KS_DIAGS_INIT;
	enum ks_export_format f;
	int err;

	if (format && !strcmp(format, "xlsx"))
		f = KS_EXPORT_XLSX;
	else if (format && !strcmp(format, "csv"))
		f = KS_EXPORT_CSV;
	else if (format && !strcmp(format, "json"))
		f = KS_EXPORT_JSON;
	else
		return ks_web_not_found(q, r);
	if (at && !*at)
		at = NULL;
	if (at && !date_ok(at))
		err = ks_error(&d, KS_EINVALID, NULL, 0, 0,
			       "\"%s\" is not a date (YYYY-MM-DD)", at);
	else
		err = export_to_fd(&r->fd, &r->fsize, q, f, at, &d);
	if (!err) {
		r->status = 200;
		r->type = media[f];
		if (!(r->disposition = disposition(ks_repo_name(q->repo), at, f)))
			err = -1;
	} else if (err != -1) {
		err = page(q, r, &d);
		r->status = 422;
	}
	ks_diags_release(&d);
	return err;
}

int ks_web_export(const struct ks_web_req *q, struct ks_web_reply *r)
{
	if (!strcmp(q->path, "/export/file"))
		return download(q, r);
	return page(q, r, NULL);
}
