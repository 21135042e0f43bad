#!/bin/sh
# Help is generated from each command's option table; the man page must
# list the same options for every command, and nothing more.
. "$(dirname "$0")/lib.sh"

man=$KHAOSAT_TOP/man/khaosat.1

# Long options in `khaosat help CMD`, one per line, sorted.
help_options() {
	khaosat help "$1" >help.out &&
	sed -n 's/^ *\(-., \)*--\([a-z-]*\).*/\2/p' help.out |
		grep -v '^help$' | sort -u
}

# Long options in the man page's section(s) for CMD, sorted.
man_options() {
	awk -v cmd="$1" '
		/^\.SS / { on = index($0, "\"khaosat " cmd " ") > 0 ||
			       index($0, "\"khaosat " cmd "\"") > 0; next }
		/^\.S[HS] / { on = 0 }
		on && /^\.(TP|B|BI|IP)/ { print }
	' "$man" | sed -n 's/.*\\-\\-\([a-z\\-]*\).*/\1/p' | sed 's/\\-/-/g' |
		sort -u
}

for cmd in init clone new edit delete check fmt status commit log show diff history blame merge conflicts resolve sync remote bundle verify stats dupes find export serve; do
	test_expect_success "man page and --help agree on '$cmd'" "
		help_options $cmd >from-help &&
		man_options $cmd >from-man &&
		test_cmp from-help from-man
	"
done

test_expect_success 'every command of the table is in the man page' '
	khaosat help >all.out &&
	sed -n "s/^  \([a-z]*\) .*/\1/p" all.out >commands &&
	test -s commands &&
	while read c; do
		grep -q "^\.SS \"khaosat $c" "$man" || { echo "missing: $c"; exit 1; }
	done <commands
'

test_expect_success 'CMD --help and help CMD print the same' '
	khaosat check --help >a &&
	khaosat help check >b &&
	test_cmp a b
'

test_expect_success 'an unknown option is a usage error (exit 2)' '
	test_expect_code 2 khaosat check --no-such-option 2>err &&
	grep -q "^error: unknown option '"'"'--no-such-option'"'"'" err
'

test_expect_success 'an unknown command is a usage error (exit 2)' '
	test_expect_code 2 khaosat frobnicate 2>err &&
	test_cmp - err <<-\EOT
	error: unknown command '"'"'frobnicate'"'"'; see '"'"'khaosat help'"'"'
	EOT
'

test_done
