#!/usr/bin/env bats
# volown doctor against the real engine and the real docker-compose: each
# scenario checks the prediction, then runs the service and checks that the
# prediction matched what happened.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	require_tools
	doctor_cleanup images
	build_images
}

teardown_file() {
	doctor_cleanup images
}

teardown() {
	doctor_cleanup
}

# The original review's compose file, image built locally.
seed_file() {
	cat <<-EOF
		services:
		  mailhog:
		    image: ${1:-$IMAGE}
		    volumes:
		      - type: volume
		        source: mailhog-storage
		        target: /mailhog/inbox
		    environment:
		      MH_UI_WEB_PATH: mailhog
		      MH_STORAGE: maildir
		      MH_MAILDIR_PATH: /mailhog/inbox

		volumes:
		  mailhog-storage:
		    driver: local
	EOF
}

@test "seed: a new volume where the image has no directory is root:root 0755, mailhog cannot write" {
	project seed < <(seed_file)
	cd "$DIR"
	doctor
	[ "$status" -eq 1 ]
	[[ $output == *"PROBLEM /mailhog/inbox"* ]]
	[[ $output == *"1. Ask first whether /mailhog/inbox needs a mount"* ]]
	doctor_json
	[[ $(j '.services[0].mounts[0].reason') == *"creates its root as root:root 0755"* ]]
	[ "$(j '.services[0].fixes | map(.kind) | join(",")')" = no-volume,volown,dockerfile ]
	[[ $(j '.services[0].fixes[1].text') == *"--user mailhog --path /mailhog/inbox --"* ]]
	[ "$(j '.services[0].mounts[0].origin')" = volume-new ]
	[ "$(j '.services[0].mounts[0].predicted.uid')" = 0 ]
	[ "$(j '.services[0].user.uid')" = 1000 ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "seed: the written override makes docker-compose up store the message as uid 1000" {
	project override < <(seed_file)
	cd "$DIR"
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	[ -x "$VOLOWN" ] || skip "build/volown is not built yet"
	grep -q 'entrypoint: \["/volown", "--user", "mailhog", "--path", "/mailhog/inbox", "--"\]' volown.override.yaml
	grep -q 'command: \["MailHog"\]' volown.override.yaml
	# The JSON fix carries the same override fragment as the file.
	doctor_json --volown-binary "$VOLOWN"
	[ "$(j -c '.services[0].fixes[] | select(.kind == "volown") | .override')" = \
		"$(python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))["services"]["mailhog"], separators=(",", ":")))' volown.override.yaml)" ]
	assert_override_starts volown.override.yaml
	[[ $RAN_OUTPUT == *"stored /mailhog/inbox/message-"*", owner uid 1000, running as uid 1000"* ]]
	# The user's own file is untouched.
	seed_file | cmp - compose.yaml
}

@test "an image that pre-creates the directory owned by its user: the new volume copies it, no problem" {
	project dir < <(seed_file "$IMAGE_DIR")
	cd "$DIR"
	doctor
	[ "$status" -eq 0 ]
	[[ $output == *"ok      /mailhog/inbox"* ]]
	doctor_json
	[ "$(j '.services[0].mounts[0].origin')" = volume-copied-from-image ]
	[ "$(j '.services[0].mounts[0].predicted.uid')" = 1000 ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "an existing root-owned volume that holds data is not copied into: problem with the same image" {
	project kept < <(seed_file "$IMAGE_DIR")
	docker volume create "$PROJECT"_mailhog-storage >/dev/null
	docker run --rm -u 0 --entrypoint touch -v "$PROJECT"_mailhog-storage:/v "$IMAGE" /v/old-data
	cd "$DIR"
	doctor
	[ "$status" -eq 1 ]
	doctor_json
	[[ $(j '.services[0].mounts[0].reason') == *"already exists and is not empty"* ]]
	[[ $(j '.services[0].fixes[2].text') == *"would not help"* ]]
	[ "$(j '.services[0].mounts[0].origin')" = volume-kept ]
	[ "$(j '.services[0].mounts[0].existing_empty')" = false ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "an existing root-owned volume that is empty is copied into on its next mount: no problem" {
	project empty < <(seed_file "$IMAGE_DIR")
	# Mounted once where the image has no such directory: root:root 0755, empty.
	docker run --rm --entrypoint true -v "$PROJECT"_mailhog-storage:/elsewhere "$IMAGE"
	[ "$(stat -c %u "$(docker volume inspect -f '{{.Mountpoint}}' "$PROJECT"_mailhog-storage)")" = 0 ]
	cd "$DIR"
	doctor_json
	[ "$status" -eq 0 ]
	[ "$(j '.services[0].mounts[0].existing.uid')" = 0 ]
	[ "$(j '.services[0].mounts[0].existing_empty')" = true ]
	[ "$(j '.services[0].mounts[0].origin')" = volume-copied-from-image ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "nocopy: the image's directory is not copied, the new volume is root:root 0755" {
	project nocopy <<-EOF
		services:
		  mailhog:
		    image: $IMAGE_DIR
		    volumes:
		      - type: volume
		        source: store
		        target: /mailhog/inbox
		        volume:
		          nocopy: true
		volumes:
		  store:
	EOF
	cd "$DIR"
	doctor_json
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].nocopy')" = true ]
	[ "$(j '.services[0].mounts[0].origin')" = volume-new ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "a bind mount of a root-owned host directory: a problem only if written, the host chown is proposed" {
	project bind <<-EOF
		services:
		  mailhog:
		    image: $IMAGE
		    volumes:
		      - ./inbox:/mailhog/inbox
	EOF
	mkdir -m 0755 "$DIR/inbox"
	cd "$DIR"
	doctor
	[ "$status" -eq 0 ]
	doctor_json
	[[ $(j '.services[0].mounts[0].reason') == *"the host path $DIR/inbox is mounted as it is"* ]]
	[ "$(j '.services[0].mounts[0].verdict')" = if-written ]
	[ "$(j '.services[0].fixes[0].command')" = "chown 1000:1000 $DIR/inbox" ]
	[ "$(j '.services[0].mounts[0].type')" = bind ]
	assert_prediction_matches mailhog /mailhog/inbox
	chown 1000:1000 "$DIR/inbox"
	doctor_json
	[ "$status" -eq 0 ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "tmpfs: 1777 by default, but it takes the mode of the image directory it covers" {
	project tmpfs <<-EOF
		services:
		  free:
		    image: $IMAGE
		    tmpfs: /mailhog/inbox
		  covered:
		    image: $IMAGE_DIR
		    user: "4242"
		    tmpfs:
		      - /mailhog/inbox
		  given:
		    image: $IMAGE_DIR
		    tmpfs:
		      - /mailhog/inbox:uid=1000,gid=1000
	EOF
	cd "$DIR"
	doctor_json
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].predicted.mode')" = 1777 ]
	[ "$(j '.services[1].mounts[0].predicted.mode')" = 0755 ]
	[ "$(j '.services[2].mounts[0].predicted.uid')" = 1000 ]
	assert_prediction_matches free /mailhog/inbox
	assert_prediction_matches covered /mailhog/inbox
	assert_prediction_matches given /mailhog/inbox
}

@test "a service that runs as root gets a warning, and no problem" {
	project root < <(seed_file | sed 's/^    image: .*/&\n    user: root/')
	cd "$DIR"
	doctor
	[ "$status" -eq 0 ]
	[[ $output == *"WARNING: the program runs as root (the compose file's user: says so)"* ]]
	doctor_json
	[ "$(j '.services[0].warnings | length')" = 1 ]
	assert_prediction_matches mailhog /mailhog/inbox
}

@test "cap_drop ALL: root without CAP_DAC_OVERRIDE is held to the mode bits, and gets no override" {
	project rootcaps <<-EOF
		services:
		  mailhog:
		    image: $IMAGE_DIR
		    user: root
		    cap_drop: [ALL]
		    volumes: [ "a:/mailhog/inbox" ]
		  plain:
		    image: $IMAGE_DIR
		    user: root
		    cap_drop: [NET_RAW]
		    volumes: [ "b:/mailhog/inbox" ]
		volumes: { a: {}, b: {} }
	EOF
	cd "$DIR"
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	[[ $stderr == *'service "mailhog" runs its program as root without the capabilities volown needs; not in the override'* ]]
	[[ $stderr == *'no service can be fixed with volown: "volown.override.yaml" not written'* ]]
	[ ! -e volown.override.yaml ]
	doctor_json
	[ "$(j '.services[0].user.dac_override')" = false ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
	[[ $(j '.services[0].mounts[0].reason') == *"without CAP_DAC_OVERRIDE, so held to the mode bits"* ]]
	[[ $(j '.services[0].fixes[] | select(.kind == "volown") | .text') == "volown is no fix here"* ]]
	[[ $(j '.services[0].warnings[0]') == *"without CAP_DAC_OVERRIDE it writes only where"* ]]
	[ "$(j '.services[1].user.dac_override')" = true ]
	[ "$(j '.services[1].mounts[0].verdict')" = ok ]
	assert_prediction_matches mailhog /mailhog/inbox
	assert_prediction_matches plain /mailhog/inbox
}

@test "cap_drop ALL for a non-root program: the override adds back only what volown needs, and up works" {
	project hardened <<-EOF
		services:
		  mailhog:
		    image: $IMAGE
		    cap_drop: [ALL]
		    cap_add: [NET_BIND_SERVICE]
		    volumes: [ "a:/mailhog/inbox" ]
		volumes: { a: {} }
	EOF
	cd "$DIR"
	doctor_json
	[[ $(j '.services[0].fixes[] | select(.kind == "volown") | .text') == *"adds back with cap_add: CHOWN FOWNER SETUID SETGID DAC_READ_SEARCH."* ]]
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	grep -q 'cap_add: \["CHOWN", "FOWNER", "SETUID", "SETGID", "DAC_READ_SEARCH"\]' volown.override.yaml
	run_service mailhog -f volown.override.yaml
	[ "$RAN_STATUS" -eq 0 ]
	[[ $RAN_OUTPUT == *"stored /mailhog/inbox/message-"*", owner uid 1000, running as uid 1000"* ]]
	# Without the capabilities the same override cannot fix anything: volown says so.
	sed -i '/cap_add:/d' volown.override.yaml
	run_service mailhog -f volown.override.yaml
	[ "$RAN_STATUS" -eq 125 ]
	[[ $RAN_OUTPUT == *"volown: "*"/mailhog/inbox"* ]]
}

@test "group_add: a group-writable bind mount is fine with the group added, a problem without it" {
	project groups <<-EOF
		services:
		  member:
		    image: $IMAGE
		    group_add: ["2000"]
		    volumes: [ "./shared:/mailhog/inbox" ]
		  outsider:
		    image: $IMAGE
		    volumes: [ "./shared:/mailhog/inbox" ]
		  unknown:
		    image: $IMAGE
		    group_add: [nosuchgroup]
		    volumes: [ "./shared:/mailhog/inbox" ]
		  grouped:
		    image: $IMAGE
		    group_add: ["2000"]
		    volumes: [ "v:/mailhog/inbox" ]
		volumes: { v: {} }
	EOF
	mkdir -m 0770 "$DIR/shared"
	chown 0:2000 "$DIR/shared"
	chmod 0770 "$DIR/shared"
	cd "$DIR"
	doctor_json
	[ "$status" -eq 2 ] # an unknown group: the service cannot start
	[ "$(j '.services[0].user.groups | join(",")')" = 2000 ]
	[ "$(j '.services[0].mounts[0].verdict')" = ok ]
	[[ $(j '.services[0].mounts[0].reason') == *"is not the owner but is in the group, and that class may write here"* ]]
	[ "$(j '.services[1].mounts[0].verdict')" = if-written ]
	[ "$(j '.services[2].status')" = error ]
	[[ $(j '.services[2].error') == *'group_add: group "nosuchgroup" is not in the image'* ]]
	[[ $(j '.services[3].fixes[] | select(.kind == "volown") | .text') == *"the override restates them with --group-add"* ]]
	assert_prediction_matches member /mailhog/inbox
	assert_prediction_matches outsider /mailhog/inbox
	doctor_json --chown-bind-mounts --service outsider
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
	[[ $(j '.services[0].fixes[] | select(.kind == "volown") | .text') != *"group_add"* ]]
	run_service unknown
	[ "$RAN_STATUS" -ne 0 ]
	[[ $RAN_OUTPUT == *"Unable to find group nosuchgroup"* ]]
}

@test "group_add under the override: volown's drop keeps the groups the engine would give" {
	project groupkept <<-EOF
		services:
		  mailhog:
		    image: $IMAGE
		    entrypoint: ["sh", "-c", 'echo "groups: \$\$(id -G)"; exec MailHog']
		    group_add: ["2000", "root"]
		    volumes: [ "v:/mailhog/inbox" ]
		volumes: { v: {} }
	EOF
	cd "$DIR"
	run_service mailhog
	[ "$RAN_STATUS" -ne 0 ]
	[[ $RAN_OUTPUT == *"groups: 1000 0 2000"* ]]
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	grep -q '"--user", "mailhog", "--group-add", "2000", "--group-add", "root", "--path"' volown.override.yaml
	run_service mailhog -f volown.override.yaml
	[ "$RAN_STATUS" -eq 0 ]
	[[ $RAN_OUTPUT == *"groups: 1000 0 2000"* ]]
	[[ $RAN_OUTPUT == *"stored /mailhog/inbox/message-"*", running as uid 1000"* ]]
}

@test "user \"1000:1000\" without a passwd entry, and a uid that has none at all" {
	project numeric <<-EOF
		services:
		  thousand:
		    image: $IMAGE_DIR
		    user: "1000:1000"
		    volumes: [ "a:/mailhog/inbox" ]
		  nobody:
		    image: $IMAGE_DIR
		    user: "4242:4242"
		    volumes: [ "b:/mailhog/inbox" ]
		volumes: { a: {}, b: {} }
	EOF
	cd "$DIR"
	doctor_json
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].status')" = ok ]
	[ "$(j '.services[1].user.name')" = null ]
	[ "$(j '.services[1].user.uid')" = 4242 ]
	[ "$(j '.services[1].mounts[0].verdict')" = problem ]
	assert_prediction_matches thousand /mailhog/inbox
	assert_prediction_matches nobody /mailhog/inbox
}

@test "long and short syntax give the same prediction; -f merges and \${VAR:-default} interpolates" {
	project syntax <<-EOF
		services:
		  short:
		    image: $IMAGE
		    volumes:
		      - store-short:\${INBOX:-/mailhog/inbox}
		  long:
		    image: $IMAGE
		    volumes:
		      - type: volume
		        source: store-long
		        target: /mailhog/inbox
		volumes:
		  store-short:
		  store-long:
	EOF
	cat >"$DIR/fix.yaml" <<-EOF
		services:
		  long:
		    image: $IMAGE_DIR
	EOF
	cd "$DIR"
	doctor_json
	[ "$(j '.services[0].mounts[0].volume_name')" = "$PROJECT"_store-short ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
	[ "$(j '.services[1].mounts[0].verdict')" = problem ]
	assert_prediction_matches short /mailhog/inbox
	INBOX=/mailhog/inbox doctor_json -f compose.yaml -f fix.yaml
	[ "$(j '.files | length')" = 2 ]
	[ "$(j '.services[1].image')" = "$IMAGE_DIR" ]
	[ "$(j '.services[1].mounts[0].verdict')" = ok ]
}

@test "an image not built yet: exit 2 and the command to run" {
	project unbuilt <<-EOF
		services:
		  app:
		    build: .
		    volumes: [ "data:/data" ]
		volumes: { data: {} }
	EOF
	cd "$DIR"
	echo "FROM $IMAGE" >"$DIR/Dockerfile"
	doctor
	[ "$status" -eq 2 ]
	[[ $output == *"CANNOT CHECK: the image "* ]]
	doctor_json
	[ "$status" -eq 2 ]
	[[ $(j '.services[0].error') == "the image $PROJECT""_app is not in the engine yet; run \`docker-compose -p $PROJECT -f compose.yaml build app\` first" ]]
	# Following the hint builds the image the doctor looks for.
	hint=$(j '.services[0].error' | sed 's/.*run `\(.*\)` first/\1/')
	$hint >/dev/null 2>&1
	doctor_json
	[ "$status" -eq 1 ]
	[ "$(j '.services[0].mounts[0].verdict')" = problem ]
}

@test "an unparseable file: exit 2 with its line and column" {
	project broken <<-EOF
		services:
		  app:
		    image: [unclosed
	EOF
	cd "$DIR"
	doctor
	[ "$status" -eq 2 ]
	[[ $stderr == "volown doctor: compose.yaml:"[0-9]*:[0-9]*": "* ]]
}

@test "no engine: exit 2, and the socket is named" {
	project noengine < <(seed_file)
	cd "$DIR"
	DOCKER_HOST=unix://$DIR/no.sock run --separate-stderr "$DOCTOR"
	[ "$status" -eq 2 ]
	[[ $stderr == *"does not answer on unix://$DIR/no.sock"* ]]
}

@test "profiles: a service that up does not start is not checked, unless asked" {
	project profiles <<-EOF
		services:
		  always:
		    image: $IMAGE_DIR
		    volumes: [ "a:/mailhog/inbox" ]
		  debug:
		    image: $IMAGE
		    profiles: [ debug, tools ]
		    volumes: [ "b:/mailhog/inbox" ]
		volumes: { a: {}, b: {} }
	EOF
	cd "$DIR"
	doctor
	[ "$status" -eq 0 ]
	[[ $output == *"not started by \`up\`, so not checked"* ]]
	doctor_json
	[ "$(j '.services | map(.name) | join(",")')" = always ]
	[ "$(j '.skipped | join(",")')" = "debug (profiles: debug tools)" ]
	for how in "--profile tools" "--service debug"; do
		doctor_json $how
		[ "$status" -eq 1 ]
		[ "$(j '.services[] | select(.name == "debug") | .mounts[0].verdict')" = problem ]
	done
	COMPOSE_PROFILES=other,debug doctor_json
	[ "$status" -eq 1 ]
	[ "$(j '.skipped | length')" = 0 ]
}

@test "a new volume shared by services that do not depend on each other: the worst order decides" {
	project race <<-EOF
		services:
		  filler:
		    image: $IMAGE_DIR
		    volumes: [ "shared:/mailhog/inbox" ]
		  other:
		    image: $IMAGE
		    volumes: [ "shared:/mailhog/inbox" ]
		  after:
		    image: $IMAGE
		    depends_on: [ filler ]
		    volumes: [ "late:/mailhog/inbox" ]
		  late-filler:
		    image: $IMAGE_DIR
		    depends_on: [ after ]
		    volumes: [ "late:/mailhog/inbox" ]
		volumes: { shared: {}, late: {} }
	EOF
	cd "$DIR"
	doctor_json
	[ "$status" -eq 1 ]
	# compose creates filler and other in any order: other finds root:root 0755 if first
	[ "$(j '.services[] | select(.name == "other") | .mounts[0].verdict')" = problem ]
	[[ $(j '.services[] | select(.name == "other") | .mounts[0].shared') == *"shared with filler, and these do not depend on each other"*"when other is first"* ]]
	[ "$(j '.services[] | select(.name == "filler") | .mounts[0].verdict')" = ok ]
	# after starts before late-filler, whose image fills the volume only then: a problem
	# for after, whatever its own image has
	[ "$(j '.services[] | select(.name == "after") | .mounts[0].verdict')" = problem ]
	[ "$(j '.services[] | select(.name == "late-filler") | .mounts[0].predicted.uid')" = 1000 ]
	assert_prediction_matches after /mailhog/inbox
}
