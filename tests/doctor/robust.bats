#!/usr/bin/env bats
# The doctor against hostile input and a busy engine: an alias bomb, a probe removed
# by someone else, signals in the middle of a run, two runs at once, bytes that are
# not UTF-8; and what it prints when it cannot check (exit 2).

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	require_tools
	doctor_cleanup
	build_images
}

teardown_file() {
	doctor_cleanup images
}

teardown() {
	[ -z "${PROXY_PID:-}" ] || kill "$PROXY_PID" 2>/dev/null || true
	doctor_cleanup
}

# A proxy in front of the engine (tests/doctor/engine-proxy.py ARGS): DOCKER_HOST for it.
start_proxy() {
	local sock=$BATS_TEST_TMPDIR/engine.sock
	python3 "$BATS_TEST_DIRNAME/engine-proxy.py" "$sock" "$@" &
	PROXY_PID=$!
	for _ in $(seq 50); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	PROXY_HOST=unix://$sock
}

# Nine levels of nine references, under x- keys (compose never reads them) and, with
# "used", referenced from a service too.
bomb_file() {
	local l k
	echo 'x-a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'
	for l in 1 2 3 4 5 6 7 8 9; do
		printf 'x-a%d: &a%d [' "$l" "$l"
		for k in 1 2 3 4 5 6 7 8 9; do printf '%s*a%d' "$([ "$k" = 1 ] || echo ', ')" $((l - 1)); done
		echo ']'
	done
	cat <<-EOF
		services:
		  mailhog:
		    image: $IMAGE
		    volumes: [ "inbox:/mailhog/inbox" ]
	EOF
	[ "${1:-}" != used ] || echo '    labels: *a9'
	echo 'volumes: { inbox: {} }'
}

@test "an alias bomb that a service uses: exit 2 within a second, in less than 512 MB, with a clear message" {
	project bomb < <(bomb_file used)
	cd "$DIR"
	# the build that ships, within a second and 512 MB of address space
	run --separate-stderr timeout 1 prlimit --as=$((512 << 20)) -- "$DOCTOR_PLAIN" -p "$PROJECT" --format json
	[ "$status" -eq 2 ]
	# and both builds, the same way (ASan reserves terabytes of address space: no limit)
	run --separate-stderr "$DOCTOR" -p "$PROJECT" --format json
	[ "$status" -eq 2 ]
	[[ $stderr == *"compose.yaml: its anchors and aliases expand to more than 100000 values"* ]]
	[ "$(jq -r .status <<<"$output")" = error ]
	[[ $(jq -r .error <<<"$output") == *"alias bomb"* ]]
}

@test "an alias bomb under x- keys only is never expanded, as compose never reads them" {
	project xbomb < <(bomb_file)
	cd "$DIR"
	run timeout 20 docker-compose -p "$PROJECT" config -q
	[ "$status" -eq 0 ]
	run --separate-stderr timeout 5 "$DOCTOR" -p "$PROJECT" --format json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.services[0].mounts[0].verdict' <<<"$output")" = problem ]
}

@test "a probe removed by someone else: an error for each service, never a false problem" {
	project stolen <<-EOF
		services:
		  a: { image: $IMAGE, volumes: [ "a:/mailhog/inbox" ] }
		  b: { image: $IMAGE_DIR, volumes: [ "b:/mailhog/inbox" ] }
		  c: { image: $IMAGE_DIR, tmpfs: /mailhog/inbox }
		volumes: { a: {}, b: {} }
	EOF
	cd "$DIR"
	start_proxy --remove-created
	DOCKER_HOST=$PROXY_HOST doctor_json
	[ "$status" -eq 2 ]
	[ "$(j '.problems')" = 0 ]
	[ "$(j '[.services[] | select(.status == "error")] | length')" = 3 ]
	[[ $(j '.services[0].error') == *"was removed while it was read (by another program?)"* ]]
	# Through the real engine, the same file has its real problem.
	doctor_json
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
}

# Ten services behind a slow engine; SIG arrives at DOCTOR once a probe exists.
interrupted_run() {
	local sig=$1 doctor=$2 pid i n
	"$VOLOWN_ROOT/scripts/default-signals" env DOCKER_HOST="$PROXY_HOST" \
		ASAN_OPTIONS=detect_leaks=1:exitcode=99 "$doctor" -p "$PROJECT" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/stderr" &
	pid=$!
	for i in $(seq 100); do
		n=$(own_probes | wc -l)
		[ "$n" -gt 0 ] && break
		sleep 0.05
	done
	[ "$n" -gt 0 ] || { echo "no probe appeared" >&2; return 1; }
	kill -s "$sig" "$pid"
	wait "$pid" && status=0 || status=$?
}

@test "SIGTERM and SIGINT remove the run's probes, and the doctor dies of the signal" {
	{
		echo "services:"
		for i in 0 1 2 3 4 5 6 7 8 9; do
			echo "  s$i: { image: $IMAGE, volumes: [ \"v$i:/mailhog/inbox\" ] }"
		done
		echo "volumes: { v0: {}, v1: {}, v2: {}, v3: {}, v4: {}, v5: {}, v6: {}, v7: {}, v8: {}, v9: {} }"
	} >"$BATS_TEST_TMPDIR/file"
	project signals <"$BATS_TEST_TMPDIR/file"
	cd "$DIR"
	start_proxy --delay 0.2
	# the build that ships, then the sanitized one (its leak check must stay quiet)
	for run in "TERM $DOCTOR_PLAIN" "INT $DOCTOR_PLAIN" "TERM ${DOCTOR_ASAN:-$DOCTOR_PLAIN}" \
		"INT ${DOCTOR_ASAN:-$DOCTOR_PLAIN}"; do
		sig=${run%% *}
		interrupted_run "$sig" "${run#* }"
		want=$((128 + $(kill -l "$sig")))
		[ "$status" -eq "$want" ] || { echo "SIG$sig: exit $status, not $want" >&2; false; }
		[ -z "$(own_probes)" ] || { echo "SIG$sig left probes: $(own_probes)" >&2; false; }
		grep -q "interrupted" "$BATS_TEST_TMPDIR/stderr"
		run ! grep -q Sanitizer "$BATS_TEST_TMPDIR/stderr"
	done
}

@test "two runs at once on the same project: probe names unique per run, both finish" {
	project twice <<-EOF
		services:
		  a: { image: $IMAGE, volumes: [ "a:/mailhog/inbox" ] }
		  b: { image: $IMAGE, volumes: [ "b:/mailhog/inbox" ] }
		  c: { image: $IMAGE, volumes: [ "c:/mailhog/inbox" ] }
		volumes: { a: {}, b: {}, c: {} }
	EOF
	cd "$DIR"
	start_proxy --delay 0.2
	# the two builds at once (the sanitized one checks its leaks)
	DOCKER_HOST=$PROXY_HOST "$DOCTOR_PLAIN" -p "$PROJECT" >"$BATS_TEST_TMPDIR/one" 2>&1 &
	one=$!
	DOCKER_HOST=$PROXY_HOST ASAN_OPTIONS=detect_leaks=1:exitcode=99 "${DOCTOR_ASAN:-$DOCTOR_PLAIN}" \
		-p "$PROJECT" >"$BATS_TEST_TMPDIR/two" 2>&1 &
	two=$!
	seen=
	while kill -0 "$one" 2>/dev/null || kill -0 "$two" 2>/dev/null; do
		seen+=$(docker ps -a --filter label=volown.doctor.project="$PROJECT" \
			--format '{{.Names}} {{.Label "volown.doctor.run"}}')$'\n'
	done
	wait "$one" && s1=0 || s1=$?
	wait "$two" && s2=0 || s2=$?
	[ "$s1" -eq 1 ] && [ "$s2" -eq 1 ] || { cat "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two" >&2; false; }
	names=$(grep -v '^$' <<<"$seen" | sort -u)
	echo "$names"
	# every name carries its run's id, and two runs were seen
	[ -n "$names" ]
	while read -r name run; do
		[[ $name =~ ^volown-probe-$PROJECT-([0-9a-f]{16})-[0-9]+$ ]]
		[ "${BASH_REMATCH[1]}" = "$run" ]
	done <<<"$names"
	[ "$(awk '{print $2}' <<<"$names" | sort -u | wc -l)" -eq 2 ]
	[ -z "$(own_probes)" ]
}

@test "the tests' cleanup removes this run's probes only" {
	other=$(docker create --label volown.doctor.probe=1 --label volown.doctor.project=someone-else \
		--name "volown-probe-someone-else-$VOLOWN_TREE" --entrypoint /none "$IMAGE")
	mine=$(docker create --label volown.doctor.probe=1 --label volown.doctor.project="$PREFIX-x" \
		--name "volown-probe-$PREFIX-x-0" --entrypoint /none "$IMAGE")
	doctor_cleanup
	left=$(docker ps -aq --no-trunc --filter id="$other" --filter id="$mine")
	docker rm -f "$other" >/dev/null
	[ "$left" = "$other" ]
}

@test "bytes that are not UTF-8, and a NUL byte, are reported at their line and column" {
	project bytes <<-EOF
		services:
		  a:
		    image: $IMAGE
	EOF
	printf '    user: "\xff"\n' >>"$DIR/compose.yaml"
	cd "$DIR"
	doctor
	[ "$status" -eq 2 ]
	[[ $stderr == "volown doctor: compose.yaml:4:12: invalid leading UTF-8 octet"* ]]
	printf 'services:\n  a:\n    image: x\0y\n' >"$DIR/compose.yaml"
	doctor
	[ "$status" -eq 2 ]
	[[ $stderr == "volown doctor: compose.yaml:3:13: control characters are not allowed"* ]]
	printf 'A=1\nB=\xc3(\n' >"$DIR/.env"
	printf 'services:\n  a: { image: %s }\n' "$IMAGE" >"$DIR/compose.yaml"
	doctor
	[ "$status" -eq 2 ]
	[[ $stderr == "volown doctor: .env:2:3: not valid UTF-8"* ]]
}

@test "--format json prints a JSON error object on exit 2, whatever stopped it" {
	project jsonerr <<-EOF
		services:
		  a: { image: [unclosed
	EOF
	cd "$DIR"
	for args in "" "--no-such-option" "-f missing.yaml"; do
		run --separate-stderr "$DOCTOR" -p "$PROJECT" $args --format json
		[ "$status" -eq 2 ]
		[ "$(jq -r '.schema + " " + .status' <<<"$output")" = "volown-doctor/1 error" ]
		[ "$(jq -r .error <<<"$output")" = "${stderr#volown doctor: }" ]
	done
	printf 'services:\n  a: { image: %s }\n' "$IMAGE" >compose.yaml
	DOCKER_HOST=unix://$DIR/none.sock run --separate-stderr "$DOCTOR" --format json
	[ "$status" -eq 2 ]
	[[ $(jq -r .error <<<"$output") == *"does not answer on unix://$DIR/none.sock"* ]]
}

@test "--write-override when nothing could be checked says so, not \"no problem to fix\"" {
	project unchecked <<-EOF
		services:
		  app: { image: $PREFIX-never-built, volumes: [ "d:/data" ] }
		volumes: { d: {} }
	EOF
	cd "$DIR"
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 2 ]
	[[ $stderr == *'1 service could not be checked, so nothing is known to fix: "volown.override.yaml" not written'* ]]
	[[ $stderr != *"no problem to fix"* ]]
	[ ! -e volown.override.yaml ]
}

@test "the same warning for many services is printed once, with their names" {
	{
		echo "services:"
		for s in a b c; do echo "  $s: { image: $IMAGE, user: root }"; done
		echo "  e: { image: $IMAGE }"
	} >"$BATS_TEST_TMPDIR/file"
	project grouped <"$BATS_TEST_TMPDIR/file"
	cd "$DIR"
	doctor
	[ "$status" -eq 0 ]
	[ "$(grep -c 'anything that takes over' <<<"$output")" -eq 1 ]
	[[ $output == *"WARNING [1] for 3 services (a, b, c): the program runs as root"* ]]
	[ "$(grep -c 'WARNING \[1\], shared with other services: see the end' <<<"$output")" -eq 3 ]
	[[ $output == *"0 problems, 3 warnings."* ]]
}
