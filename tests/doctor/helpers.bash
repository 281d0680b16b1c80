# Helpers for the doctor's end-to-end tests: load with `load helpers`.
# Everything these tests create on the engine is named volown-doctor-*.

VOLOWN_ROOT=${VOLOWN_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
DOCTOR=${DOCTOR:-$VOLOWN_ROOT/build/volown-doctor}
VOLOWN=${VOLOWN:-$VOLOWN_ROOT/build/volown}
PREFIX=volown-doctor
IMAGE=$PREFIX-mailhog         # runs as mailhog (1000), no /mailhog/inbox
IMAGE_DIR=$PREFIX-mailhog-dir # the same with /mailhog/inbox owned by mailhog
export VOLOWN_ROOT DOCTOR VOLOWN

# Docker 20.10's engine behind a possibly newer client: the classic builder.
export DOCKER_BUILDKIT=0
unset COMPOSE_INTERACTIVE_NO_CLI DOCKER_HOST

require_tools() {
	[ -x "$DOCTOR" ] || { echo "$DOCTOR is missing: run make" >&2; return 1; }
	timeout 20 docker info >/dev/null 2>&1 ||
		{ echo "the Docker engine does not answer: run scripts/setup.sh" >&2; return 1; }
}

# Remove every container, network, volume and image named volown-doctor*.
doctor_cleanup() {
	local names
	names=$(docker ps -a --format '{{.Names}}' | grep "^$PREFIX" || true)
	[ -z "$names" ] || docker rm -f -v $names >/dev/null 2>&1 || true
	names=$(docker network ls --format '{{.Name}}' | grep "^$PREFIX" || true)
	[ -z "$names" ] || docker network rm $names >/dev/null 2>&1 || true
	names=$(docker volume ls --format '{{.Name}}' | grep "^$PREFIX" || true)
	[ -z "$names" ] || docker volume rm -f $names >/dev/null 2>&1 || true
	if [ "${1:-}" = images ]; then
		names=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$PREFIX" || true)
		[ -z "$names" ] || docker rmi -f $names >/dev/null 2>&1 || true
	fi
	return 0
}

# The stand-in MailHog images, FROM scratch with the static busybox.
build_images() {
	local ctx=$BATS_FILE_TMPDIR/image
	mkdir -p "$ctx"
	cp "$VOLOWN_ROOT"/examples/doctor/mailhog/{Dockerfile,MailHog} "$ctx"/
	cp "$(command -v busybox)" "$ctx"/busybox
	docker build -q -t "$IMAGE" "$ctx" >/dev/null
	mkdir -p "$ctx/dir"
	cat >"$ctx/dir/Dockerfile" <<-EOF2
		FROM $IMAGE
		USER root
		RUN mkdir -p /mailhog/inbox && chown mailhog:mailhog /mailhog/inbox
		USER mailhog
	EOF2
	docker build -q -t "$IMAGE_DIR" "$ctx/dir" >/dev/null
}

# A fresh project directory with compose.yaml from stdin; sets PROJECT and DIR.
project() {
	PROJECT=$PREFIX-$1
	DIR=$BATS_TEST_TMPDIR/$1
	mkdir -p "$DIR"
	cat >"$DIR/compose.yaml"
}

# Run the doctor on the project: sets status, output (stdout only) and JSON.
doctor() {
	run --separate-stderr "$DOCTOR" -p "$PROJECT" "$@"
	# Shown by bats only when the test fails.
	printf 'doctor exit %s\n%s\n%s\n' "$status" "$output" "$stderr"
}

doctor_json() {
	run --separate-stderr "$DOCTOR" -p "$PROJECT" --format json "$@"
	JSON=$output
}

# jq on the last JSON report.
j() {
	jq -r "$@" <<<"$JSON"
}

# Run the project's SERVICE for real with docker-compose (extra -f FILE allowed
# first): sets RAN_STATUS and RAN_OUTPUT.
run_service() {
	local svc=$1
	shift
	RAN_STATUS=0
	RAN_OUTPUT=$(cd "$DIR" && docker-compose -p "$PROJECT" -f compose.yaml "$@" \
		up --no-color --exit-code-from "$svc" "$svc" 2>&1) || RAN_STATUS=$?
	(cd "$DIR" && docker-compose -p "$PROJECT" -f compose.yaml "$@" rm -fs >/dev/null 2>&1) || true
	echo "$RAN_OUTPUT" | tail -n 5
}

# The prediction for SERVICE's mount at TARGET ("problem" or "ok") matches what
# happened when the service ran: it stored its message, or it failed to.
assert_prediction_matches() {
	local svc=$1 target=$2 verdict
	verdict=$(j --arg s "$svc" --arg t "$target" \
		'.services[] | select(.name == $s) | .mounts[] | select(.target == $t) | .verdict')
	run_service "$svc"
	case $verdict in
	ok)
		[ "$RAN_STATUS" -eq 0 ] && [[ $RAN_OUTPUT == *"MailHog: stored"* ]] ||
			{ echo "predicted ok, but the service failed: $RAN_OUTPUT" >&2; return 1; } ;;
	problem)
		[ "$RAN_STATUS" -ne 0 ] && [[ $RAN_OUTPUT == *"cannot store a message"* ]] ||
			{ echo "predicted a problem, but the service ran: $RAN_OUTPUT" >&2; return 1; } ;;
	*)
		echo "unexpected verdict '$verdict' for $svc $target" >&2
		return 1 ;;
	esac
}
