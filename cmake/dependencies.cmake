# Every third-party dependency, found once. Only Debian packages and .deps/libnode are used.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(Protobuf REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
# libnats ships a broken CMake package file; pkg-config works.
pkg_check_modules(NATS REQUIRED IMPORTED_TARGET libnats)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

# V8 10.2 from Debian's libnode108/libnode-dev, extracted by scripts/install-deps.sh. Never the
# system's include/node, which may hold another V8.
set(WCLOUD_LIBNODE_ROOT "${PROJECT_SOURCE_DIR}/.deps/libnode/usr" CACHE PATH "extracted libnode")
set(_libnode_lib "${WCLOUD_LIBNODE_ROOT}/lib/x86_64-linux-gnu/libnode.so.108")
if(NOT EXISTS "${_libnode_lib}" OR NOT EXISTS "${WCLOUD_LIBNODE_ROOT}/include/node/v8.h")
  message(FATAL_ERROR "V8 not found under ${WCLOUD_LIBNODE_ROOT}: run scripts/install-deps.sh")
endif()
add_library(wcloud_v8 SHARED IMPORTED GLOBAL)
set_target_properties(wcloud_v8 PROPERTIES
  IMPORTED_LOCATION "${_libnode_lib}"
  IMPORTED_NO_SONAME OFF)
# SYSTEM: V8's headers are not ours to keep warning-free.
target_include_directories(wcloud_v8 SYSTEM INTERFACE "${WCLOUD_LIBNODE_ROOT}/include/node")
set(CMAKE_BUILD_RPATH "${WCLOUD_LIBNODE_ROOT}/lib/x86_64-linux-gnu")
set(CMAKE_INSTALL_RPATH "${WCLOUD_LIBNODE_ROOT}/lib/x86_64-linux-gnu")

# Node.js 22 of the project's own (.deps/node, from scripts/install-deps.sh) runs jco,
# componentize-js and the JavaScript clients of the tests. A Node.js elsewhere on the machine is
# never used: Debian 12's is too old for jco.
set(WCLOUD_NODE_BIN "${PROJECT_SOURCE_DIR}/.deps/node/bin" CACHE PATH "the project's Node.js")
set(WCLOUD_NODE "${WCLOUD_NODE_BIN}/node")
if(NOT EXISTS "${WCLOUD_NODE}")
  message(FATAL_ERROR "Node.js not found at ${WCLOUD_NODE}: run scripts/install-deps.sh")
endif()
# Prefix for build commands that start node, directly or through a `#!/usr/bin/env node` tool.
set(WCLOUD_WITH_NODE ${CMAKE_COMMAND} -E env "PATH=${WCLOUD_NODE_BIN}:$ENV{PATH}")
