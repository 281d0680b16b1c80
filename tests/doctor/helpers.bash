# Helpers for the doctor's end-to-end tests: load with `load helpers`.
# Everything these tests create on the engine is named $PREFIX-*, a prefix unique to
# this working tree, so that runs in other trees on the same engine are left alone.

VOLOWN_ROOT=${VOLOWN_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
# The doctor under test. Every run of it goes through both-doctors, which runs it again
# built with ASan and UBSan (leaks included) and fails on any difference; DOCTOR_ASAN=
# (empty) runs DOCTOR alone (another build, an older one).
DOCTOR_PLAIN=${DOCTOR_PLAIN:-${DOCTOR:-$VOLOWN_ROOT/build/volown-doctor}}
DOCTOR_ASAN=${DOCTOR_ASAN-$VOLOWN_ROOT/build/volown-doctor-asan}
if [ -n "$DOCTOR_ASAN" ]; then
	DOCTOR=$VOLOWN_ROOT/tests/doctor/both-doctors
else
	DOCTOR=$DOCTOR_PLAIN
fi
export DOCTOR DOCTOR_PLAIN DOCTOR_ASAN
VOLOWN=${VOLOWN:-$VOLOWN_ROOT/build/volown}
# The same short id of the working tree as tests/lib/common.bash.
VOLOWN_TREE=${VOLOWN_TREE:-$(printf '%s' "$VOLOWN_ROOT" | sha256sum | cut -c1-6)}
PREFIX=volown-test-doctor-$VOLOWN_TREE
IMAGE=$PREFIX-mailhog         # runs as mailhog (1000), no /mailhog/inbox
IMAGE_DIR=$PREFIX-mailhog-dir # the same with /mailhog/inbox owned by mailhog
export VOLOWN_ROOT VOLOWN VOLOWN_TREE

# Docker 20.10's engine behind a possibly newer client: the classic builder.
export DOCKER_BUILDKIT=0
unset COMPOSE_INTERACTIVE_NO_CLI DOCKER_HOST COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES \
	COMPOSE_PATH_SEPARATOR

require_tools() {
	[ -x "$DOCTOR_PLAIN" ] || { echo "$DOCTOR_PLAIN is missing: run make" >&2; return 1; }
	if [ -n "$DOCTOR_ASAN" ]; then
		make -s -C "$VOLOWN_ROOT" asan-doctor >&2 ||
			{ echo "cannot build the doctor with ASan and UBSan (clang)" >&2; return 1; }
	fi
	timeout 20 docker info >/dev/null 2>&1 ||
		{ echo "the Docker engine does not answer: run scripts/setup.sh" >&2; return 1; }
}

# Names from stdin that start with $1 (a plain string, not a pattern).
_with_prefix() {
	awk -v p="$1" 'index($0, p) == 1'
}

# The doctor's probe containers of this run's projects (named $PREFIX-*), whoever
# left them: their label volown.doctor.project names the project.
own_probes() {
	docker ps -a --filter label=volown.doctor.probe \
		--format '{{.ID}} {{.Label "volown.doctor.project"}}' |
		awk -v p="$PREFIX" 'index($2, p) == 1 { print $1 }'
}

# Remove every container, network and volume named $PREFIX*, this run's probes, and
# with "images" the images too.
doctor_cleanup() {
	local names
	names=$( (docker ps -a --format '{{.Names}}' | _with_prefix "$PREFIX"; own_probes) || true)
	[ -z "$names" ] || docker rm -f -v $names >/dev/null 2>&1 || true
	names=$(docker network ls --format '{{.Name}}' | _with_prefix "$PREFIX" || true)
	[ -z "$names" ] || docker network rm $names >/dev/null 2>&1 || true
	names=$(docker volume ls --format '{{.Name}}' | _with_prefix "$PREFIX" || true)
	[ -z "$names" ] || docker volume rm -f $names >/dev/null 2>&1 || true
	if [ "${1:-}" = images ]; then
		names=$(docker images --format '{{.Repository}}:{{.Tag}}' | _with_prefix "$PREFIX" || true)
		[ -z "$names" ] || docker rmi -f $names >/dev/null 2>&1 || true
	fi
	return 0
}

# The stand-in MailHog images, FROM scratch with the static busybox. With "all", the
# variants the conformance corpus uses too: IMAGE_CMD (ENTRYPOINT false, CMD MailHog),
# IMAGE_VOLUME (VOLUME /mailhog/inbox, owned by root) and IMAGE_VOLOWN (started as root,
# ENTRYPOINT volown --user mailhog).
IMAGE_CMD=$PREFIX-mailhog-cmd
IMAGE_VOLUME=$PREFIX-mailhog-volume
IMAGE_VOLOWN=$PREFIX-mailhog-volown
export IMAGE IMAGE_DIR IMAGE_CMD IMAGE_VOLUME IMAGE_VOLOWN PREFIX

_build() { # NAME CONTEXT: build quietly, or show why not
	local out
	out=$(docker build -q -t "$1" "$2" 2>&1) || { echo "$out" >&2; return 1; }
}

build_images() {
	local ctx=$BATS_FILE_TMPDIR/image
	mkdir -p "$ctx"
	cp "$VOLOWN_ROOT"/examples/doctor/mailhog/{Dockerfile,MailHog} "$ctx"/
	cp "$(command -v busybox)" "$ctx"/busybox
	_build "$IMAGE" "$ctx" || return
	mkdir -p "$ctx/dir"
	cat >"$ctx/dir/Dockerfile" <<-EOF2
		FROM $IMAGE
		USER root
		RUN mkdir -p /mailhog/inbox && chown mailhog:mailhog /mailhog/inbox
		USER mailhog
	EOF2
	_build "$IMAGE_DIR" "$ctx/dir" || return
	[ "${1:-}" = all ] || return 0
	mkdir -p "$ctx/cmd" "$ctx/volume" "$ctx/volown"
	printf 'FROM %s\nENTRYPOINT ["false"]\nCMD ["MailHog"]\n' "$IMAGE" >"$ctx/cmd/Dockerfile"
	printf 'FROM %s\nUSER root\nRUN mkdir -p /mailhog/inbox\nVOLUME /mailhog/inbox\nUSER mailhog\n' \
		"$IMAGE" >"$ctx/volume/Dockerfile"
	cp "$VOLOWN" "$ctx/volown/volown"
	printf 'FROM %s\nUSER root\nCOPY volown /volown\nENTRYPOINT ["/volown", "--user", "mailhog", "--"]\nCMD ["MailHog"]\n' \
		"$IMAGE" >"$ctx/volown/Dockerfile"
	_build "$IMAGE_CMD" "$ctx/cmd" && _build "$IMAGE_VOLUME" "$ctx/volume" &&
		_build "$IMAGE_VOLOWN" "$ctx/volown"
}

# A fresh project directory with compose.yaml from stdin; sets PROJECT and DIR.
project() {
	PROJECT=$PREFIX-$1
	DIR=$BATS_TEST_TMPDIR/$1
	mkdir -p "$DIR"
	cat >"$DIR/compose.yaml"
}

# Run the doctor on the project: sets status, output (stdout only) and stderr. Fails
# when either shows "(null)": a message always names what it means.
doctor() {
	run --separate-stderr "$DOCTOR" -p "$PROJECT" "$@"
	# Shown by bats only when the test fails.
	printf 'doctor exit %s\n%s\n%s\n' "$status" "$output" "$stderr"
	no_null
}

# Run the doctor with --format json: also sets JSON, which is always a JSON report.
doctor_json() {
	run --separate-stderr "$DOCTOR" -p "$PROJECT" --format json "$@"
	JSON=$output
	no_null
	jq -e .schema <<<"$JSON" >/dev/null || { echo "not a JSON report: $JSON $stderr" >&2; return 1; }
}

no_null() {
	if [[ $output$stderr == *"(null)"* ]]; then
		echo "the doctor printed (null): $output $stderr" >&2
		return 1
	fi
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

# Every service the override FILE (in $DIR) names starts with it and exits 0: an
# override never breaks a service. Extra arguments: more -f FILE before it.
assert_override_starts() {
	local file=$1 svc n=0
	shift
	for svc in $(yq_services "$DIR/$file"); do
		n=$((n + 1))
		run_service "$svc" "$@" -f "$file"
		if [ "$RAN_STATUS" -ne 0 ]; then
			echo "service $svc does not start with the override $file: $RAN_OUTPUT" >&2
			return 1
		fi
	done
	[ "$n" -gt 0 ] || { echo "the override $file names no service" >&2; return 1; }
}

# The service names of a compose file, one a line (python3's yaml, which
# docker-compose itself uses).
yq_services() {
	python3 -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["services"]))' "$1"
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
	problem | if-written) # MailHog writes there: the user's own files too
		[ "$RAN_STATUS" -ne 0 ] && [[ $RAN_OUTPUT == *"cannot store a message"* ]] ||
			{ echo "predicted a problem, but the service ran: $RAN_OUTPUT" >&2; return 1; } ;;
	*)
		echo "unexpected verdict '$verdict' for $svc $target" >&2
		return 1 ;;
	esac
}
