# The helpdesk bot as a small static image. Build: docker build -t helpdesk .
# Run:   docker run -v helpdesk-data:/data -v $PWD/helpdesk.toml:/config/helpdesk.toml:ro \
#          -e HELPDESK_DISCORD_TOKEN_FILE=/run/secrets/discord helpdesk -config /config/helpdesk.toml
# The database lives on the /data volume; the process runs as an unprivileged user
# and creates its files readable by that user only (it sets its own umask).
# .dockerignore keeps local databases, configurations and .git out of the build.

# The build image is pinned to a Go release (add its @sha256 digest where
# your registry shows it, for builds that repeat bit for bit).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go, so the binary needs no C library; timetzdata
# embeds the time zones the config may name.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/helpdesk ./cmd/helpdesk \
	&& mkdir -p /out/data

# Litestream, for the image that replicates the database (target
# with-litestream, below): its own program, never linked into the helpdesk.
FROM golang:1.26.8-bookworm AS litestream
RUN CGO_ENABLED=0 GOBIN=/out go install -trimpath -ldflags="-s -w" github.com/benbjohnson/litestream/cmd/litestream@v0.5.18

FROM scratch AS helpdesk
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/helpdesk /helpdesk
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME /data
# The Mattermost adapter's listener for slash commands and dialogs (listen = ":8080").
EXPOSE 8080
ENTRYPOINT ["/helpdesk", "-db", "/data/helpdesk.db"]

# The helpdesk under Litestream, which streams the database to an
# S3-compatible bucket (docs/litestream-s3.yml; the keys and the bucket
# come from the environment) and runs the helpdesk as its child: it stops
# when the helpdesk stops, after a last sync. Build:
#   docker build --target with-litestream -t helpdesk-litestream .
# Run: see docs/compose.yml. The command line given to the container is
# Litestream's (replicate -exec "…"), not the helpdesk's.
FROM helpdesk AS with-litestream
COPY --from=litestream /out/litestream /litestream
COPY docs/litestream-s3.yml /etc/litestream.yml
ENTRYPOINT ["/litestream", "replicate", "-config", "/etc/litestream.yml"]
CMD ["-exec", "/helpdesk -db /data/helpdesk.db -config /config/helpdesk.toml"]

# The default target: the helpdesk alone, as before.
FROM helpdesk
