#!/bin/sh
# Installs the Debian packages khaosat needs to build and test, when missing.
# Arguments: MODULE:PACKAGE ... -- COMMAND:PACKAGE ...
# (a COMMAND that is an absolute path is a file the package installs)
# As root it runs apt-get; otherwise it prints the command to run.
missing=""
mode=pkg
for pair in "$@"; do
	if [ "$pair" = "--" ]; then
		mode=cmd
		continue
	fi
	what=${pair%%:*}
	pkg=${pair#*:}
	if [ $mode = pkg ]; then
		command -v pkg-config >/dev/null 2>&1 &&
			pkg-config --exists "$what" && continue
	elif [ "${what#/}" != "$what" ]; then
		[ -e "$what" ] && continue
	else
		command -v "$what" >/dev/null 2>&1 && continue
	fi
	case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
# pkg-config itself is needed to find the libraries.
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
		echo "make deps: apt-get install$missing failed" >&2
		exit 3
	}
	exit 0
fi
echo "make deps: missing packages; run as root:" >&2
echo "  apt-get install$missing" >&2
exit 3
