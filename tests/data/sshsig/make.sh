#!/bin/sh
# Makes the SSH signature test vectors of tests/unit/sshsig.c, once, with
# ssh-keygen and git (run again, it makes new keys and so new files; the
# unit test needs neither tool).  The private keys are not kept.
#
#   sh tests/data/sshsig/make.sh
#
# key.pub, other.pub     two ed25519 keys
# rsa.pub, ecdsa.pub     keys of types khaosat does not check
# NAME.fpr               ssh-keygen -lf NAME.pub, for each of them
# message                the data signed below
# message.sig            key, namespace git, sha512 (ssh-keygen's default)
# message.sha256.sig     key, namespace git, sha256
# message.file.sig       key, namespace file
# message.other.sig      other, namespace git
# message.rsa.sig        rsa, namespace git
# message.ecdsa.sig      ecdsa, namespace git
# commit                 a commit signed by key (git cat-file commit)
# commit.id              its id (git rev-parse HEAD)
# commit.payload         what git gives ssh-keygen to check of it
# allowed_signers        key for test@khaosat.invalid, for ssh-keygen -Y verify
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$dir"

ssh-keygen -q -t ed25519 -N "" -C test@khaosat.invalid -f "$tmp/key"
ssh-keygen -q -t ed25519 -N "" -C other@khaosat.invalid -f "$tmp/other"
ssh-keygen -q -t rsa -b 2048 -N "" -C rsa@khaosat.invalid -f "$tmp/rsa"
ssh-keygen -q -t ecdsa -N "" -C ecdsa@khaosat.invalid -f "$tmp/ecdsa"
for k in key other rsa ecdsa; do
	cp "$tmp/$k.pub" "$k.pub"
	ssh-keygen -lf "$k.pub" >"$k.fpr"
done
echo "test@khaosat.invalid namespaces=\"git\" $(cut -d' ' -f1,2 key.pub)" \
	>allowed_signers

printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@khaosat.invalid> 1700000000 +0700\n\nA message to sign\n' >message
sign() { # OUT KEY NAMESPACE [OPTION...]
	out=$1 key=$2 ns=$3
	shift 3
	ssh-keygen -q -Y sign -n "$ns" -f "$tmp/$key" "$@" <message >"$out"
}
sign message.sig key git
sign message.sha256.sig key git -O hashalg=sha256
sign message.file.sig key file
sign message.other.sig other git
sign message.rsa.sig rsa git
sign message.ecdsa.sig ecdsa git

git init -q "$tmp/repo"
(
	cd "$tmp/repo"
	export GIT_AUTHOR_DATE='1700000000 +0700' GIT_COMMITTER_DATE='1700000000 +0700'
	echo survey >file
	git add file
	git -c user.name=Test -c user.email=test@khaosat.invalid \
		-c gpg.format=ssh -c user.signingkey="$tmp/key" \
		commit -q -S -m "A signed commit"
	git cat-file commit HEAD >"$dir/commit"
	git rev-parse HEAD >"$dir/commit.id"
	# the commit without its gpgsig header (and the header's continuation
	# lines): the bytes the signature covers
	git cat-file commit HEAD | awk '
		/^gpgsig / { skip = 1; next }
		skip && /^ / { next }
		{ skip = 0; print }' >"$dir/commit.payload"
)
