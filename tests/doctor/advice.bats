#!/usr/bin/env bats
# The doctor's advice never damages anything: the user's own host files are never a
# problem and never given away unless asked (--chown-bind-mounts), a single file or a
# path volown refuses never reaches `volown --path`, and every override written here
# starts its service.

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
	doctor_cleanup
}

# A Prometheus-like service: it reads its configuration from a bind-mounted directory
# of the checkout (root's files) and stores its data in a named volume.
prometheus_file() {
	cat <<-EOF
		services:
		  prometheus:
		    image: $IMAGE
		    user: "65534:65534"
		    entrypoint: ["sh", "-c", "cat /etc/prometheus/prometheus.yml /etc/app.conf >/dev/null && exec MailHog"]
		    volumes:
		      - ./prometheus:/etc/prometheus
		      - ./app.conf:/etc/app.conf
		      - data:/mailhog/inbox
		volumes: { data: {} }
	EOF
}

# "uid:gid mode" of each path.
owners() {
	stat -c '%u:%g %a' "$@"
}

@test "a bind-mounted configuration directory that the program only reads: never a problem, never chowned" {
	project prometheus < <(prometheus_file)
	mkdir -m 0755 "$DIR/prometheus"
	echo 'scrape_configs: []' >"$DIR/prometheus/prometheus.yml"
	echo 'key = value' >"$DIR/app.conf"
	chmod 0644 "$DIR/prometheus/prometheus.yml" "$DIR/app.conf"
	chown -R 0:0 "$DIR/prometheus" "$DIR/app.conf"
	before=$(owners "$DIR/prometheus" "$DIR/prometheus/prometheus.yml" "$DIR/app.conf")
	cd "$DIR"
	doctor_json
	[ "$status" -eq 1 ] # the volume is a problem, the bind mounts are not
	[ "$(j '.problems')" = 1 ]
	[ "$(j '.notes')" = 2 ]
	[ "$(j '.services[0].mounts[] | select(.target == "/etc/prometheus") | .verdict')" = if-written ]
	[ "$(j '.services[0].mounts[] | select(.target == "/etc/app.conf") | .verdict')" = if-written ]
	[[ $(j '.services[0].mounts[0].reason') == *"a problem only if the program writes here"* ]]
	[ "$(j '[.services[0].fixes[] | select(.kind == "bind-if-written")] | length')" = 2 ]
	[ "$(j '.services[0].fixes[] | select(.paths == ["/etc/prometheus"]) | .option')" = --chown-bind-mounts ]
	[ "$(j '.services[0].fixes[] | select(.paths == ["/etc/app.conf"]) | .option')" = null ]
	[[ $(j '.services[0].fixes[] | select(.paths == ["/etc/prometheus"]) | .text') == *"--chown-bind-mounts"* ]]
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	[[ $output == *"maybe   /etc/prometheus"* ]]
	grep -q '"--path", "/mailhog/inbox"' volown.override.yaml
	run ! grep -q '"--path", "/etc/' volown.override.yaml
	assert_override_starts volown.override.yaml
	[[ $RAN_OUTPUT == *"stored /mailhog/inbox/message-"*"running as uid 65534"* ]]
	# The checkout's own files kept their owner and mode.
	[ "$(owners "$DIR/prometheus" "$DIR/prometheus/prometheus.yml" "$DIR/app.conf")" = "$before" ]
}

@test "only the user's own bind mounts: exit 0, and no override is written" {
	project readonly-conf <<-EOF
		services:
		  reader:
		    image: $IMAGE
		    user: "65534:65534"
		    entrypoint: ["cat", "/etc/prometheus/prometheus.yml"]
		    volumes: [ "./prometheus:/etc/prometheus" ]
	EOF
	mkdir -m 0755 "$DIR/prometheus"
	echo 'scrape_configs: []' >"$DIR/prometheus/prometheus.yml"
	cd "$DIR"
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 0 ]
	[[ $stderr == *'no problem to fix: "volown.override.yaml" not written'* ]]
	[ ! -e volown.override.yaml ]
	[[ $output == *"1 host path that matters only if the program writes there."* ]]
	run_service reader
	[ "$RAN_STATUS" -eq 0 ]
	[ "$(stat -c %u "$DIR/prometheus")" = 0 ]
}

@test "--chown-bind-mounts: asked explicitly, a bind-mounted directory is a problem and the override gives it away" {
	project optin < <(prometheus_file)
	mkdir -m 0755 "$DIR/prometheus"
	echo 'scrape_configs: []' >"$DIR/prometheus/prometheus.yml"
	echo 'key = value' >"$DIR/app.conf"
	chown -R 0:0 "$DIR/prometheus" "$DIR/app.conf"
	cd "$DIR"
	doctor_json --chown-bind-mounts
	[ "$status" -eq 1 ]
	[ "$(j '.problems')" = 2 ]
	[ "$(j '.services[0].mounts[] | select(.target == "/etc/prometheus") | .verdict')" = problem ]
	[[ $(j '.services[0].mounts[] | select(.target == "/etc/prometheus") | .reason') == *"You asked with --chown-bind-mounts"* ]]
	# A single file stays the user's: volown never changes one.
	[ "$(j '.services[0].mounts[] | select(.target == "/etc/app.conf") | .verdict')" = if-written ]
	[ "$(j '.services[0].fixes[] | select(.kind == "volown") | .paths | join(" ")')" = "/etc/prometheus /mailhog/inbox" ]
	doctor --chown-bind-mounts --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	grep -q '"--path", "/etc/prometheus", "--path", "/mailhog/inbox"' volown.override.yaml
	run ! grep -q '"--path", "/etc/app.conf"' volown.override.yaml
	assert_override_starts volown.override.yaml
	# What the user asked for: the directory and its file now belong to 65534; the
	# single file does not.
	[ "$(owners "$DIR/prometheus" "$DIR/prometheus/prometheus.yml" "$DIR/app.conf")" = "65534:65534 755
65534:65534 644
0:0 644" ]
}

@test "a single-file bind mount and a path volown refuses never reach --path; the override still starts" {
	project files <<-EOF
		services:
		  mailhog:
		    image: $IMAGE
		    volumes:
		      - ./app.conf:/etc/app.conf
		      - inbox:/mailhog/inbox
		  system:
		    image: $IMAGE
		    environment: { MH_MAILDIR_PATH: /var }
		    volumes: [ "var:/var" ]
		volumes: { inbox: {}, var: {} }
	EOF
	echo 'key = value' >"$DIR/app.conf"
	cd "$DIR"
	# Without the override both run, and both fail to store their message.
	run_service mailhog
	[ "$RAN_STATUS" -eq 1 ]
	doctor_json --chown-bind-mounts
	[ "$(j '.services[0].mounts[] | select(.target == "/etc/app.conf") | .verdict')" = if-written ]
	[ "$(j '.services[1].mounts[0].verdict')" = problem ]
	[[ $(j '.services[1].fixes[] | select(.kind == "volown") | .text') == *"volown cannot fix /var: volown refuses to change a system directory"* ]]
	[ "$(j '.services[1].fixes[] | select(.kind == "volown") | .override')" = null ]
	doctor --chown-bind-mounts --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	[[ $stderr == *'service "system" has no mount that volown can fix; not in the override'* ]]
	[ "$(yq_services volown.override.yaml)" = mailhog ]
	grep -q '"--user", "mailhog", "--path", "/mailhog/inbox", "--"' volown.override.yaml
	assert_override_starts volown.override.yaml
	[[ $RAN_OUTPUT == *"stored /mailhog/inbox/message-"*"running as uid 1000"* ]]
}

@test "the override's header says that exec now starts as root, and exec --user NAME as it gives works" {
	project exec <<-EOF
		services:
		  mailhog:
		    image: $IMAGE
		    entrypoint: ["sh", "-c", "MailHog && exec sleep 300"]
		    volumes: [ "inbox:/mailhog/inbox" ]
		volumes: { inbox: {} }
	EOF
	cd "$DIR"
	doctor --write-override volown.override.yaml --volown-binary "$VOLOWN"
	[ "$status" -eq 1 ]
	grep -q "^# .*docker-compose exec. runs as root too" volown.override.yaml
	line=$(grep '^#   docker-compose .* exec --user' volown.override.yaml)
	[ "$line" = "#   docker-compose -p $PROJECT -f compose.yaml -f volown.override.yaml exec --user mailhog mailhog COMMAND" ]
	docker-compose -p "$PROJECT" -f compose.yaml -f volown.override.yaml up -d
	for _ in $(seq 50); do
		docker-compose -p "$PROJECT" -f compose.yaml -f volown.override.yaml logs | grep -q stored && break
		sleep 0.2
	done
	# As the header says: a plain exec is root, exec --user NAME is the program's user.
	[ "$(docker-compose -p "$PROJECT" -f compose.yaml -f volown.override.yaml exec -T mailhog id -u)" = 0 ]
	cmd=${line#\#   }
	cmd=${cmd% COMMAND}
	cmd=${cmd/ exec / exec -T }
	[ "$($cmd id -u)" = 1000 ]
	docker-compose -p "$PROJECT" -f compose.yaml -f volown.override.yaml down -v >/dev/null 2>&1
}
