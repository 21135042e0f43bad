/*
 * Messages in the person's language, through GNU gettext.  _() marks a
 * message and gives its translation; N_() only marks one that is
 * translated where it is shown (a table's text); Q_() chooses the plural
 * form for a count; C_() gives a message a context.  core and cmd share one catalogue, "khaosat"
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

/*
 * A message whose words mean something else elsewhere ("deleted" of a
 * status line, of a sync's count): C_("status", "deleted").  The
 * catalogue keys it as gettext's msgctxt does.
 */
static inline const char *ks_pgettext(const char *key, const char *msgid)
{
	const char *t = dgettext(KS_TEXTDOMAIN, key);

	return t == key ? msgid : t;
}
#define C_(ctx, msgid) ks_pgettext(ctx "\004" msgid, msgid)

#endif
