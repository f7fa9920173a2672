# syntax=docker/dockerfile:1
# One image for every app; the command picks the app:
#   python -m apps.serve <app> --host 0.0.0.0 --port <port>
# (uvicorn with the app's factory, read deadlines and a connection cap from SERVER_*, no proxy headers).
# Pulumi (stacks/) builds it with pulumi-docker-build, `make kind-load` builds it for Kind, and the local
# stack's compose file uses it too.
#
# The base image is pinned by digest, in this one line: the tag says which Python and Debian, the digest which
# bytes (the tag's multi-platform index). To move to a newer one, resolve it on a machine with Docker
# (`docker buildx imagetools inspect python:3.11.11-slim-bookworm`, its "Digest:" line) and change this line
# (docs/deploy.md, "Base image"); the tests check it stays pinned and within pyproject's requires-python.
FROM python:3.11.11-slim-bookworm@sha256:081075da77b2b55c23c088251026fb69a7b2bf92471e491ff5fd75c192fd38e5 AS base

FROM base AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Only the apps' runtime dependencies, every one pinned with its hashes (requirements/runtime.lock, `make lock`).
COPY requirements/runtime.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile --require-hashes -r runtime.lock

# The load generator's dependencies: the apps' and Locust, pinned with their hashes (requirements/loadtest.lock).
FROM base AS loadtest-build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements/loadtest.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile --require-hashes -r loadtest.lock

FROM base AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="cnop-apps" \
      org.opencontainers.image.description="Cloud Native Order Processor: every app; the command picks one" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11.11-slim-bookworm" \
      org.opencontainers.image.vendor="cnop"
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY apps ./apps
# The table bootstrap (`python -m ops.tables`), which the compose file runs once against LocalStack.
COPY ops/__init__.py ops/tables.py ./ops/
# Compiled once here: at run time the root filesystem is read-only.
RUN python -m compileall -q /app/apps /app/ops /opt/venv/lib
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8080
# For Docker and compose (Kubernetes runs its own probes): the app's cheap readiness path (the catalogue's
# probe_path), on the port its command line names.
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; a = open('/proc/1/cmdline').read().split('\\0'); port = a[a.index('--port') + 1] if '--port' in a else '8080'; sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/readyz', timeout=2).status != 200)"]
CMD ["python", "-m", "apps.serve", "gateway", "--host", "0.0.0.0", "--port", "8080"]

# The in-cluster load generator (`make loadtest TARGET=<stack>`, docs/loadtesting.md): the apps image with Locust,
# the locustfiles and their profiles; ops/loadtest/pod.py runs a Locust master or worker under it. Built with
# `--target loadtest` where a stack enables cnop:loadtest (the Images component, `make kind-load`).
FROM runtime AS loadtest
LABEL org.opencontainers.image.title="cnop-loadtest" \
      org.opencontainers.image.description="Cloud Native Order Processor: the Locust load generator of the clusters"
USER root
COPY --from=loadtest-build /opt/venv /opt/venv
COPY loadtests ./loadtests
COPY ops/servers.py ./ops/
COPY ops/loadtest/__init__.py ops/loadtest/gates.py ops/loadtest/measure.py ops/loadtest/profiles.py \
     ops/loadtest/pod.py ./ops/loadtest/
RUN python -m compileall -q /app/loadtests /app/ops /opt/venv/lib
USER 10001:10001
HEALTHCHECK NONE
EXPOSE 5557 8089
CMD ["python", "-m", "locust", "--version"]

# A plain `docker build` builds the apps image: the last stage is the default target.
FROM runtime AS apps
