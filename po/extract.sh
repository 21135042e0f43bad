#!/bin/sh
# po/extract.sh OUT: the messages marked in core/, cmd/ and web/ into the
# template OUT: intl.h's _(), N_(), Q_() and C_(), and the format of every
# function that reports an error (ks_error and its kin look their format
# up in the catalogue; export.c's WORDS() is _() for people, English for
# programs), and the narration of the demo (samples/demo.sh).  `make pot`
# and the tests that check the catalogues all extract through here, so
# that they read the same marks.
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$top" &&
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
	--keyword=Q_:1,2 --keyword=C_:1c,2 --add-comments=TRANSLATORS: \
	--keyword=ks_error:6 --flag=ks_error:6:c-format \
	--keyword=ks_diags_add:8 --flag=ks_diags_add:8:c-format \
	--keyword=ks_sc_error:5 --flag=ks_sc_error:5:c-format \
	--keyword=damaged:3 --flag=damaged:3:c-format \
	--keyword=why_set:3 --flag=why_set:3:c-format \
	--keyword=usage_error:2 --flag=usage_error:2:c-format \
	--keyword=WORDS \
	--sort-by-file --package-name=khaosat --msgid-bugs-address= \
	-o "$out" core/*.c cmd/*.c web/*.c &&
# The demo's narration (samples/demo.sh: t, say, tell, and step's note).
exec xgettext --from-code=UTF-8 --language=Shell --join-existing \
	--keyword --keyword=t --keyword=say --keyword=tell --keyword=step:2 \
	--flag=say:1:c-format --package-name=khaosat --msgid-bugs-address= \
	-o "$out" samples/demo.sh
