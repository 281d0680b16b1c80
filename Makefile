# volown — build, test, demo.
#
#   make              build build/volown (static, musl, stripped) and build/volown-doctor
#   make test         set up the machine if needed, then run every test
#   make demo         show the seed's problem and volown's fix in real containers
#   make install      install volown, volown-doctor and their man pages under $(PREFIX)
#   make uninstall    remove them again
#   make cross        build/<arch>/volown for every architecture (release/release.mk)
#   make test-cross   the unit and integration suites for every architecture, under qemu
#   make release      dist/: every architecture's binary, SHA256SUMS, the source tarball
#   make deb          dist/deb/: the volown package for every architecture, volown-doctor
#   make mutants      break each safety check in turn and show which test catches it

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      := build
KINC       := $(BUILD)/kernel-include

MUSL_CC    ?= musl-gcc
HOST_CC    ?= cc

# Reproducible builds: the time of the last commit (or, in a source tarball, the time
# git archive wrote into release/source-date-epoch), and no path of this tree in any
# output. The build reads no clock of its own; gcc, tar, gzip and dpkg-deb honour it.
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
SOURCE_DATE_EPOCH := $(shell if [ -e $(CURDIR)/.git ]; then git -C $(CURDIR) log -1 --format=%ct; \
                       else sed -n '/^[0-9][0-9]*$$/p' $(CURDIR)/release/source-date-epoch; fi)
endif
ifneq ($(SOURCE_DATE_EPOCH),)
export SOURCE_DATE_EPOCH
endif
REPRO      := -ffile-prefix-map=$(CURDIR)=.

WARN       := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
              -Wformat=2 -Werror=format-nonliteral -Wpointer-arith -Wvla -Wundef
# Not for the static musl binary: musl has no _FORTIFY_SOURCE (the build with and
# without -D_FORTIFY_SOURCE=2 is byte-identical), and a static binary has no PLT
# (-fno-plt only makes the linker turn its GOT calls back into direct ones, each with
# a useless addr32 prefix byte: some 400 calls on amd64). Both act on glibc: the unit tests
# and the dynamically linked doctor get them (HOST_HARDEN).
HARDEN     := -fstack-protector-strong
# The optimisation of the release builds (make cross, make release) and the default.
OPT        := -Oz
CFLAGS     ?= $(OPT)
# glibc's _FORTIFY_SOURCE needs an optimizing build (it warns, and -Werror stops, at -O0).
HOST_HARDEN := $(HARDEN) -fno-plt \
               $(if $(filter -O -O1 -O2 -O3 -Os -Og -Oz -Ofast,$(CFLAGS)),-D_FORTIFY_SOURCE=2)
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"$(VERSION)"' $(WARN) $(REPRO)
ALL_CFLAGS := $(BASE_CFLAGS) $(HARDEN) $(CFLAGS)
HOST_CFLAGS := $(BASE_CFLAGS) $(HOST_HARDEN) $(CFLAGS)
LDSTATIC   := -static -s -Wl,-z,relro,-z,now -Wl,--gc-sections -Wl,-z,noseparate-code
# make CFLAGS="-O0 -g" keeps the symbols and the debug information it asks for
NATIVE_LDSTATIC := $(if $(filter -g%,$(CFLAGS)),$(filter-out -s,$(LDSTATIC)),$(LDSTATIC))
SECTIONS   := -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables

# Every module of the container-side binary.
SRCS       := $(wildcard src/*.c)
HDRS       := $(wildcard src/*.h)
# The modules the unit tests link against (everything but main).
LIB_SRCS   := $(filter-out src/main.c,$(SRCS))

UNIT_SRCS  := $(filter-out tests/unit/test_doctor_%,$(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

.PHONY: all clean test unit demo install uninstall setup bench fuzz asan fuzz-build mutants

all: $(BUILD)/volown

# A fresh machine without the tools says which Debian package brings them.
need = @command -v $(firstword $(1)) >/dev/null 2>&1 || { \
	echo "volown: \`$(firstword $(1))' not found: install Debian's $(2) (apt-get install $(2)), or run scripts/setup.sh, which installs everything make and make test need" >&2; exit 1; }

# musl's headers do not include the kernel's uapi headers; give the static build a
# folder of its own that holds just linux/, asm/ and asm-generic/.
$(KINC)/.stamp:
	$(call need,$(HOST_CC),gcc)
	@[ -d /usr/include/linux ] || { echo "volown: /usr/include/linux is missing: install Debian's linux-libc-dev (apt-get install linux-libc-dev), or run scripts/setup.sh" >&2; exit 1; }
	@mkdir -p $(KINC)
	@ln -sfn /usr/include/linux $(KINC)/linux
	@ln -sfn /usr/include/asm-generic $(KINC)/asm-generic
	@ln -sfn /usr/include/$(shell $(HOST_CC) -print-multiarch)/asm $(KINC)/asm
	@touch $@

# The size budget (100 KB) is checked on the release builds (make cross, make release),
# so that make CFLAGS="-O0 -g" builds a binary to debug.
$(BUILD)/volown: $(SRCS) $(HDRS) $(KINC)/.stamp Makefile
	$(call need,$(MUSL_CC),musl-tools)
	@mkdir -p $(BUILD)
	$(MUSL_CC) $(ALL_CFLAGS) $(SECTIONS) -isystem $(KINC) -o $@ $(sort $(SRCS)) $(NATIVE_LDSTATIC)
	@echo "build/volown: $$(stat -c %s $@) bytes"

# Unit tests run on the host's libc, linked against the same modules.
$(BUILD)/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB_SRCS) $(HDRS) Makefile
	@mkdir -p $(BUILD)/unit
	$(HOST_CC) $(HOST_CFLAGS) -g -Isrc -o $@ $< $(LIB_SRCS)

unit: $(UNIT_BINS)

setup:
	@scripts/setup.sh

test: setup all unit cross
	@tests/run

demo: setup all
	@scripts/demo.sh

mutants: setup all unit
	@scripts/mutants.sh

# Both programs and both man pages; `volown doctor` finds volown-doctor beside itself.
MAN1       := $(DESTDIR)$(PREFIX)/share/man/man1
INSTALLED  := $(DESTDIR)$(PREFIX)/bin/volown $(DESTDIR)$(PREFIX)/bin/volown-doctor \
              $(MAN1)/volown.1 $(MAN1)/volown-doctor.1

install: $(BUILD)/volown
	@if ! $(DOCTOR_HAVE_LIBS); then $(DOCTOR_MISSING); exit 1; fi
	@$(MAKE) --no-print-directory doctor
	install -d $(DESTDIR)$(PREFIX)/bin $(MAN1)
	install -m 0755 $(BUILD)/volown $(DESTDIR)$(PREFIX)/bin/volown
	install -m 0755 $(BUILD)/volown-doctor $(DESTDIR)$(PREFIX)/bin/volown-doctor
	install -m 0644 docs/volown.1 $(MAN1)/volown.1
	install -m 0644 docs/volown-doctor.1 $(MAN1)/volown-doctor.1

uninstall:
	rm -f $(INSTALLED)

clean:
	rm -rf $(BUILD) dist

include doctor/doctor.mk
include bench/bench.mk
include fuzz/fuzz.mk
include release/release.mk
