# syntax=docker/dockerfile:1
# One image for every app; the command picks the app:
#   python -m apps.serve <app> --host 0.0.0.0 --port <port>
# (uvicorn with the app's factory, read deadlines and a connection cap from SERVER_*, no proxy headers).
# Pulumi (stacks/) builds it with pulumi-docker-build, `make kind-load` builds it for Kind, and the local
# stack's compose file uses it too. The base image is pinned to an exact release; pass
# --build-arg PYTHON_IMAGE=python:3.11.11-slim-bookworm@sha256:<digest> to pin it by digest as well.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
# Only the apps' runtime dependencies (pyproject's [project] dependencies, pinned there), not the dev tools.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile -r requirements.txt

FROM ${PYTHON_IMAGE} AS runtime
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
CMD ["python", "-m", "apps.serve", "gateway", "--host", "0.0.0.0", "--port", "8080"]
