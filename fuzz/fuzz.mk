# Fuzzing the parsers with libFuzzer (clang 14, libclang-rt-14-dev).
#   make fuzz               each harness for FUZZ_SECONDS (default 600); new inputs join fuzz/corpus
# tests/fuzz.sh runs each for 10 s as part of make test.
FUZZ_SECONDS ?= 600
FUZZ_CC      ?= clang
FUZZ_TARGETS := modes ids_number ids mountinfo config
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"fuzz"' -g -O1 -Isrc \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< $(LIB_SRCS) -lpthread

# the config parser's harness brings its own die() and log functions, so that a bad
# line ends one input instead of the process
$(BUILD)/fuzz/fuzz_config: fuzz/fuzz_config.c $(LIB_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"fuzz"' -g -O1 -Isrc \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< \
	  $(filter-out src/log.c,$(LIB_SRCS)) -lpthread

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SAVE=1 FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz.sh

# volown itself under AddressSanitizer and UndefinedBehaviorSanitizer (glibc, clang),
# for running the integration and adversarial suites again:
#   make asan
#   VOLOWN=$PWD/build/asan/volown ASAN_OPTIONS=detect_leaks=0 tests/run integration adversarial
$(BUILD)/asan/volown: $(SRCS) $(HDRS)
	@mkdir -p $(BUILD)/asan
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"$(VERSION)"' -g -O1 -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=undefined -o $@ $(SRCS) -lpthread

asan: $(BUILD)/asan/volown

# the unit tests under the same sanitizers
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/unit/%,$(UNIT_SRCS))

$(BUILD)/asan/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB_SRCS) $(HDRS)
	@mkdir -p $(BUILD)/asan/unit
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"$(VERSION)"' -g -O1 -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=undefined -Isrc -o $@ $< $(LIB_SRCS) -lpthread

asan-unit: $(ASAN_UNIT_BINS)
