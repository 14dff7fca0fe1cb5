# Helpers every layer uses, so warnings, include roots and test registration stay uniform.

set(WCLOUD_WARNINGS -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 reports std::string concatenation at -O2+ as overlapping memcpy (GCC bug 105329).
  list(APPEND WCLOUD_WARNINGS -Wno-restrict)
endif()

# wcloud_library(<layer> SRCS a.cc ... DEPS target ...): static library wcloud_<layer>.
# Includes are rooted at src/ ("util/result.h").
function(wcloud_library layer)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(wcloud_${layer} STATIC ${ARG_SRCS})
  target_include_directories(wcloud_${layer} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(wcloud_${layer} PRIVATE ${WCLOUD_WARNINGS})
  target_link_libraries(wcloud_${layer} PUBLIC ${ARG_DEPS})
endfunction()

# wcloud_test(<name> SRCS a_test.cc ... DEPS target ... [LABELS unit|integration] [TIMEOUT s]):
# one GoogleTest binary, one CTest entry.
function(wcloud_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_compile_options(${name} PRIVATE ${WCLOUD_WARNINGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "WCLOUD_SOURCE_DIR=${PROJECT_SOURCE_DIR};WCLOUD_BINARY_DIR=${PROJECT_BINARY_DIR}")
  wcloud_tests_use_node(${name})
endfunction()

# wcloud_tests_use_node(<test> ...): the tests, and what they start, find the project's Node.js
# first on PATH (jco and componentize-js are `#!/usr/bin/env node` scripts).
function(wcloud_tests_use_node)
  set_tests_properties(${ARGN} PROPERTIES
    ENVIRONMENT_MODIFICATION "PATH=path_list_prepend:${WCLOUD_NODE_BIN}")
endfunction()
