/*
 * HTML for the pages of khaosat serve: text escaped once, here, and the
 * frame every page shares (head, navigation, footer).  Pages are built
 * in a ks_buf and sent whole.
 */
#ifndef KS_WEB_HTML_H
#define KS_WEB_HTML_H

#include <stddef.h>

struct ks_buf;

/* `s` with &, <, >, " and ' escaped, for text and attribute values. */
int ks_html(struct ks_buf *b, const char *s);
int ks_html_n(struct ks_buf *b, const char *s, size_t len);
/* `s` escaped for a URL's query value (RFC 3986 unreserved kept). */
int ks_html_urlarg(struct ks_buf *b, const char *s);

/* Where a page is in the navigation, to mark its link. */
enum ks_page_place {
	KS_PAGE_HOME,
	KS_PAGE_RECORDS,
	KS_PAGE_CONFLICTS,
	KS_PAGE_NEW,
	KS_PAGE_EXPORT,
	KS_PAGE_SYNC,
	KS_PAGE_OTHER,
};

/*
 * The start of a page up to its <main>: `title` (escaped here) names it in
 * the window and in the heading; `survey` is the survey's name.
 */
int ks_page_begin(struct ks_buf *b, const char *survey, const char *title,
		  enum ks_page_place place);
int ks_page_end(struct ks_buf *b);

/*
 * Whether the navigation offers to add records, or to log in to write
 * (the server says, for each request it answers).
 */
void ks_page_set_writable(int writable, int can_login);

#endif
