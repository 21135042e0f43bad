/*
 * readpassphrase() on Windows, for the Windows build only
 * (compat/win32.c): asked on the console, without echo when asked so.
 */
#ifndef KS_COMPAT_BSD_READPASSPHRASE_H
#define KS_COMPAT_BSD_READPASSPHRASE_H

#include <stddef.h>

#define RPP_ECHO_OFF 0x00
#define RPP_ECHO_ON 0x01
#define RPP_REQUIRE_TTY 0x02

char *readpassphrase(const char *prompt, char *buf, size_t n, int flags);

#endif
