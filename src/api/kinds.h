// How each kind appears in the API: names, printer columns, subresources. Shared by the CRDs and
// the embedded API server's discovery documents.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wcloud::api {

struct PrinterColumn {
  std::string name;
  std::string type;  // string, integer, date
  std::string json_path;
  std::string description;
  int priority = 0;  // 1: shown only with -o wide
};

struct KindInfo {
  std::string kind;
  std::string list_kind;
  std::string plural;
  std::string singular;
  std::vector<std::string> short_names;
  bool scale = false;  // has /scale (spec.replicas, status.replicas, status.selector)
  std::vector<PrinterColumn> columns;
  // kubectl get <category>: every kind is in kCategory; the workload-like ones (what users run
  // and scale, as Deployments and Pods are) also in "all".
  std::vector<std::string> categories;
};

inline constexpr char kCategory[] = "wasmcloud";

const std::vector<KindInfo>& AllKinds();
const KindInfo* FindKind(std::string_view kind);
const KindInfo* FindKindByPlural(std::string_view plural);

}  // namespace wcloud::api
