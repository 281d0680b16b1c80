# make bench: the walk and the privilege drop against chown -R, the find idiom, gosu,
# setpriv and su-exec. A benchmark, never part of make test. Results in bench/results/.
#   make bench BENCH_SIZES="10000 100000"   fewer trees
bench: all
	@BENCH_SIZES="$(BENCH_SIZES)" bench/bench.sh

# make bench-podman: volown against Podman's :U on 100,000 entries, rootful and
# rootless (bench/podman.sh; results in bench/results/podman.md).
.PHONY: bench-podman
bench-podman: all
	@bench/podman.sh
