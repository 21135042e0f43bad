# Real servers on 127.0.0.1 and free ports for the LAN tests, sourced
# after lib.sh by a script that sets SRV (their folder, with repos/ and
# www/ in it) and BACKEND (git http-backend): lighttpd in front of git
# http-backend (smart HTTP, with and without basic auth, a flaky hub), an
# unprivileged sshd, an ssh-agent.  The script stops them with
# stop_servers, in its EXIT trap.

find_tool() {
	command -v "$1" 2>/dev/null ||
		{ [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; }
}
HTTPD=$(find_tool lighttpd)
SSHD=$(find_tool sshd)

# ---- servers: started and stopped outside the case bodies ----

random_port() {
	echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d " ") % 30000 + 20000))
}

# A process that runs (a zombie whose parent is gone does not).  Its
# state is read once: a process reaped between a look at /proc and the
# read of its state is gone, not running.
alive() {
	[ -n "$1" ] &&
		alive_state_=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) &&
		[ -n "$alive_state_" ] && [ "$alive_state_" != Z ]
}

# stop_server NAME: kills the server whose pid is in $SRV/NAME.pid.
stop_server() {
	[ -f "$SRV/$1.pid" ] || return 0
	stop_pid_=$(cat "$SRV/$1.pid")
	rm -f "$SRV/$1.pid"
	alive "$stop_pid_" || return 0
	kill "$stop_pid_" 2>/dev/null
	stop_n_=0
	while alive "$stop_pid_" && [ $stop_n_ -lt 50 ]; do
		sleep 0.1
		stop_n_=$((stop_n_ + 1))
	done
	if alive "$stop_pid_"; then
		kill -9 "$stop_pid_" 2>/dev/null
		sleep 0.2
	fi
	! alive "$stop_pid_"
}

stop_servers() {
	stop_server httpd
	stop_server sshd
	stop_server agent
}

# wait_started NAME PID PATTERN: until the log says PATTERN, or PID ends.
wait_started() {
	wait_n_=0
	while [ $wait_n_ -lt 100 ]; do
		grep -q "$3" "$SRV/$1.log" 2>/dev/null && return 0
		alive "$2" || return 1
		sleep 0.1
		wait_n_=$((wait_n_ + 1))
	done
	return 1
}

httpd_conf() {
	cat >"$SRV/httpd.conf" <<EOF
server.modules = ( "mod_alias", "mod_setenv", "mod_cgi", "mod_auth", "mod_authn_file" )
server.document-root = "$SRV/www"
server.bind = "127.0.0.1"
server.port = $1
server.errorlog = "$SRV/httpd.log"
alias.url = ( "/git/" => "$BACKEND/", "/private/" => "$BACKEND/",
	"/flaky/" => "$SRV/flaky.cgi/" )
\$HTTP["url"] =~ "^/(git|private|flaky)/" {
	cgi.assign = ( "" => "" )
	setenv.add-environment = ( "GIT_PROJECT_ROOT" => "$SRV/repos",
		"GIT_HTTP_EXPORT_ALL" => "", "GIT_CONFIG_NOSYSTEM" => "1" )
}
\$HTTP["url"] =~ "^/private/" {
	auth.backend = "plain"
	auth.backend.plain.userfile = "$SRV/users"
	auth.require = ( "" => ( "method" => "basic", "realm" => "hub",
		"require" => "valid-user" ) )
}
EOF
}

# The flaky hub: git http-backend, except that while $SRV/flaky.mode says
# "cut" it sends half of a fetch's answer and ends, and while it says
# "kill" it sends half and then kills the web server.
flaky_cgi() {
	cat >"$SRV/flaky.cgi" <<EOF
#!/bin/sh
PATH=/usr/bin:/bin
mode=\$(cat "$SRV/flaky.mode" 2>/dev/null)
case "\$REQUEST_METHOD:\$PATH_INFO:\$mode" in
POST:*/git-upload-pack:cut | POST:*/git-upload-pack:kill)
	"$BACKEND" >"$SRV/flaky.full" || exit 1
	size=\$(wc -c <"$SRV/flaky.full")
	echo \$size >>"$SRV/flaky.sizes"
	head -c \$((size / 2)) "$SRV/flaky.full"
	if [ "\$mode" = kill ]; then
		sleep 0.3
		kill -9 \$PPID
	fi
	kill -9 \$\$
	;;
esac
exec "$BACKEND"
EOF
	chmod +x "$SRV/flaky.cgi"
}

# http_start [PORT]: lighttpd on PORT (a free one when not given); the
# port is written to $SRV/http.port.
http_start() {
	[ -n "$HTTPD" ] || return 1
	http_try_=0
	while [ $http_try_ -lt 20 ]; do
		http_try_=$((http_try_ + 1))
		http_port_=${1:-$(random_port)}
		httpd_conf "$http_port_" &&
			flaky_cgi &&
			: >"$SRV/httpd.log" || return 1
		"$HTTPD" -D -f "$SRV/httpd.conf" </dev/null >>"$SRV/httpd.out" 2>&1 3>&- &
		echo $! >"$SRV/httpd.pid"
		if wait_started httpd $! "server started"; then
			echo "$http_port_" >"$SRV/http.port"
			return 0
		fi
		stop_server httpd
		# The given port may still be closing: try it again a little later.
		[ -n "$1" ] && sleep 0.5
	done
	cat "$SRV/httpd.log" "$SRV/httpd.out" >&2
	return 1
}

# sshd_start: an unprivileged sshd for this user with keys in $SRV.
sshd_start() {
	[ -n "$SSHD" ] || return 1
	# As root, sshd's privilege separation needs its (empty) folder.
	if [ "$(id -u)" = 0 ] && ! [ -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd || return 1
	fi
	ssh_try_=0
	while [ $ssh_try_ -lt 20 ]; do
		ssh_try_=$((ssh_try_ + 1))
		ssh_port_=$(random_port)
		cat >"$SRV/sshd_config" <<EOF
Port $ssh_port_
ListenAddress 127.0.0.1
HostKey $SRV/ssh_host_ed25519_key
PidFile $SRV/sshd.pidfile
AuthorizedKeysFile $SRV/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
LogLevel VERBOSE
EOF
		: >"$SRV/sshd.log"
		"$SSHD" -D -e -f "$SRV/sshd_config" </dev/null >>"$SRV/sshd.log" 2>&1 3>&- &
		echo $! >"$SRV/sshd.pid"
		if wait_started sshd $! "Server listening on"; then
			echo "$ssh_port_" >"$SRV/ssh.port"
			return 0
		fi
		stop_server sshd
	done
	cat "$SRV/sshd.log" >&2
	return 1
}

# agent_start: an ssh-agent on $SRV/agent.sock, without keys.
agent_start() {
	stop_server agent
	rm -f "$SRV/agent.sock"
	ssh-agent -D -a "$SRV/agent.sock" </dev/null >"$SRV/agent.log" 2>&1 3>&- &
	echo $! >"$SRV/agent.pid"
	agent_n_=0
	while ! [ -S "$SRV/agent.sock" ]; do
		alive "$(cat "$SRV/agent.pid")" && [ $agent_n_ -lt 50 ] || return 1
		sleep 0.1
		agent_n_=$((agent_n_ + 1))
	done
}

# http_available: lighttpd started in front of git http-backend; else the
# HTTP cases are said to be skipped, and 1.
http_available() {
	if [ -z "$HTTPD" ] || ! [ -x "$BACKEND" ]; then
		test_skip "lighttpd or git http-backend is not installed (Debian packages lighttpd, git): the HTTP cases did not run"
		return 1
	fi
	if ! (http_start 2>"$SRV/start.err"); then
		test_skip "lighttpd did not start: the HTTP cases did not run"
		say_indented "$SRV/start.err"
		return 1
	fi
}
