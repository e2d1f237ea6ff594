# Builds and installs the extension with PGXS. The pure C++ core is built by CMake
# (CMakeLists.txt) into build/libobserve_core.a and linked into pg_observe.so, so the
# core has one build definition; only the glue in src/pg is compiled here.

EXTENSION = pg_observe
MODULE_big = pg_observe
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pg_observe.control)

OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard src/pg/*/*.cpp)))
# Install and upgrade scripts live in extension/, never beside the regression tests in sql/.
# The install script of the current version is assembled from extension/<version>/*.sql (one
# part per feature, applied in name order); upgrade scripts are written by hand.
OBSERVE_INSTALL_SQL = extension/pg_observe--$(EXTVERSION).sql
OBSERVE_INSTALL_PARTS = $(sort $(wildcard extension/$(EXTVERSION)/*.sql))
DATA_built = $(OBSERVE_INSTALL_SQL)
DATA = $(filter-out $(OBSERVE_INSTALL_SQL),$(wildcard extension/pg_observe--*.sql))

# extension runs first: it creates the extension the other suites use.
REGRESS = extension $(filter-out extension,$(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --outputdir=build/regress

CORE_BUILD = build
CORE_LIB = $(CORE_BUILD)/libobserve_core.a

PG_CPPFLAGS = -I$(CURDIR)/src -DOBSERVE_VERSION='"$(EXTVERSION)"'
# C++17 with exceptions; numerics compared with Prometheus to 1e-6, so no contraction or fast-math.
# The -Wno-* silence what PostgreSQL's own headers and fmgr macros trigger in C++ (unused
# fcinfo, partial initializers, `register` in s_lock.h); our code is -Wall -Wextra clean.
PG_CXXFLAGS = -std=c++17 -fexceptions -Wall -Wextra -Wno-unused-parameter \
              -Wno-missing-field-initializers -Wno-register -ffp-contract=off -fno-fast-math
SHLIB_LINK = $(CORE_LIB) $(shell pkg-config --libs libzstd re2 libcurl rdkafka simdjson protobuf-lite snappy zlib libmicrohttpd libhs yaml-cpp) -lresolv -lstdc++

# PGXS emits LLVM bitcode for each object when the server was built with LLVM (Debian's is);
# its default C++ rule lacks our language level and include path.
COMPILE.cxx.bc = $(CLANG) -xc++ -std=c++17 -Wno-ignored-attributes -Wno-register $(BITCODE_CXXFLAGS) \
                 $(CPPFLAGS) -flto=thin -emit-llvm -c

# Track header dependencies (core headers included by the glue too): a changed struct must
# rebuild every object that sees it, or the library mixes layouts.
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The glue includes core headers; rebuild the core archive whenever anything in it changed.
.PHONY: core
core:
	cmake -S . -B $(CORE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(CORE_BUILD) --target observe_core -j2

$(OBSERVE_INSTALL_SQL): $(OBSERVE_INSTALL_PARTS) pg_observe.control
	( echo '-- pg_observe $(EXTVERSION) install script, assembled from extension/$(EXTVERSION)/ by the Makefile.'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION pg_observe" to load this file. \quit'; \
	  for f in $(OBSERVE_INSTALL_PARTS); do echo; echo "-- $$f"; cat $$f; done ) > $@

$(CORE_LIB): core
# OBSERVE_VERSION comes from the control file: a version bump must rebuild what prints it.
$(patsubst %.cpp,%.o,$(shell grep -l OBSERVE_VERSION src/pg/*/*.cpp)): pg_observe.control
$(shlib): $(CORE_LIB)

installcheck: | build-regress-dir
.PHONY: build-regress-dir
build-regress-dir:
	@mkdir -p build/regress
