# parity in a container: Debian 12, built in one stage, run from a slim
# one as a non-root user, the installed parity as the entrypoint.
#   docker build -t parity .
#   docker run --rm -v "$PWD:/work" parity demo
#   docker run --rm -v "$PWD:/work" parity run suites/x.json --base-url http://host:8080/v1
# The data directory (the shipped suites) is /usr/local/share/parity
# (docs/install.md). Tested without docker by tests/docker/run_dockerfile.py:
# each RUN line in a fresh Debian 12 chroot (PARITY_TEST_DOCKERFILE=1).

FROM debian:bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential meson ninja-build \
       pkg-config libpcre2-dev libjansson-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . /src
# No tests in the image (cmocka and the fixture server stay in CI).
RUN meson setup /build --prefix=/usr/local --buildtype=release -Dtests=false \
    && meson compile -C /build \
    && meson install -C /build --destdir /stage

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpcre2-8-0 libjansson4 libcurl4 \
       libssl3 libgomp1 libsqlite3-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /stage/usr/local/ /usr/local/
RUN useradd --create-home --uid 10001 --user-group parity \
    && mkdir -p /work && chown parity:parity /work
USER parity
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/parity"]
CMD ["--help"]
