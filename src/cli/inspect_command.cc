// `wcloud inspect`: a component's imports and exports as a WIT world, as `jco wit` prints it.
#include <iostream>

#include "cli/commands.h"
#include "component/component_file.h"
#include "component/wit_printer.h"

namespace wcloud::cli {

void AddInspectCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("inspect", "print a component's imports and exports as WIT");
  auto file = std::make_shared<std::string>();
  cmd->add_option("component", *file, "the component (.wasm)")->required();
  cmd->callback([file, &exit_code] {
    auto component = component::LoadComponentFile(*file);
    if (!component) {
      std::cerr << "wcloud inspect: " << component.error().message() << "\n";
      exit_code = 2;
      return;
    }
    auto wit = component::PrintWit(**component);
    if (!wit) {
      std::cerr << "wcloud inspect: " << *file << ": " << wit.error().message() << "\n";
      exit_code = 2;
      return;
    }
    std::cout << *wit;
    exit_code = 0;
  });
}

}  // namespace wcloud::cli
