#!/usr/bin/env bats
# An existing volume whose entries have mixed owners (an earlier image version that ran
# as root, files restored from a backup, ...) gets fixed, and only owners change:
# modes, contents, timestamps and whatever a symbolic link points to stay as they were.

load ../lib/common

P=volown-test-own-$VOLOWN_TREE

setup_file() {
	container_suite "$P"
}

teardown_file() {
	docker_cleanup "$P"
}

# Fill the project's volume, as root, with entries of every kind and many owners.
populate() {
	local project=$1
	run_status 0 compose "$project" seed.yaml -- run --rm -T --user 0 --entrypoint sh mailhog -c '
		set -e
		cd /mailhog/inbox
		mkdir -p old/cur old/new "name with spaces"
		echo one >old/cur/1@example; echo two >old/new/2@example; echo three >"name with spaces/3"
		mkfifo old/fifo
		ln -s /etc/group link-out
		ln -s old/cur/1@example link-in
		chown 0:0 old/cur/1@example
		chown 1000:0 old/new/2@example
		chown 0:1000 "name with spaces/3"
		chown 1234:5678 old/cur
		chown 65534:65534 old/fifo
		chmod 0700 old/cur; chmod 0640 old/new/2@example; chmod 0600 old/fifo
		chown -h 4321:4321 link-out
		touch -d "2001-02-03 04:05:06" old/cur/1@example old/new/2@example'
}

# Mode, size, mtime, link target and content of every entry but the volume's root and
# the stand-in's messages: what must not change.
fingerprint() {
	volume_sh "$1" '
		find /v -mindepth 1 ! -name "*@mailhog.example" | sort | while IFS= read -r f; do
			printf "%s %s\n" "$(stat -c "%a %s %Y %F" "$f")" "$f"
			if [ -L "$f" ]; then readlink "$f"; elif [ -f "$f" ]; then md5sum <"$f"; fi
		done'
}

check_mixed() {
	local mode=$1 project=$P-$1 vol before after
	vol=${project}_mailhog-storage
	populate "$project"
	run volume_entries "$vol"
	assert_output_has '^0:0 ' '^1234:5678 ' '^65534:65534 ' '^4321:4321 '
	before=$(fingerprint "$vol")
	run_status 0 compose "$project" seed.yaml "$mode.yaml" -- up --no-color --exit-code-from mailhog
	assert_output_has 'volown: /mailhog/inbox: 1[0-9] entries checked, [1-9][0-9]? changed'
	assert_mailhog_unprivileged
	assert_volume_owned_by_mailhog "$vol"
	after=$(fingerprint "$vol")
	[ "$before" = "$after" ] || {
		diff <(echo "$before") <(echo "$after") >&2
		fail "modes, sizes, timestamps, link targets or contents changed"
	}
	# The symbolic link to the image's /etc/group was changed itself, not followed.
	run docker diff "${project}_mailhog_1"
	assert_output_lacks '/etc'
	run docker run --rm --network none --user 0 --entrypoint stat "$MAILHOG_IMAGE" -c '%u:%g' /etc/group
	[ "$output" = 0:0 ] || { show_output; fail "the image's /etc/group changed owner"; }
}

@test "baked: an existing volume with mixed owners is fixed, and nothing but owners changes" {
	check_mixed baked
}

@test "bind-mounted: an existing volume with mixed owners is fixed, and nothing but owners changes" {
	check_mixed bind
}

@test "a volume on which volown has already run is fixed again after the image wrote as root" {
	local project=$P-again vol
	vol=${project}_mailhog-storage
	run_status 0 compose "$project" seed.yaml baked.yaml -- up --no-color --exit-code-from mailhog
	populate "$project"
	run_status 0 docker start -a "${project}_mailhog_1"
	assert_output_has 'volown: /mailhog/inbox: [0-9]+ entr(y|ies) checked, [1-9][0-9]? changed'
	assert_volume_owned_by_mailhog "$vol"
}
