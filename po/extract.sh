#!/bin/sh
# po/extract.sh OUT: the messages marked in core/ and cmd/ (intl.h's _(),
# N_(), Q_() and C_()) into the template OUT.  `make pot` and the tests
# that check the catalogues all extract through here, so that they read
# the same marks.
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$top" &&
exec xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
	--keyword=Q_:1,2 --keyword=C_:1c,2 --add-comments=TRANSLATORS: \
	--sort-by-file --package-name=khaosat --msgid-bugs-address= \
	-o "$out" core/*.c cmd/*.c
