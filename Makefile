# semrouter — the two commands a fresh Debian 12 machine needs: `make run`, `make test`.
BUILD ?= build
JOBS  ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test unit-test integration-test e2e-test bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Built-in default config; when no configured backend answers, built-in demo
# backends start instead (loudly announced), so curl shows routing at once.
run: build
	./$(BUILD)/semrouter serve --demo-if-unreachable

test: build
	@bash scripts/test.sh $(BUILD)

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
