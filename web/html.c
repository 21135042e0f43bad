/*
 * HTML text and the page frame: see html.h.
 */
#include "html.h"
#include "buf.h"
#include "intl.h"

#include <string.h>

int ks_html_n(struct ks_buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *e = NULL;

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
		if (!e)
			continue;
		ks_buf_add(b, s + run, i - run);
		ks_buf_puts(b, e);
		run = i + 1;
	}
	ks_buf_add(b, s + run, len - run);
	return ks_buf_failed(b) ? -1 : 0;
}

int ks_html(struct ks_buf *b, const char *s)
{
	return ks_html_n(b, s ? s : "", s ? strlen(s) : 0);
}

int ks_html_urlarg(struct ks_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			ks_buf_putc(b, (char)c);
		else
			ks_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return ks_buf_failed(b) ? -1 : 0;
}

/* Whether the pages offer to change the survey (one server per process,
   answering one request at a time). */
static int writable, can_login;

void ks_page_set_writable(int yes, int login)
{
	writable = yes;
	can_login = login;
}

static void nav_link(struct ks_buf *b, const char *href, const char *text,
		     int here)
{
	ks_buf_addf(b, "<a href=\"%s\"%s>", href,
		    here ? " aria-current=\"page\"" : "");
	ks_html(b, text);
	ks_buf_puts(b, "</a>");
}

int ks_page_begin(struct ks_buf *b, const char *survey, const char *title,
		  enum ks_page_place place)
{
	/* TRANSLATORS: the language of the web pages, as HTML's lang names it. */
	ks_buf_addf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>", C_("html lang", "en"));
	ks_html(b, title);
	ks_buf_puts(b, " \xe2\x80\x94 ");
	ks_html(b, survey);
	ks_buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
		    "</head>\n<body>\n<header><nav>\n<span class=\"survey\">");
	ks_html(b, survey);
	ks_buf_puts(b, "</span>\n");
	nav_link(b, "/", C_("page", "Overview"), place == KS_PAGE_HOME);
	nav_link(b, "/records", C_("page", "Records"), place == KS_PAGE_RECORDS);
	nav_link(b, "/conflicts", C_("page", "Conflicts"), place == KS_PAGE_CONFLICTS);
	nav_link(b, "/sync", C_("page", "Sync"), place == KS_PAGE_SYNC);
	nav_link(b, "/export", C_("page", "Figures and export"), place == KS_PAGE_EXPORT);
	if (writable)
		nav_link(b, "/new", C_("page", "Add a record"), place == KS_PAGE_NEW);
	else if (can_login)
		nav_link(b, "/login", C_("page", "Log in to make changes"), 0);
	ks_buf_puts(b, "\n</nav></header>\n<main>\n<h1>");
	ks_html(b, title);
	ks_buf_puts(b, "</h1>\n");
	return ks_buf_failed(b) ? -1 : 0;
}

int ks_page_end(struct ks_buf *b)
{
	ks_buf_puts(b, "</main>\n<footer>");
	ks_html(b, _("khaosat: the survey on this laptop; nothing leaves it."));
	ks_buf_puts(b, "</footer>\n</body>\n</html>\n");
	return ks_buf_failed(b) ? -1 : 0;
}
