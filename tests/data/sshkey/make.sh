#!/bin/sh
# Makes the test vectors of tests/unit/sshkey.c, once, with ssh-keygen (run
# again, it makes new keys and so new files).  These keys sign nothing but
# these tests: the private ones are kept here on purpose.
#
#   sh tests/data/sshkey/make.sh
#
# key, key.pub           an ed25519 key without a passphrase
# locked                 an ed25519 key with the passphrase "khaosat"
# rsa                    an RSA key without a passphrase
# message                the data signed below
# message.sig            ssh-keygen -Y sign -n git -f key message
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"
rm -f key key.pub locked locked.pub rsa rsa.pub message message.sig
ssh-keygen -q -t ed25519 -N "" -C test@khaosat.invalid -f key
ssh-keygen -q -t ed25519 -N khaosat -C locked@khaosat.invalid -f locked
ssh-keygen -q -t rsa -b 1024 -N "" -C rsa@khaosat.invalid -f rsa
rm -f locked.pub rsa.pub
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@khaosat.invalid> 1700000000 +0700\n\nA message to sign\n' >message
ssh-keygen -q -Y sign -n git -f key message
