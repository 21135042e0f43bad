/*
 * The language khaosat speaks: the person's locale (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG) when khaosat starts, then the survey's own
 * (khaosat.yaml's `language`) once a survey is open, so that every laptop
 * of a Vietnamese survey speaks Vietnamese whatever its system is set
 * to.  KHAOSAT_LANGUAGE, when set, is the person's choice over both
 * ("en" for English).
 *
 * Only the categories of text are taken from the locale: numbers are
 * always written and read as in C, since records are data.  The
 * catalogues sit beside the program in a build tree (locale/), under
 * share/locale when installed; KHAOSAT_LOCALEDIR names another place.
 */
#include "cli.h"
#include "intl.h"
#include "repo.h"

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KS_LOCALEDIR
#define KS_LOCALEDIR "/usr/local/share/locale"
#endif

/* A folder of catalogues: it holds the Vietnamese one, which is always built. */
static int has_catalogues(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	return snprintf(path, sizeof(path), "%s/vi/LC_MESSAGES/%s.mo", dir,
			KS_TEXTDOMAIN) < (int)sizeof(path) &&
	       stat(path, &st) == 0;
}

/* Where the catalogues are: see the top of this file. */
static const char *locale_dir(void)
{
	static char dir[PATH_MAX];
	static const char *const beside[] = { "/locale", "/../share/locale" };
	const char *env = getenv("KHAOSAT_LOCALEDIR");
	char exe[PATH_MAX];
	ssize_t n;
	size_t i;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		for (i = 0; i < sizeof(beside) / sizeof(*beside); i++)
			if (snprintf(dir, sizeof(dir), "%s%s", exe, beside[i]) <
			    (int)sizeof(dir) && has_catalogues(dir))
				return dir;
	}
	return KS_LOCALEDIR;
}

/* The locale the person asked for messages in: "vi_VN.UTF-8", or NULL. */
static const char *asked_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return v;
	}
	return NULL;
}

/*
 * gettext reads LANGUAGE only when the messages' locale is not C, and a
 * system may lack the locale the person asked for (vi_VN.UTF-8 is often
 * not installed) while it always has C.UTF-8: then the language part of
 * the name asked for is taken as LANGUAGE, unless that is set already.
 */
static void messages_locale(void)
{
	const char *m = setlocale(LC_MESSAGES, "");
	const char *asked;
	char lang[16];
	size_t n;

	if (m && strcmp(m, "C") && strcmp(m, "POSIX"))
		return;
	setlocale(LC_MESSAGES, "C.UTF-8");
	if (m || !(asked = asked_locale()))
		return;
	n = strcspn(asked, ".@");
	if (n < sizeof(lang)) {
		memcpy(lang, asked, n);
		lang[n] = '\0';
		if (ks_language_valid(lang))
			setenv("LANGUAGE", lang, 0);
	}
}

void lang_init(void)
{
	const char *chosen = getenv("KHAOSAT_LANGUAGE");

	setlocale(LC_CTYPE, "");
	messages_locale();
	bindtextdomain(KS_TEXTDOMAIN, locale_dir());
	bind_textdomain_codeset(KS_TEXTDOMAIN, "UTF-8");
	if (chosen && *chosen)
		lang_use(chosen);
}

void lang_use(const char *code)
{
	const char *chosen = getenv("KHAOSAT_LANGUAGE");

	if (chosen && *chosen && strcmp(code, chosen))
		return;
	setenv("LANGUAGE", code, 1);
	/* What gettext found for the old language is forgotten. */
	textdomain(textdomain(NULL));
}
