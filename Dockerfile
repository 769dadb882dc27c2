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

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/helpdesk /helpdesk
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME /data
# The Mattermost adapter's listener for slash commands and dialogs (listen = ":8080").
EXPOSE 8080
ENTRYPOINT ["/helpdesk", "-db", "/data/helpdesk.db"]
