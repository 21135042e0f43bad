/*
 * Messages in the person's language, through GNU gettext.  _() marks a
 * message and gives its translation; N_() only marks one that is
 * translated where it is shown (a table's text); Q_() chooses the plural
 * form for a count.  core and cmd share one catalogue, "khaosat"
 * (po/khaosat.pot, po/vi.po), looked up by domain so that a program
 * using core under another domain still finds it.
 *
 * Keys of --json output, file formats and anything read back by a
 * program are never marked.
 */
#ifndef KS_INTL_H
#define KS_INTL_H

#include <libintl.h>

#define KS_TEXTDOMAIN "khaosat"

#define _(msgid) dgettext(KS_TEXTDOMAIN, msgid)
#define N_(msgid) (msgid)
#define Q_(one, many, n) dngettext(KS_TEXTDOMAIN, one, many, (unsigned long)(n))

#endif
