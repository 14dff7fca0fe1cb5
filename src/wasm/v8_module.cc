#include "wasm/v8_module.h"

namespace wcloud::wasm {

Result<std::shared_ptr<v8::CompiledWasmModule>> V8Module::CompiledFor(
    std::optional<uint64_t> max_pages) const {
  if (!max_pages || info_.memories.empty()) return compiled_;
  MutexLock lock(mu_);
  if (auto it = limited_.find(*max_pages); it != limited_.end()) return it->second;
  const v8::MemorySpan<const uint8_t> wire = compiled_->GetWireBytesRef();
  const std::span<const uint8_t> bytes(wire.data(), wire.size());
  WCLOUD_ASSIGN_OR_RETURN(std::vector<uint8_t> lowered, LimitMemories(bytes, info_, *max_pages));
  std::shared_ptr<v8::CompiledWasmModule> compiled = compiled_;
  if (!lowered.empty()) {
    auto result = compiler_.CompileBytes(lowered, lazy_);
    if (!result) return result.error().Wrap("recompiling with lowered memory limits");
    compiled = *std::move(result);
  }
  limited_.emplace(*max_pages, compiled);
  return compiled;
}

}  // namespace wcloud::wasm
