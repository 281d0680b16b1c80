#!/usr/bin/env bats
# The standard streams, as `docker run -u` gives them: the runtime (runc) gives the
# container's stdin, stdout and stderr to the user before it starts the program, so
# that the program can reopen /dev/stdout, /dev/stderr and /dev/stdin (nginx logs
# through such paths). volown, started as root and dropping to the user, must give the
# program the same. Each arrangement of streams is run both ways, side by side:
#   docker run -u 1000 IMAGE probe
#   docker run -u 0 IMAGE /volown --user mailhog -- probe
# and both are compared with what the arrangement must give.

load ../lib/common

P=volown-test-streams-$VOLOWN_TREE

setup_file() {
	container_suite "$P"
}

teardown_file() {
	docker_cleanup "$P"
}

# What the program sees of its streams: owner, mode and kind of each descriptor, then
# whether it can reopen them by name (stdin only when there is something to read).
PROBE='for fd in 0 1 2; do stat -L -c "fd$fd %u:%g %a %F" /proc/self/fd/$fd; done
echo "reopened /dev/stdout" >/dev/stdout
echo "reopened /dev/stderr" >/dev/stderr
if [ "${READ_STDIN:-}" = 1 ]; then read -r line </dev/stdin && echo "reopened /dev/stdin: $line"; fi
id -u'

# probe WAY DOCKER-OPTION...: run PROBE as uid 1000 with the given docker run options,
# WAY being `runtime' (docker run -u 1000) or `volown' (as root, volown --user
# mailhog); prints the output, lines sorted (stdout and stderr interleave freely),
# without carriage returns (a terminal adds them).
probe() {
	local way=$1
	shift
	case $way in
	runtime)
		docker run --rm --network none --name "$P-$way" -u 1000 --entrypoint sh "$@" \
			"$MAILHOG_IMAGE" -c "$PROBE"
		;;
	volown)
		docker run --rm --network none --name "$P-$way" -u 0 \
			-v "$VOLOWN:/volown:ro" --entrypoint /volown "$@" \
			"$MAILHOG_IMAGE" --user mailhog -- sh -c "$PROBE"
		;;
	esac 2>&1 | tr -d '\r' | sort
}

# side_by_side EXPECTED DOCKER-OPTION...: both ways give exactly EXPECTED (sorted).
# Each run reads $INPUT on its standard input (default: nothing).
side_by_side() {
	local expected way got
	expected=$(printf '%s\n' "$1" | sort)
	shift
	for way in runtime volown; do
		got=$(printf '%s' "${INPUT:-}" | probe "$way" "$@")
		if [ "$got" != "$expected" ]; then
			echo "$way ($*) gave:" >&2
			printf '%s\n' "$got" | sed 's/^/    | /' >&2
			echo "expected:" >&2
			printf '%s\n' "$expected" | sed 's/^/    | /' >&2
			return 1
		fi
	done
}

@test "no -i, no -t: stdout and stderr are pipes given to the user; stdin is /dev/null, left alone" {
	side_by_side "fd0 0:0 666 character special file
fd1 1000:0 600 fifo
fd2 1000:0 600 fifo
reopened /dev/stdout
reopened /dev/stderr
1000"
}

@test "-i: stdin is a pipe too, and the program can reopen it" {
	INPUT=$'hello\n'
	side_by_side "fd0 1000:0 600 fifo
fd1 1000:0 600 fifo
fd2 1000:0 600 fifo
reopened /dev/stdout
reopened /dev/stderr
reopened /dev/stdin: hello
1000" -i -e READ_STDIN=1
}

@test "-t: the container's terminal is given to the user and keeps its group tty (5) and mode" {
	side_by_side "fd0 1000:5 620 character special file
fd1 1000:5 620 character special file
fd2 1000:5 620 character special file
reopened /dev/stdout
reopened /dev/stderr
1000" -t
}

@test "-it, from a terminal: the same terminal, given to the user" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	local expected way got
	expected=$(printf '%s\n' "fd0 1000:5 620 character special file" \
		"fd1 1000:5 620 character special file" "fd2 1000:5 620 character special file" \
		"reopened /dev/stdout" "reopened /dev/stderr" 1000 | sort)
	for way in runtime volown; do
		# script(1) gives the docker client a terminal of its own; the container's
		# terminal echoes what script sends it (a NUL, shown as ^@).
		got=$(P=$P PROBE=$PROBE MAILHOG_IMAGE=$MAILHOG_IMAGE VOLOWN=$VOLOWN \
			script -qec "$(declare -f probe); probe $way -it" /dev/null </dev/null |
			tr -d '\r' | sed 's/\^@//g' | grep -v '^$' | sort)
		[ "$got" = "$expected" ] || fail "$way -it gave:"$'\n'"$got"$'\n'"expected:"$'\n'"$expected"
	done
}

@test "a program that logs to /dev/stderr under volown shows in docker logs, as under docker run -u" {
	local way
	for way in runtime volown; do
		docker rm -f "$P-logs" >/dev/null 2>&1 || true
		if [ $way = runtime ]; then
			docker run -d --name "$P-logs" --network none -u 1000 --entrypoint sh \
				"$MAILHOG_IMAGE" -c 'echo "to stderr as $(id -u)" >/dev/stderr; sleep 30' >/dev/null
		else
			docker run -d --name "$P-logs" --network none -u 0 -v "$VOLOWN:/volown:ro" \
				--entrypoint /volown "$MAILHOG_IMAGE" --user mailhog -- \
				sh -c 'echo "to stderr as $(id -u)" >/dev/stderr; sleep 30' >/dev/null
		fi
		wait_for_log "$P-logs" 10 "to stderr as 1000"
		run docker logs "$P-logs"
		assert_output_lacks 'Permission denied' 'cannot create'
		docker rm -f "$P-logs" >/dev/null
	done
}

@test "volown leaves alone what runc would change but an engine never gives: a file, a named FIFO" {
	# As root in the container: a regular file and a named FIFO as stdout, /dev/null
	# as stdin. volown must not give any of them away (they could be the host's).
	run_status 0 docker run --rm --network none -u 0 -v "$VOLOWN:/volown:ro" \
		--entrypoint sh "$MAILHOG_IMAGE" -c '
		/volown --user mailhog -- stat -L -c "%u:%g" /proc/self/fd/1 >/tmp/file </dev/null
		echo "file: $(stat -c "%u:%g %a" /tmp/file) says $(cat /tmp/file)"
		mkfifo -m 0600 /tmp/fifo
		cat /tmp/fifo >/tmp/from-fifo & reader=$!
		/volown --user mailhog -- true >/tmp/fifo
		wait $reader
		echo "fifo: $(stat -c "%u:%g %a" /tmp/fifo)"
		echo "null: $(stat -c "%u:%g %a" /dev/null)"'
	assert_output_has '^file: 0:0 644 says 0:0$' '^fifo: 0:0 600$' '^null: 0:0 666$'
}

@test "setuid mode leaves the caller's streams alone" {
	# The runtime already gave the streams to the container's user; a caller's own
	# descriptors are not volown's to give. Here stdout is a pipe that root made.
	run_status 0 docker run --rm --network none -u 0 -v "$VOLOWN:/volown.src:ro" \
		--entrypoint sh "$MAILHOG_IMAGE" -c '
		cp /volown.src /usr/local/bin/volown && chmod 4755 /usr/local/bin/volown
		mkdir -p /data && echo "path = /data" >/etc/volown.conf
		su mailhog -s /bin/sh -c "volown -- stat -L -c \"stdout of %u\" /proc/self/fd/1" | cat'
	assert_output_has '^stdout of 0$'
}
