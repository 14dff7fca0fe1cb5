// What a host tells the operator about itself, every 15 s and at start: identity, labels,
// machine figures and load. In `wcloud up` it is handed over in-process; distributed hosts
// publish it on runtime.operator.heartbeat.<hostId> (wasmCloud's protocol).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "host/system_info.h"

namespace wcloud::host {

struct Heartbeat {
  std::string host_id;  // NKey public key, "N..."
  std::string hostname;
  std::string version;
  std::map<std::string, std::string> labels;  // hostgroup=default unless configured
  std::string started_at;                     // RFC 3339
  SystemInfo system;
  int32_t cpu_usage_percent = 0;
  int32_t workload_count = 0;
  int32_t component_count = 0;
  int32_t http_port = 0;
  std::vector<std::string> interfaces;  // host interfaces this host serves
};

}  // namespace wcloud::host
