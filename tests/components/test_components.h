// Where the components built by tests/components/CMakeLists.txt live; link the test with
// wcloud_test_components and add_dependencies on test_components (or test_component_<name>).
#ifndef WCLOUD_TESTS_COMPONENTS_TEST_COMPONENTS_H_
#define WCLOUD_TESTS_COMPONENTS_TEST_COMPONENTS_H_

#include <string>
#include <string_view>

namespace wcloud::testing {

// The built component `name` ("cli_hello", "abi_reactor", "http_hello", "http_echo", "js_http").
inline std::string TestComponentPath(std::string_view name) {
  return std::string(WCLOUD_TEST_COMPONENTS_DIR) + "/" + std::string(name) + ".wasm";
}

// `jco wit` of the built component `name`, for inspection tests.
inline std::string TestComponentWitPath(std::string_view name) {
  return std::string(WCLOUD_TEST_COMPONENTS_DIR) + "/" + std::string(name) + ".wit";
}

// A file under tests/components: expected data ("expected/cli_hello/cat/stdout") and the
// directory cli_hello's cases preopen as /data ("cli_hello/data").
inline std::string TestComponentSourcePath(std::string_view relative) {
  return std::string(WCLOUD_TEST_COMPONENTS_SOURCE_DIR) + "/" + std::string(relative);
}

}  // namespace wcloud::testing

#endif  // WCLOUD_TESTS_COMPONENTS_TEST_COMPONENTS_H_
