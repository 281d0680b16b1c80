# volown's own image: the one static binary and nothing else. Build it after `make`:
#
#   docker build -t volown/volown .
#
# and take the binary into any image with
#
#   COPY --from=volown/volown /volown /usr/local/bin/volown
FROM scratch
COPY build/volown /volown
ENTRYPOINT ["/volown"]
