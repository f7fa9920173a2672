# One root Makefile of short verbs; the work is done by Python under ops/.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup test test-unit test-integration test-e2e lint bench profile clean up down restart status logs demo

setup:
	@$(PYTHON) ops/bootstrap.py

# Tests run in TEST_WORKERS processes (pytest-xdist; `auto` = one per core, at most 4): each worker starts its
# own DynamoDB Local and redis-server, every stack a test starts takes free ports. TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -q -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal

test: setup lint
	@$(PYTEST)

# One tier at a time, by what the tests need (tests/<tier>/): nothing, DynamoDB Local + Redis, processes.
test-unit: setup
	@$(PYTEST) tests/unit

test-integration: setup
	@$(PYTEST) tests/integration

test-e2e: setup
	@$(PYTEST) tests/e2e

lint: setup
	@$(PY) -m ruff check --quiet apps ops tests dashboards loadtests stacks platform platform_policy
	@$(PY) -m mypy

bench: setup
	@$(PY) -m ops.bench

# Where the gateway's CPU goes per request: py-spy flame graphs and a summary in reports/profile-<timestamp>/.
profile: setup
	@$(PY) -m ops.bench.profile $(if $(PROFILE_SECONDS),--seconds $(PROFILE_SECONDS))

# The local stack: every component a real process on 127.0.0.1 (python -m ops.stack --help).
up: setup
	@$(PY) -m ops.stack up

down:
	@$(PY) -m ops.stack down

# make restart COMPONENT=redis|aws|prometheus|gateway|auth|... [LOSE_DATA=1]: same port, same arguments.
restart:
	@$(PY) -m ops.stack restart $(COMPONENT) $(if $(LOSE_DATA),--lose-data)

status:
	@$(PY) -m ops.stack status

logs:
	@$(PY) -m ops.stack logs $(if $(FOLLOW),--follow) $(COMPONENT)

demo: setup
	@$(PY) -m ops.demo

clean:
	rm -rf $(VENV) .cache .run

# Monitoring as code (dashboards/): regenerate the committed JSON and rule files; push them to a Grafana.
.PHONY: dashboards dashboards-provision
dashboards: setup
	@$(PY) -m dashboards

# make dashboards-provision GRAFANA_URL=http://127.0.0.1:3000 GRAFANA_TOKEN=<service-account token>
#   [PROMETHEUS_URL=…] [TEMPO_URL=…] [LOKI_URL=…] [ALERTMANAGER_URL=…]   (as Grafana reaches them)
# Command-line variables reach the recipe's environment; the token never appears on a command line.
dashboards-provision: setup
	@$(PY) -m ops.grafana $(if $(PROMETHEUS_URL),--prometheus-url $(PROMETHEUS_URL)) \
		$(if $(TEMPO_URL),--tempo-url $(TEMPO_URL)) $(if $(LOKI_URL),--loki-url $(LOKI_URL)) \
		$(if $(ALERTMANAGER_URL),--alertmanager-url $(ALERTMANAGER_URL))

# Pulumi stacks (docs/deploy.md). STACK is localstack, dev or prod.
STACK ?= localstack
.PHONY: plan preview deploy kind-up kind-load

plan: setup
	@$(PY) -m ops.plan $(STACK)

preview: setup
	@$(PY) -m ops.pulumi_cli preview $(STACK)

deploy: setup
	@$(PY) -m ops.pulumi_cli deploy $(STACK)

kind-up: setup
	@$(PY) -m ops.kind up

kind-load: setup
	@$(PY) -m ops.kind load

# Load and security validation with Locust (docs/loadtesting.md). Without HOST a fresh local stack is
# brought up on free ports and torn down afterwards; HOST=http://127.0.0.1:8080 targets the one `make up`
# started (127.0.0.1 only, unless ALLOW_REMOTE_TARGET=1). WORKERS=N runs a Locust master and N workers.
# TARGET=dev runs the profile from the dev stack's cluster against its gateway. RUNS=5 [PASS_AT_LEAST=4] repeats
# it on fresh stacks and writes a table of the runs. A breached gate exits non-zero.
PROFILE ?= smoke
.PHONY: loadtest security

loadtest: setup
	@$(PY) -m ops.loadtest run --profile $(PROFILE) $(if $(HOST),--host $(HOST)) $(if $(WORKERS),--workers $(WORKERS)) \
	  $(if $(TARGET),--target $(TARGET)) $(if $(ALLOW_REMOTE_TARGET),--allow-remote-target) \
	  $(if $(RUNS),--runs $(RUNS)) $(if $(PASS_AT_LEAST),--pass-at-least $(PASS_AT_LEAST))

security: setup
	@$(PY) -m ops.loadtest security $(if $(HOST),--host $(HOST))

# Fault validation (docs/chaos.md): a fresh stack under the chaos workload while loadtests/chaos.toml's faults
# are injected into its processes; a breached verdict exits non-zero. SCENARIO=redis-kill runs one.
.PHONY: chaos
chaos: setup
	@$(PY) -m ops.chaos $(if $(SCENARIO),--scenario $(SCENARIO))

# Supply chain and checks of what the stacks deploy (docs/deploy.md). `make render STACK=prod` writes the
# stack's Kubernetes objects to build/manifests/prod/; `make scan` checks every stack's, the Dockerfile and the
# CI workflow (checkov, kubernetes-validate --strict; also run by `make test`); `make image-sbom` writes the
# image's CycloneDX SBOM to build/sbom/; `make lock` regenerates the hash-locked requirements/*.lock from
# pyproject.toml; `make state-backend` creates the S3 bucket and KMS key the stacks keep their state in.
.PHONY: render scan image-sbom lock state-backend

render: setup
	@$(PY) -m ops.render $(STACK)

scan: setup
	@$(PY) -m ops.scan

image-sbom: setup
	@$(PY) -m ops.sbom

lock:  # not `setup`: setup refuses a stale lock, which is what this target rewrites
	@test -x $(VENV)/bin/uv || $(PYTHON) ops/bootstrap.py
	@$(PY) -m ops.lock

state-backend: setup
	@$(PY) -m ops.state_backend up
