#!/usr/bin/env bats
# The conformance corpus (tests/doctor/conformance/, one small project per feature of
# compose 1.29 that decides a mount's owner): the doctor reads each one exactly as
# `docker-compose config` does, and a real `docker-compose up` of each shows that its
# predictions, names and paths are the engine's (tests/doctor/conformance.py).

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	require_tools
	doctor_cleanup
	build_images all
	# Every case at once, a few in parallel: each test below reads its own result.
	python3 "$BATS_TEST_DIRNAME/conformance.py" "$BATS_TEST_DIRNAME/conformance" \
		"$BATS_FILE_TMPDIR/results" >"$BATS_FILE_TMPDIR/conformance.log" 2>&1
}

teardown_file() {
	doctor_cleanup images
}

# The case's result: "ok", or what differed (shown when the test fails).
conforms() {
	local result=$BATS_FILE_TMPDIR/results/$1
	[ -f "$result" ] || { echo "no result for $1:"; cat "$BATS_FILE_TMPDIR/conformance.log"; return 1; } >&2
	[ "$(cat "$result")" = ok ] || { cat "$result" >&2; return 1; }
}

@test "01-override-file: docker-compose.override.yml is merged when no -f is given" {
	conforms 01-override-file
}

@test "02-both-names: with compose.yaml and docker-compose.yml both there, compose 1.29 reads docker-compose.yml" {
	conforms 02-both-names
}

@test "03-compose-file: COMPOSE_FILE names the files, split at :" {
	conforms 03-compose-file
}

@test "04-path-separator: COMPOSE_FILE and COMPOSE_PATH_SEPARATOR from .env" {
	conforms 04-path-separator
}

@test "05-project-name: COMPOSE_PROJECT_NAME from .env, normalised, names the volumes" {
	conforms 05-project-name
}

@test "06-parent-dir: the file is found in a parent directory, and its paths resolve there" {
	conforms 06-parent-dir
}

@test "07-extends-same-file: extends a service of the same file" {
	conforms 07-extends-same-file
}

@test "08-extends-other-file: extends a service of another file, whose relative paths resolve against it" {
	conforms 08-extends-other-file
}

@test "09-version-1: the version-1 format (no services:), volumes not declared nor prefixed" {
	conforms 09-version-1
}

@test "10-two-documents: two documents in one file are refused" {
	conforms 10-two-documents
}

@test "11-missing-env-file: a missing env_file is refused" {
	conforms 11-missing-env-file
}

@test "12-dotenv: .env with quotes, export and comments after values" {
	conforms 12-dotenv
}

@test "13-unset-gid: user \"\${UID}:\${GID}\" with GID unset is \"1000:\", which the engine runs" {
	conforms 13-unset-gid
}

@test "14-yaml11-booleans: YAML 1.1 booleans (yes, TRUE, \"off\") in read_only" {
	conforms 14-yaml11-booleans
}

@test "15-empty-entrypoint: entrypoint \"\" and [] keep the image's CMD" {
	conforms 15-empty-entrypoint
}

@test "16-profiles: a service of a profile that is not enabled is not started, nor checked" {
	conforms 16-profiles
}

@test "17-extension-fields: top-level x- fields are not interpolated" {
	conforms 17-extension-fields
}

@test "18-image-volume: a VOLUME declared only in the image is an anonymous volume" {
	conforms 18-image-volume
}

@test "19-volumes-from: volumes_from another service gives its mounts as they are" {
	conforms 19-volumes-from
}

@test "20-shared-volume: a named volume shared by two services is filled by the first one started" {
	conforms 20-shared-volume
}

@test "21-bind-device: a named volume bound to a host directory (driver_opts o=bind)" {
	conforms 21-bind-device
}

@test "22-tmpfs-mode: tmpfs.mode in the long syntax is refused, as compose 1.29 refuses it" {
	conforms 22-tmpfs-mode
}

@test "23-short-ro: \"/srv:ro\" binds /srv at \"ro\", which the engine refuses" {
	conforms 23-short-ro
}

@test "24-user-switch: an entrypoint that switches user is judged for the user it switches to" {
	conforms 24-user-switch
}

@test "25-merge: several -f: volumes merge by target, tmpfs concatenates, cap_add unites" {
	conforms 25-merge
}

@test "26-user-number: a user: that is a YAML number is refused" {
	conforms 26-user-number
}

@test "27-version-number: an unquoted version: 3.8 is a number, and refused" {
	conforms 27-version-number
}

