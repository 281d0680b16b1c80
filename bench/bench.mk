# make bench: the walk and the privilege drop against chown -R, the find idiom, gosu,
# setpriv and su-exec; then a real PostgreSQL container's start to ready through volown
# against the docker-library entrypoint idiom. A benchmark, never part of make test.
# Results in bench/results/.
#   make bench BENCH_SIZES="10000 100000"   fewer trees
#   make bench-postgres                     the PostgreSQL part alone
bench: all
	@BENCH_SIZES="$(BENCH_SIZES)" bench/bench.sh
	@bench/postgres.sh

# make bench-postgres: the PostgreSQL part alone.
.PHONY: bench-postgres
bench-postgres: all
	@bench/postgres.sh

# make bench-podman: volown against Podman's :U on 100,000 entries, rootful and
# rootless (bench/podman.sh; results in bench/results/podman.md).
.PHONY: bench-podman
bench-podman: all
	@bench/podman.sh
