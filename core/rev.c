/*
 * Revisions and dates: see rev.h.
 */
#include "rev.h"
#include "diag.h"
#include "isotime.h"
#include "repo.h"

#include <stdio.h>
#include <string.h>

int ks_rev_parse_date(const char *spec, time_t *end)
{
	struct tm tm = { 0 };
	int y, mo, day, h = 23, mi = 59, sec = 59;
	size_t len = strlen(spec);

	if (len < 10 || ks_digits(spec, 4, &y) || spec[4] != '-' ||
	    ks_digits(spec + 5, 2, &mo) || spec[7] != '-' ||
	    ks_digits(spec + 8, 2, &day))
		return 0;
	if (len > 10) {
		const char *t = spec + 11;
		size_t tlen = len - 11;

		if (spec[10] != ' ' && spec[10] != 'T')
			return 0;
		if ((tlen != 5 && tlen != 8) || ks_digits(t, 2, &h) ||
		    t[2] != ':' || ks_digits(t + 3, 2, &mi))
			return -1;
		sec = 59;
		if (tlen == 8 && (t[5] != ':' || ks_digits(t + 6, 2, &sec)))
			return -1;
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
	}
	if (mo < 1 || mo > 12 || day < 1 || day > 31 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*end = mktime(&tm);
	/* mktime moves 31 February to March: that is not the day asked for. */
	if (*end == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != mo - 1)
		return -1;
	return 1;
}

/* The newest commit on main's first-parent line committed by `end`. */
static int commit_at(git_commit **out, struct ks_repo *r, const char *spec,
		     time_t end, struct ks_diags *d)
{
	git_repository *repo = ks_repo_git(r);
	git_commit *c = NULL, *parent;
	git_oid head;
	char when[32];

	if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
	    git_commit_lookup(&c, repo, &head) < 0)
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"the survey has no commit yet");
	while (git_commit_time(c) > (git_time_t)end) {
		if (git_commit_parentcount(c) == 0) {
			time_t first = (time_t)git_commit_time(c);
			struct tm tm;

			localtime_r(&first, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
			git_commit_free(c);
			return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
					"the survey did not exist yet at %s: its first commit is from %s",
					spec, when);
		}
		if (git_commit_parent(&parent, c, 0) < 0) {
			git_commit_free(c);
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"cannot read history: %s", ks_git_error());
		}
		git_commit_free(c);
		c = parent;
	}
	*out = c;
	return 0;
}

int ks_rev_commit(git_commit **out, struct ks_repo *r, const char *spec,
		  struct ks_diags *d)
{
	git_object *obj = NULL;
	time_t end;
	int rc;

	*out = NULL;
	rc = ks_rev_parse_date(spec, &end);
	if (rc > 0)
		return commit_at(out, r, spec, end, d);
	if (rc < 0)
		return ks_error(d, KS_EINVALID, NULL, 0, 0,
				"\"%s\" is not a date (YYYY-MM-DD, optionally with HH:MM)",
				spec);
	if (git_revparse_single(&obj, ks_repo_git(r), spec) < 0 ||
	    git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		*out = NULL;
		return ks_error(d, KS_ENOTFOUND, NULL, 0, 0,
				"unknown revision \"%s\" (give a commit id, main~2, or a date YYYY-MM-DD)",
				spec);
	}
	git_object_free(obj);
	return 0;
}
