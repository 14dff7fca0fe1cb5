// wasi:clocks: monotonic-clock (with its timer pollables) and wall-clock.
#include <time.h>

#include <limits>

#include "wasi/host_call.h"
#include "wasi/poll.h"

namespace wcloud::wasi {
namespace {

Value DatetimeValue(const timespec& ts) {
  return Value::Aggregate({Value::Unsigned(static_cast<uint64_t>(ts.tv_sec)),
                           Value::Unsigned(static_cast<uint64_t>(ts.tv_nsec))});
}

uint64_t Nanoseconds(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

void DefineClocks(component::Linker& linker, const WasiResources& res) {
  DefineWasi(linker, "wasi:clocks/monotonic-clock", "now", 0,
             [](WasiState&, auto, std::vector<Value>& out) -> Status {
               out.push_back(Value::Unsigned(MonotonicNowNs()));
               return Ok();
             });
  DefineWasi(linker, "wasi:clocks/monotonic-clock", "resolution", 0,
             [](WasiState&, auto, std::vector<Value>& out) -> Status {
               timespec ts{};
               clock_getres(CLOCK_MONOTONIC, &ts);
               out.push_back(Value::Unsigned(Nanoseconds(ts)));
               return Ok();
             });
  auto subscribe = [res](WasiState& state, uint64_t deadline, std::vector<Value>& out) -> Status {
    WCLOUD_ASSIGN_OR_RETURN(
        Value handle,
        NewHandle(state.pollables, res.pollable,
                  std::shared_ptr<Pollable>(std::make_shared<TimerPollable>(deadline))));
    out.push_back(std::move(handle));
    return Ok();
  };
  DefineWasi(linker, "wasi:clocks/monotonic-clock", "subscribe-instant", 1,
             [subscribe](WasiState& state, std::span<const Value> args, std::vector<Value>& out)
                 -> Status { return subscribe(state, args[0].as_unsigned(), out); });
  DefineWasi(linker, "wasi:clocks/monotonic-clock", "subscribe-duration", 1,
             [subscribe](WasiState& state, std::span<const Value> args,
                         std::vector<Value>& out) -> Status {
               uint64_t now = MonotonicNowNs();
               uint64_t duration = args[0].as_unsigned();
               uint64_t max = std::numeric_limits<uint64_t>::max();
               return subscribe(state, duration > max - now ? max : now + duration, out);
             });

  DefineWasi(linker, "wasi:clocks/wall-clock", "now", 0,
             [](WasiState&, auto, std::vector<Value>& out) -> Status {
               timespec ts{};
               clock_gettime(CLOCK_REALTIME, &ts);
               out.push_back(DatetimeValue(ts));
               return Ok();
             });
  DefineWasi(linker, "wasi:clocks/wall-clock", "resolution", 0,
             [](WasiState&, auto, std::vector<Value>& out) -> Status {
               timespec ts{};
               clock_getres(CLOCK_REALTIME, &ts);
               out.push_back(DatetimeValue(ts));
               return Ok();
             });
}

}  // namespace wcloud::wasi
