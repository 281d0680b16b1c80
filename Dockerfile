# volown's own image: the one static binary and nothing else. Build it after `make`:
#
#   docker build -t volown/volown .
#
# and take the binary into any image with
#
#   COPY --from=volown/volown /volown /usr/local/bin/volown
#
# `make images` builds it for every architecture from the release binaries
# (volown/volown:VERSION-ARCH, each on a context whose build/volown is dist/volown-ARCH).
FROM scratch
COPY build/volown /volown
ENTRYPOINT ["/volown"]
