# The two entry points from the README. Both install what is missing, build, then act.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
WCLOUD := $(BUILD_DIR)/wcloud

.PHONY: up test deps build

up: build
	@bash scripts/up.sh $(WCLOUD)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j $(JOBS)

deps:
	bash scripts/install-deps.sh
