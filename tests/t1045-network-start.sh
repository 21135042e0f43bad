#!/bin/sh
# Only the commands that go on the network pay for https: libgit2 (with
# mbedTLS) would parse every certificate authority of the system at its
# start; khaosat has it read them when a sync or a clone meets a hub.
. "$(dirname "$0")/lib.sh"

if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): the files read are not traced"
	test_done
	exit 0
fi

# traced ARGS...: khaosat ARGS under strace, its opened files in ../trace
# (LeakSanitizer cannot run under ptrace; memory errors are still caught)
traced() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o ../trace -e trace=open,openat "$KHAOSAT_BIN" "$@"
}

# certs TRACE: the certificate files and folders a traced run opened
certs() {
	grep -v ENOENT "$1" |
		sed -n 's/.*open[at]*([^"]*"\([^"]*\)".*/\1/p' |
		grep -E '\.(crt|pem)$|/certs/?$|ca-certificates' | sort -u
}

test_expect_success 'setup: a committed survey' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null)
'

test_expect_success 'a sync with an https:// hub reads the certificate authorities' '
	(cd s && { traced sync https://127.0.0.1:9/hub.git >../out 2>../err; true; }) &&
	test -s err &&
	certs trace >ca &&
	test -s ca
'

test_expect_success 'status, check and a commit read none of them' '
	for c in status check "commit -m nothing"; do
		(cd s && { traced $c >/dev/null 2>&1; true; }) &&
		grep -q "record" trace &&
		certs trace >none &&
		test_must_be_empty none || return 1
	done
'

test_done
