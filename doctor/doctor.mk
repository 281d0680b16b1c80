# volown-doctor: the host-side review of compose files (docs/doctor.md).
# A separate, dynamically linked program: libcurl for the engine's API on its unix
# socket, jansson for JSON, libyaml for YAML. Included by the top-level Makefile.
#
#   make doctor     build build/volown-doctor (fails if the -dev packages are missing)
#   make            also builds it when the libraries are installed, and says so when not
#   make unit       also builds build/unit/test_doctor_*

DOCTOR_PKGS      := libcurl jansson yaml-0.1
DOCTOR_SRCS      := $(wildcard doctor/*.c)
DOCTOR_HDRS      := $(wildcard doctor/*.h)
DOCTOR_LIB_SRCS  := $(filter-out doctor/main.c,$(DOCTOR_SRCS))
DOCTOR_UNIT_SRCS := $(wildcard tests/unit/test_doctor_*.c)
DOCTOR_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(DOCTOR_UNIT_SRCS))
DOCTOR_LDFLAGS   := -Wl,-z,relro,-z,now
# Expanded when a recipe runs (not when make reads this file), so that `make test`
# sees the libraries that its setup step has just installed.
DOCTOR_CFLAGS     = $(shell pkg-config --cflags $(DOCTOR_PKGS))
DOCTOR_LIBS       = $(shell pkg-config --libs $(DOCTOR_PKGS))
DOCTOR_HAVE_LIBS  = pkg-config --exists $(DOCTOR_PKGS) 2>/dev/null
DOCTOR_MISSING    = echo "volown-doctor: not built: the libcurl, jansson or libyaml -dev packages are missing (scripts/setup.sh installs doctor/packages.txt)" >&2

.PHONY: doctor doctor-if-possible doctor-unit doctor-unit-if-possible

doctor: $(BUILD)/volown-doctor

all: doctor-if-possible
unit: doctor-unit-if-possible

doctor-if-possible:
	@if $(DOCTOR_HAVE_LIBS); then $(MAKE) --no-print-directory doctor; else $(DOCTOR_MISSING); fi

doctor-unit: $(DOCTOR_UNIT_BINS)

doctor-unit-if-possible:
	@if $(DOCTOR_HAVE_LIBS); then $(MAKE) --no-print-directory doctor-unit; else $(DOCTOR_MISSING); fi

$(BUILD)/volown-doctor: $(DOCTOR_SRCS) $(DOCTOR_HDRS) doctor/doctor.mk Makefile
	@mkdir -p $(BUILD)
	$(HOST_CC) $(HOST_CFLAGS) $(DOCTOR_CFLAGS) -o $@ $(DOCTOR_SRCS) $(DOCTOR_LDFLAGS) $(DOCTOR_LIBS)

# The doctor's unit tests link the doctor's modules, not src/'s: this pattern has a
# shorter stem than the Makefile's $(BUILD)/unit/%, so make prefers it.
$(BUILD)/unit/test_doctor_%: tests/unit/test_doctor_%.c tests/unit/tap.h \
		$(DOCTOR_LIB_SRCS) $(DOCTOR_HDRS) doctor/doctor.mk
	@mkdir -p $(BUILD)/unit
	$(HOST_CC) $(HOST_CFLAGS) -g -Idoctor -Itests/unit $(DOCTOR_CFLAGS) -o $@ $< $(DOCTOR_LIB_SRCS) $(DOCTOR_LIBS)

# Fuzzing the doctor's parsers with libFuzzer: tests/fuzz.sh runs these with the
# others (make fuzz-build builds them when the doctor's libraries are there).
DOCTOR_FUZZ_TARGETS := doctor_tar doctor_yaml doctor_interp doctor_dotenv doctor_volume
DOCTOR_FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(DOCTOR_FUZZ_TARGETS))
# The pure modules the harnesses reach: no engine, no files.
DOCTOR_PURE_SRCS    := doctor/util.c doctor/tar.c doctor/yamldoc.c doctor/interp.c \
                       doctor/dotenv.c doctor/mountspec.c
DOCTOR_SAN          := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                       -fno-sanitize-recover=undefined

.PHONY: doctor-fuzz-build doctor-fuzz-build-if-possible asan-doctor asan-doctor-if-possible

DOCTOR_PURE_OBJS    := $(patsubst doctor/%.c,$(BUILD)/fuzz/doctor/%.o,$(DOCTOR_PURE_SRCS))

# The modules once, instrumented for libFuzzer; each harness links them.
$(BUILD)/fuzz/doctor/%.o: doctor/%.c $(DOCTOR_HDRS) doctor/doctor.mk
	@mkdir -p $(BUILD)/fuzz/doctor
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"fuzz"' -Idoctor $(DOCTOR_CFLAGS) \
	  -fsanitize=fuzzer-no-link $(DOCTOR_SAN) -c -o $@ $<

# A static pattern rule: it wins over fuzz.mk's $(BUILD)/fuzz/fuzz_% for these.
$(DOCTOR_FUZZ_BINS): $(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(DOCTOR_PURE_OBJS) $(DOCTOR_HDRS) doctor/doctor.mk
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"fuzz"' -Idoctor $(DOCTOR_CFLAGS) \
	  -fsanitize=fuzzer $(DOCTOR_SAN) -o $@ $< $(DOCTOR_PURE_OBJS) $(DOCTOR_LIBS)

doctor-fuzz-build: $(DOCTOR_FUZZ_BINS)

doctor-fuzz-build-if-possible:
	@if $(DOCTOR_HAVE_LIBS); then $(MAKE) --no-print-directory doctor-fuzz-build; else $(DOCTOR_MISSING); fi

fuzz-build: doctor-fuzz-build-if-possible

# The doctor and its unit tests under AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer: tests/doctor runs every doctor command twice, this build
# after the plain one (tests/doctor/both-doctors); tests/run's sanitizer run takes the
# unit tests. Beside build/volown-doctor, so that both find the same build/volown.
DOCTOR_ASAN_OBJS     = $(patsubst doctor/%.c,$(BUILD)/asan/doctor/%.o,$(DOCTOR_SRCS))
DOCTOR_ASAN_LIB_OBJS = $(filter-out $(BUILD)/asan/doctor/main.o,$(DOCTOR_ASAN_OBJS))
DOCTOR_ASAN_UNIT     = $(patsubst tests/unit/%.c,$(BUILD)/asan/unit/%,$(DOCTOR_UNIT_SRCS))

$(BUILD)/asan/doctor/%.o: doctor/%.c $(DOCTOR_HDRS) doctor/doctor.mk
	@mkdir -p $(BUILD)/asan/doctor
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"$(VERSION)"' $(DOCTOR_SAN) $(DOCTOR_CFLAGS) -c -o $@ $<

$(BUILD)/volown-doctor-asan: $(DOCTOR_ASAN_OBJS)
	$(FUZZ_CC) $(DOCTOR_SAN) -o $@ $^ $(DOCTOR_LIBS)

$(DOCTOR_ASAN_UNIT): $(BUILD)/asan/unit/%: tests/unit/%.c tests/unit/tap.h $(DOCTOR_ASAN_LIB_OBJS) \
		$(DOCTOR_HDRS) doctor/doctor.mk
	@mkdir -p $(BUILD)/asan/unit
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"$(VERSION)"' $(DOCTOR_SAN) -Idoctor \
	  -Itests/unit $(DOCTOR_CFLAGS) -o $@ $< $(DOCTOR_ASAN_LIB_OBJS) $(DOCTOR_LIBS)

asan-doctor: $(BUILD)/volown-doctor-asan $(DOCTOR_ASAN_UNIT)

asan-doctor-if-possible:
	@if $(DOCTOR_HAVE_LIBS) && command -v $(FUZZ_CC) >/dev/null; then \
	  $(MAKE) --no-print-directory asan-doctor; fi

# Built with the unit tests, before tests/run's lanes start: the doctor suite (one
# lane) and the sanitizer run (the other) then both find it made, and neither
# rebuilds it while the other reads it.
unit: asan-doctor-if-possible
