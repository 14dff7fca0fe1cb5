// `wcloud validate`: decode, default and validate manifests the way the API server will.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/validation.h"
#include "cli/commands.h"
#include "util/yaml.h"

namespace wcloud::cli {
namespace {

struct Totals {
  int objects = 0;
  int errors = 0;
  int skipped = 0;
};

std::vector<std::string> ExpandInputs(const std::vector<std::string>& inputs, Totals& totals) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (in == "-" || !std::filesystem::is_directory(in, ec)) {
      files.push_back(in);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = std::filesystem::recursive_directory_iterator(in, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      auto ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
        found.push_back(it->path().string());
      }
    }
    if (ec) {
      std::cout << in << ": " << ec.message() << "\n";
      ++totals.errors;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void CheckObject(const std::string& file, const Json& doc, Totals& totals) {
  std::string api_version = doc.value("apiVersion", "");
  std::string kind = doc.value("kind", "");
  std::string name;
  if (doc.contains("metadata") && doc["metadata"].is_object()) {
    name = doc["metadata"].value("name", "");
  }
  std::string label =
      file + ": " + (kind.empty() ? "<no kind>" : kind) + "/" + (name.empty() ? "<no name>" : name);
  bool ours = api_version.rfind(std::string(api::kGroup) + "/", 0) == 0;
  if (!ours && !api_version.empty() && !kind.empty()) {
    std::cout << label << ": skipped (" << api_version << " is not " << api::kApiVersion << ")\n";
    ++totals.skipped;
    return;
  }
  ++totals.objects;
  auto decoded = api::DecodeObject(doc);
  api::FieldErrors errors = decoded.errors;
  if (decoded.object) {
    api::ApplyDefaults(*decoded.object);
    auto more = api::Validate(*decoded.object);
    errors.insert(errors.end(), more.begin(), more.end());
  }
  if (errors.empty()) {
    std::cout << label << ": ok\n";
    return;
  }
  for (const auto& e : errors) std::cout << label << ": " << e.ToString() << "\n";
  totals.errors += static_cast<int>(errors.size());
}

void CheckFile(const std::string& file, Totals& totals) {
  std::string text;
  if (file == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cout << file << ": cannot open\n";
      ++totals.errors;
      return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::string shown = file == "-" ? "<stdin>" : file;
  auto docs = ParseYamlDocuments(text);
  if (!docs) {
    std::cout << shown << ": " << docs.error().message() << "\n";
    ++totals.errors;
    return;
  }
  for (size_t i = 0; i < docs->size(); ++i) {
    const Json& doc = (*docs)[i];
    if (!doc.is_object()) {
      std::cout << shown << ": document " << i + 1 << ": expected an object\n";
      ++totals.errors;
      continue;
    }
    // A kubectl-style List: check its items.
    if (doc.value("kind", "") == "List" && doc.contains("items") && doc["items"].is_array()) {
      for (const auto& item : doc["items"]) {
        if (item.is_object()) {
          CheckObject(shown, item, totals);
        } else {
          std::cout << shown << ": document " << i + 1 << ": List item is not an object\n";
          ++totals.errors;
        }
      }
      continue;
    }
    CheckObject(shown, doc, totals);
  }
}

}  // namespace

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "validate", "Check manifests: decode, apply defaults and validate every object");
  auto inputs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("-f,--filename", *inputs,
                  "File, directory (walked for .yaml/.yml/.json) or - for stdin; repeatable")
      ->required();
  cmd->callback([inputs, &exit_code] {
    Totals totals;
    for (const auto& file : ExpandInputs(*inputs, totals)) CheckFile(file, totals);
    exit_code = totals.errors == 0 ? 0 : 1;
    if (totals.errors > 0) {
      std::cerr << totals.errors << " error(s) in " << totals.objects << " object(s)\n";
    }
  });
}

}  // namespace wcloud::cli
