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
	$(HOST_CC) $(ALL_CFLAGS) $(DOCTOR_CFLAGS) -o $@ $(DOCTOR_SRCS) $(DOCTOR_LDFLAGS) $(DOCTOR_LIBS)

# The doctor's unit tests link the doctor's modules, not src/'s: this pattern has a
# shorter stem than the Makefile's $(BUILD)/unit/%, so make prefers it.
$(BUILD)/unit/test_doctor_%: tests/unit/test_doctor_%.c tests/unit/tap.h \
		$(DOCTOR_LIB_SRCS) $(DOCTOR_HDRS) doctor/doctor.mk
	@mkdir -p $(BUILD)/unit
	$(HOST_CC) $(ALL_CFLAGS) -g -Idoctor -Itests/unit $(DOCTOR_CFLAGS) -o $@ $< $(DOCTOR_LIB_SRCS) $(DOCTOR_LIBS)
