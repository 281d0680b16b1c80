# volown — build, test, demo.
#
#   make            build build/volown (static, musl, stripped)
#   make test       set up the machine if needed, then run every test
#   make demo       show the seed's problem and volown's fix in real containers
#   make install    install the binary and the man page under $(PREFIX)
#   make mutants    break each safety check in turn and show which test catches it

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      := build
KINC       := $(BUILD)/kernel-include

MUSL_CC    ?= musl-gcc
HOST_CC    ?= cc

WARN       := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
              -Wformat=2 -Werror=format-nonliteral -Wpointer-arith -Wvla -Wundef
HARDEN     := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-plt
CFLAGS     ?= -Oz
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DVOLOWN_VERSION='"$(VERSION)"' $(WARN) $(HARDEN) $(CFLAGS)
LDSTATIC   := -static -s -Wl,-z,relro,-z,now -Wl,--gc-sections -Wl,-z,noseparate-code
SECTIONS   := -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables

# Every module of the container-side binary.
SRCS       := $(wildcard src/*.c)
HDRS       := $(wildcard src/*.h)
# The modules the unit tests link against (everything but main).
LIB_SRCS   := $(filter-out src/main.c,$(SRCS))

UNIT_SRCS  := $(filter-out tests/unit/test_doctor_%,$(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

.PHONY: all clean test unit demo install setup bench fuzz asan fuzz-build mutants

all: $(BUILD)/volown

# musl's headers do not include the kernel's uapi headers; give the static build a
# folder of its own that holds just linux/, asm/ and asm-generic/.
$(KINC)/.stamp:
	@mkdir -p $(KINC)
	@ln -sfn /usr/include/linux $(KINC)/linux
	@ln -sfn /usr/include/asm-generic $(KINC)/asm-generic
	@ln -sfn /usr/include/$(shell $(HOST_CC) -print-multiarch)/asm $(KINC)/asm
	@touch $@

$(BUILD)/volown: $(SRCS) $(HDRS) $(KINC)/.stamp Makefile
	@mkdir -p $(BUILD)
	$(MUSL_CC) $(ALL_CFLAGS) $(SECTIONS) -isystem $(KINC) -o $@ $(SRCS) $(LDSTATIC)
	@size=$$(stat -c %s $@); echo "build/volown: $$size bytes"; \
	  [ $$size -lt 102400 ] || { echo "volown: binary is $$size bytes, over the 100 KB budget" >&2; exit 1; }

# Unit tests run on the host's libc, linked against the same modules.
$(BUILD)/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB_SRCS) $(HDRS) Makefile
	@mkdir -p $(BUILD)/unit
	$(HOST_CC) $(ALL_CFLAGS) -g -Isrc -o $@ $< $(LIB_SRCS)

unit: $(UNIT_BINS)

setup:
	@scripts/setup.sh

test: setup all unit
	@tests/run

demo: setup all
	@scripts/demo.sh

mutants: setup all unit
	@scripts/mutants.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BUILD)/volown $(DESTDIR)$(PREFIX)/bin/volown
	install -m 0644 docs/volown.1 $(DESTDIR)$(PREFIX)/share/man/man1/volown.1

clean:
	rm -rf $(BUILD)

-include doctor/doctor.mk
-include bench/bench.mk
-include fuzz/fuzz.mk
