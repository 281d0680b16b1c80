# Every architecture, releases, images and Debian packages. Included by the Makefile.
#
#   make cross          build/<arch>/volown for every architecture of release/arches:
#                       static musl, stripped, each within its size budget
#   make test-cross     the unit tests and the integration suite for every architecture,
#                       under qemu-user (tests/cross.sh); not part of make test
#   make release        dist/volown-<arch>, dist/volown-$(VERSION).tar.gz, dist/SHA256SUMS;
#                       reproducible (SOURCE_DATE_EPOCH, -ffile-prefix-map)
#   make images         volown/volown:$(VERSION)-<arch> for every architecture, from dist/
#   make deb            dist/deb/: volown_$(VERSION)_<arch>.deb for every architecture and
#                       volown-doctor_$(VERSION)_<host arch>.deb, checked with lintian
#
#   make cross ARCHES="arm64 riscv64"    only these
#
# Each architecture's compiler is Debian's musl wrapper <musl triplet>-gcc (musl-dev:ARCH
# with gcc-<GNU triplet>; for riscv64, which Debian 12 has no musl-dev for, the same
# wrapper built by scripts/musl-cross.sh from Debian's musl source package) and the
# kernel's headers of that architecture (linux-libc-dev-ARCH-cross, or the host's own).
# scripts/setup.sh installs all of it.

.DELETE_ON_ERROR:

ARCH_TABLE   := release/arches
arch_field    = $(shell awk '$$1 == "$(1)" { print $$$(2) }' $(ARCH_TABLE))
ALL_ARCHES   := $(shell awk '!/^\#/ && NF { print $$1 }' $(ARCH_TABLE))
ARCHES       ?= $(ALL_ARCHES)
DIST         := dist
IMAGE_REPO   ?= volown/volown
# Release builds use the project's flags, whatever CFLAGS says.
RELEASE_CFLAGS := $(BASE_CFLAGS) $(HARDEN) $(OPT) $(SECTIONS)

.PHONY: cross cross-unit test-cross release release-binaries release-tarball images deb

# The rules of one architecture: $(1) Debian's name.
define arch_rules
GNU_$(1)    := $(call arch_field,$(1),2)
CC_$(1)     := $(call arch_field,$(1),3)-gcc
BUDGET_$(1) := $(call arch_field,$(1),6)

# linux/, asm/ and asm-generic/ of that architecture: Debian's cross package, or the
# host's own headers when it is the host's architecture.
$(BUILD)/$(1)/kernel-include/.stamp: $(ARCH_TABLE)
	@inc=/usr/$$(GNU_$(1))/include; \
	if [ -d "$$$$inc/asm" ]; then linux=$$$$inc/linux asm=$$$$inc/asm generic=$$$$inc/asm-generic; \
	elif [ -d /usr/include/$$(GNU_$(1))/asm ]; then \
		linux=/usr/include/linux asm=/usr/include/$$(GNU_$(1))/asm generic=/usr/include/asm-generic; \
	else echo "volown: no kernel headers for $(1): install Debian's linux-libc-dev-$(1)-cross, or run scripts/setup.sh" >&2; exit 1; fi; \
	mkdir -p $$(@D) && ln -sfn $$$$linux $$(@D)/linux && ln -sfn $$$$asm $$(@D)/asm && \
	ln -sfn $$$$generic $$(@D)/asm-generic && touch $$@

$(BUILD)/$(1)/volown: $(SRCS) $(HDRS) $(BUILD)/$(1)/kernel-include/.stamp Makefile release/release.mk
	@command -v $$(CC_$(1)) >/dev/null 2>&1 || { echo "volown: $$(CC_$(1)) not found: run scripts/setup.sh, which installs musl for $(1) (see release/release.mk)" >&2; exit 1; }
	@mkdir -p $$(@D)
	$$(CC_$(1)) $$(RELEASE_CFLAGS) -isystem $(BUILD)/$(1)/kernel-include -o $$@ $$(sort $$(SRCS)) $$(LDSTATIC)
	@size=$$$$(stat -c %s $$@); echo "$$@: $$$$size bytes"; \
	[ $$$$size -lt $$(BUDGET_$(1)) ] || { echo "volown: $$@ is $$$$size bytes, over its budget of $$(BUDGET_$(1)) bytes" >&2; exit 1; }

# The unit tests, static with that architecture's musl, for make test-cross.
$(BUILD)/$(1)/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB_SRCS) $(HDRS) $(BUILD)/$(1)/kernel-include/.stamp Makefile
	@mkdir -p $$(@D)
	$$(CC_$(1)) $$(BASE_CFLAGS) $$(HARDEN) $$(OPT) -g -Isrc -isystem $(BUILD)/$(1)/kernel-include -static -o $$@ $$< $$(LIB_SRCS)
endef
$(foreach a,$(ALL_ARCHES),$(eval $(call arch_rules,$(a))))

cross: $(patsubst %,$(BUILD)/%/volown,$(ARCHES))

cross-unit: $(foreach a,$(ARCHES),$(patsubst tests/unit/%.c,$(BUILD)/$(a)/unit/%,$(UNIT_SRCS)))

test-cross: setup cross cross-unit
	@ARCHES="$(ARCHES)" tests/cross.sh

# ---- releases ---------------------------------------------------------------------

# The source tarball is git's archive of HEAD: a release of a tree with uncommitted
# changes would ship binaries that its sources do not give.
release-tarball:
	@git -C $(CURDIR) rev-parse --git-dir >/dev/null 2>&1 || { echo "volown: make release needs a git checkout (the source tarball is git's archive of HEAD)" >&2; exit 1; }
	@if [ -z "$(ALLOW_DIRTY)" ] && [ -n "$$(git -C $(CURDIR) status --porcelain --untracked-files=no)" ]; then \
		echo "volown: the working tree has uncommitted changes; commit them (the source tarball is made from HEAD) or make release ALLOW_DIRTY=1" >&2; exit 1; fi
	@mkdir -p $(DIST)
	git -C $(CURDIR) archive --format=tar --prefix=volown-$(VERSION)/ HEAD | gzip -9n >$(DIST)/volown-$(VERSION).tar.gz

# The release files of every architecture, as make release names them (no git needed).
release-binaries: cross
	@mkdir -p $(DIST)
	@for a in $(ARCHES); do install -m 0755 $(BUILD)/$$a/volown $(DIST)/volown-$$a || exit 1; done

release: release-binaries release-tarball
	cd $(DIST) && sha256sum volown-$(VERSION).tar.gz $(patsubst %,volown-%,$(ARCHES)) >SHA256SUMS
	@cat $(DIST)/SHA256SUMS

# volown's own image for each architecture, from the release binaries: the repository's
# Dockerfile on a context that holds dist/volown-<arch> as build/volown. No cache: the
# classic builder's cache does not tell platforms apart.
images: release-binaries
	@for a in $(ARCHES); do \
		platform=$$(awk -v a=$$a '$$1 == a { print $$5 }' $(ARCH_TABLE)); \
		ctx=$(BUILD)/image-$$a; rm -rf $$ctx && mkdir -p $$ctx/build && \
		cp $(DIST)/volown-$$a $$ctx/build/volown && cp Dockerfile .dockerignore $$ctx/ && \
		echo "docker build --platform $$platform -t $(IMAGE_REPO):$(VERSION)-$$a" && \
		DOCKER_BUILDKIT=0 docker build -q --no-cache --platform $$platform \
			-t $(IMAGE_REPO):$(VERSION)-$$a $$ctx >/dev/null || exit 1; \
	done

# ---- Debian packages -------------------------------------------------------------

DEB_MAINTAINER ?= $(shell git -C $(CURDIR) log -1 --format='%an <%ae>' 2>/dev/null)

# The doctor as Debian builds C programs (dpkg-buildflags: -O2, fortify, stack
# protector, PIE, relro, now), with the project's warnings; stripped by release/deb.sh.
$(BUILD)/release/volown-doctor: $(DOCTOR_SRCS) $(DOCTOR_HDRS) doctor/doctor.mk release/release.mk
	@if ! $(DOCTOR_HAVE_LIBS); then $(DOCTOR_MISSING); exit 1; fi
	@mkdir -p $(@D)
	$(HOST_CC) $(BASE_CFLAGS) $(HARDEN) -fno-plt -O2 -D_FORTIFY_SOURCE=2 $(DOCTOR_CFLAGS) \
		-o $@ $(sort $(DOCTOR_SRCS)) $(DOCTOR_LDFLAGS) $(DOCTOR_LIBS)

deb: cross $(BUILD)/release/volown-doctor
	@DEB_MAINTAINER="$(DEB_MAINTAINER)" VERSION=$(VERSION) ARCHES="$(ARCHES)" \
		BUILD=$(BUILD) DIST=$(DIST) release/deb.sh
