/*
 * The small readers of dates and times the survey's files hold: digits,
 * and ISO 8601 instants with their offset ("2026-12-05T10:30:00+07:00",
 * the form commits, conflict files and members files write).
 */
#ifndef KS_ISOTIME_H
#define KS_ISOTIME_H

#include <stdint.h>

/* The `n` decimal digits at `s`: 0 with their value in *out, or -1. */
int ks_digits(const char *s, int n, int *out);

/*
 * "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM"/"-HH:MM", and nothing
 * after, as seconds since 1970 (UTC).  Returns 0, or -1 when it is not
 * that (an impossible field included).
 */
int ks_iso_instant(int64_t *out, const char *text);

/*
 * The UTC seconds of a date and time of day given with an offset east of
 * UTC in seconds (fields as written: month 1-12).
 */
int64_t ks_iso_seconds(int y, int mo, int d, int h, int mi, int s,
		       int offset);

#endif
