/*
 * Dates and times: see isotime.h.
 */
#include "isotime.h"

#include <string.h>
#include <time.h>

int ks_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t ks_iso_seconds(int y, int mo, int d, int h, int mi, int s,
		       int offset)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) - offset;
}

int ks_iso_instant(int64_t *out, const char *t)
{
	int y, mo, d, h, mi, s, oh = 0, om = 0;
	const char *z = t + 19;

	if (strlen(t) < 20 || ks_digits(t, 4, &y) || t[4] != '-' ||
	    ks_digits(t + 5, 2, &mo) || t[7] != '-' || ks_digits(t + 8, 2, &d) ||
	    t[10] != 'T' || ks_digits(t + 11, 2, &h) || t[13] != ':' ||
	    ks_digits(t + 14, 2, &mi) || t[16] != ':' || ks_digits(t + 17, 2, &s) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	if (strcmp(z, "Z") &&
	    ((z[0] != '+' && z[0] != '-') || strlen(z) != 6 ||
	     ks_digits(z + 1, 2, &oh) || z[3] != ':' || ks_digits(z + 4, 2, &om) ||
	     oh > 23 || om > 59))
		return -1;
	*out = ks_iso_seconds(y, mo, d, h, mi, s,
			      (z[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60));
	return 0;
}
