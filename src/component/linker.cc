#include "component/linker.h"

#include <charconv>

namespace wcloud::component {
namespace {

// Parses "1.2.3" (no pre-release or build suffix); false for anything else.
bool ParseRelease(std::string_view v, uint64_t parts[3]) {
  for (int i = 0; i < 3; ++i) {
    const char* end = v.data() + v.size();
    auto [ptr, ec] = std::from_chars(v.data(), end, parts[i]);
    if (ec != std::errc() || ptr == v.data()) return false;
    v.remove_prefix(ptr - v.data());
    if (i < 2) {
      if (v.empty() || v.front() != '.') return false;
      v.remove_prefix(1);
    }
  }
  return v.empty();
}

}  // namespace

std::string CompatibleName(std::string_view name) {
  const size_t at = name.rfind('@');
  if (at == std::string_view::npos) return std::string(name);
  uint64_t v[3];
  // Pre-release versions (0.2.0-draft, 0.2.0-rc.1) are only compatible with themselves.
  if (!ParseRelease(name.substr(at + 1), v)) return std::string(name);
  std::string out(name.substr(0, at + 1));
  if (v[0] != 0) {
    out += std::to_string(v[0]);
  } else if (v[1] != 0) {
    out += "0." + std::to_string(v[1]);
  } else {
    out += "0.0." + std::to_string(v[2]);
  }
  return out;
}

void Linker::DefineFunc(std::string_view interface, std::string_view name, HostFunction fn) {
  interfaces_[CompatibleName(interface)].funcs[std::string(name)] = std::move(fn);
}

const RuntimeResource* Linker::DefineResource(std::string_view interface, std::string_view name,
                                              std::function<void(CallContext&, uint32_t)> dtor) {
  // Redefining keeps the object, so pointers handed out earlier stay valid.
  auto& slot = interfaces_[CompatibleName(interface)].resources[std::string(name)];
  if (!slot) slot = std::make_unique<RuntimeResource>();
  slot->interface = std::string(interface);
  slot->name = std::string(name);
  slot->dtor = std::move(dtor);
  return slot.get();
}

const HostFunction* Linker::FindFunc(std::string_view interface, std::string_view name) const {
  auto it = interfaces_.find(CompatibleName(interface));
  if (it == interfaces_.end()) return nullptr;
  auto f = it->second.funcs.find(name);
  return f == it->second.funcs.end() ? nullptr : &f->second;
}

const RuntimeResource* Linker::FindResource(std::string_view interface,
                                            std::string_view name) const {
  auto it = interfaces_.find(CompatibleName(interface));
  if (it == interfaces_.end()) return nullptr;
  auto r = it->second.resources.find(name);
  return r == it->second.resources.end() ? nullptr : r->second.get();
}

bool Linker::HasInterface(std::string_view interface) const {
  return interfaces_.count(CompatibleName(interface)) != 0;
}

}  // namespace wcloud::component
