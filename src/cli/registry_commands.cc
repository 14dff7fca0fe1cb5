// `wcloud push` and `wcloud pull`: move components between files and OCI registries.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/image_reference.h"
#include "cli/commands.h"
#include "oci/credentials.h"
#include "oci/registry_client.h"

namespace wcloud::cli {
namespace {

struct RegistryFlags {
  std::string docker_config;
  std::string username;
  bool password_stdin = false;
};

void AddRegistryFlags(CLI::App* cmd, RegistryFlags& flags) {
  cmd->add_option("--docker-config", flags.docker_config,
                  "Docker config.json with registry credentials (default: $DOCKER_CONFIG/"
                  "config.json or ~/.docker/config.json when present)");
  cmd->add_option("-u,--username", flags.username, "Registry user name");
  cmd->add_flag("--password-stdin", flags.password_stdin, "Read the registry password from stdin");
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(path + ": read failed");
  return ss.str();
}

std::string DefaultDockerConfig() {
  if (const char* dir = std::getenv("DOCKER_CONFIG")) return std::string(dir) + "/config.json";
  if (const char* home = std::getenv("HOME")) {
    std::string path = std::string(home) + "/.docker/config.json";
    if (std::filesystem::exists(path)) return path;
  }
  return "";
}

Result<std::optional<oci::Credentials>> ResolveCredentials(const RegistryFlags& flags,
                                                           const api::ImageReference& ref) {
  if (!flags.username.empty()) {
    if (!flags.password_stdin) return Error("--username needs --password-stdin");
    std::string password;
    std::getline(std::cin, password);
    return std::optional<oci::Credentials>(oci::Credentials{flags.username, password});
  }
  std::string path = flags.docker_config.empty() ? DefaultDockerConfig() : flags.docker_config;
  if (path.empty() || (flags.docker_config.empty() && !std::filesystem::exists(path))) {
    return std::optional<oci::Credentials>();
  }
  WCLOUD_ASSIGN_OR_RETURN(std::string config, ReadFile(path));
  auto creds = oci::FindCredentials(config, ref.registry);
  if (!creds) return creds.error().Wrap(path);
  return creds;
}

// A component starts with the wasm magic and the component-model layer/version (Binary.md).
bool LooksLikeComponent(std::string_view bytes) {
  return bytes.size() >= 8 && bytes.substr(0, 4) == std::string_view("\0asm", 4) &&
         static_cast<unsigned char>(bytes[6]) == 0x01 && bytes[7] == 0x00;
}

int Fail(const Error& error) {
  std::cerr << "error: " << error.message() << "\n";
  return 1;
}

int Push(const std::string& reference, const std::string& file, const RegistryFlags& flags) {
  auto ref = api::ParseImageReference(reference);
  if (!ref) return Fail(ref.error());
  auto bytes = ReadFile(file);
  if (!bytes) return Fail(bytes.error());
  if (!LooksLikeComponent(*bytes)) {
    return Fail(Error(file + ": not a WebAssembly component (a core module or another file)"));
  }
  auto creds = ResolveCredentials(flags, *ref);
  if (!creds) return Fail(creds.error());
  oci::RegistryClient client({.credentials = *creds});
  auto digest = client.Push(*ref, *bytes);
  if (!digest) return Fail(digest.error());
  std::cout << ref->ToString() << "@" << *digest << "\n";
  return 0;
}

int Pull(const std::string& reference, std::string output, const RegistryFlags& flags) {
  auto ref = api::ParseImageReference(reference);
  if (!ref) return Fail(ref.error());
  auto creds = ResolveCredentials(flags, *ref);
  if (!creds) return Fail(creds.error());
  oci::RegistryClient client({.credentials = *creds});
  auto pulled = client.Pull(*ref);
  if (!pulled) return Fail(pulled.error());
  if (output.empty()) {
    std::string name = ref->repository.substr(ref->repository.rfind('/') + 1);
    output = name + ".wasm";
  }
  // Written beside and renamed, so a failed pull never leaves a truncated component.
  std::string tmp = output + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(pulled->bytes.data(), static_cast<std::streamsize>(pulled->bytes.size()));
    if (!out) return Fail(Error(tmp + ": write failed"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, output, ec);
  if (ec) return Fail(Error(output + ": " + ec.message()));
  std::cout << output << " " << pulled->bytes.size() << " bytes, " << ref->ToString() << "@"
            << pulled->manifest_digest << "\n";
  return 0;
}

}  // namespace

void AddPushCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("push", "Push a component to an OCI registry");
  auto reference = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto flags = std::make_shared<RegistryFlags>();
  cmd->add_option("reference", *reference, "Image reference, e.g. ghcr.io/org/hello:1.0")
      ->required();
  cmd->add_option("component", *file, "Component file (.wasm)")->required();
  AddRegistryFlags(cmd, *flags);
  cmd->callback([=, &exit_code] { exit_code = Push(*reference, *file, *flags); });
}

void AddPullCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("pull", "Pull a component from an OCI registry");
  auto reference = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto flags = std::make_shared<RegistryFlags>();
  cmd->add_option("reference", *reference, "Image reference, e.g. ghcr.io/org/hello:1.0")
      ->required();
  cmd->add_option("-o,--output", *output, "Where to write the component (default NAME.wasm)");
  AddRegistryFlags(cmd, *flags);
  cmd->callback([=, &exit_code] { exit_code = Pull(*reference, *output, *flags); });
}

}  // namespace wcloud::cli
