// wasi:io: error, poll and streams, over whatever Pollable/InputStream/OutputStream objects the
// instance's tables hold.
#include <algorithm>

#include "wasi/host_call.h"

namespace wcloud::wasi {
namespace {

// The WIT's limit for the blocking write-and-flush calls.
constexpr uint64_t kMaxBlockingWrite = 4096;

Value BytesValue(std::vector<uint8_t> bytes) { return Value::Bytes(std::move(bytes)); }
Value U64Value(uint64_t v) { return Value::Unsigned(v); }

// The most a write may carry now, or the stream's error as the call's result.
struct Permit {
  uint64_t bytes = 0;
  std::optional<Value> error;  // set: return it
};

Result<Permit> CheckPermit(WasiState& state, const WasiResources& res, OutputStream& stream) {
  auto permit = stream.CheckWrite();
  if (!permit) {
    WCLOUD_ASSIGN_OR_RETURN(Value error, StreamErrorValue(state, res, permit.error()));
    return Permit{0, Value::Err(std::move(error))};
  }
  return Permit{permit.value(), std::nullopt};
}

Status TooLarge(uint64_t len, uint64_t allowed, const char* what) {
  return Error("writes " + std::to_string(len) + " bytes, more than the " +
               std::to_string(allowed) + " " + what);
}

void DefineError(component::Linker& linker, const WasiResources& res) {
  DefineWasi(
      linker, "wasi:io/error", "[method]error.to-debug-string", 1,
      [res](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IoError * error, Lookup(state.errors, args[0], res.error));
        out.push_back(Value::String(error->message));
        return Ok();
      });
}

void DefinePoll(component::Linker& linker, const WasiResources& res) {
  DefineWasi(
      linker, "wasi:io/poll", "[method]pollable.ready", 1,
      [res](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(auto* pollable, Lookup(state.pollables, args[0], res.pollable));
        out.push_back(Value::Bool((*pollable)->Ready()));
        return Ok();
      });
  DefineWasi(linker, "wasi:io/poll", "[method]pollable.block", 1,
             [res](WasiState& state, std::span<const Value> args, std::vector<Value>&) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto* pollable,
                                       Lookup(state.pollables, args[0], res.pollable));
               std::shared_ptr<Pollable> keep = *pollable;
               return Block(*keep);
             });
  DefineWasi(
      linker, "wasi:io/poll", "poll", 1,
      [res](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        const std::vector<Value>& handles = args[0].items();
        std::vector<std::shared_ptr<Pollable>> keep;
        std::vector<Pollable*> pollables;
        for (const Value& handle : handles) {
          WCLOUD_ASSIGN_OR_RETURN(auto* pollable, Lookup(state.pollables, handle, res.pollable));
          keep.push_back(*pollable);
          pollables.push_back(keep.back().get());
        }
        WCLOUD_ASSIGN_OR_RETURN(auto ready, Poll(pollables));
        std::vector<Value> indices;
        for (uint32_t index : ready) {
          indices.push_back(Value::Unsigned(index));
        }
        out.push_back(Value::Aggregate(std::move(indices)));
        return Ok();
      });
}

void DefineInputStream(component::Linker& linker, const WasiResources& res) {
  // The stream is copied out of the table: a call may add handles (errors) and move the slots.
  auto input = [res](WasiState& state, const Value& v) -> Result<std::shared_ptr<InputStream>> {
    WCLOUD_ASSIGN_OR_RETURN(auto* stream, Lookup(state.input_streams, v, res.input_stream));
    return *stream;
  };
  DefineWasi(linker, "wasi:io/streams", "[method]input-stream.read", 2,
             [res, input](WasiState& state, std::span<const Value> args,
                          std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, input(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(
                   Value result,
                   StreamResultValue(state, res, stream->Read(args[1].as_unsigned()), BytesValue));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(
      linker, "wasi:io/streams", "[method]input-stream.blocking-read", 2,
      [res, input](WasiState& state, std::span<const Value> args,
                   std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(auto stream, input(state, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(
            Value result,
            StreamResultValue(state, res, stream->BlockingRead(args[1].as_unsigned()), BytesValue));
        out.push_back(std::move(result));
        return Ok();
      });
  DefineWasi(linker, "wasi:io/streams", "[method]input-stream.skip", 2,
             [res, input](WasiState& state, std::span<const Value> args,
                          std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, input(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(
                   Value result,
                   StreamResultValue(state, res, stream->Skip(args[1].as_unsigned()), U64Value));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(
      linker, "wasi:io/streams", "[method]input-stream.blocking-skip", 2,
      [res, input](WasiState& state, std::span<const Value> args,
                   std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(auto stream, input(state, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(
            Value result,
            StreamResultValue(state, res, stream->BlockingSkip(args[1].as_unsigned()), U64Value));
        out.push_back(std::move(result));
        return Ok();
      });
  DefineWasi(linker, "wasi:io/streams", "[method]input-stream.subscribe", 1,
             [res, input](WasiState& state, std::span<const Value> args,
                          std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, input(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(
                   Value handle, NewHandle(state.pollables, res.pollable, stream->Subscribe()));
               out.push_back(std::move(handle));
               return Ok();
             });
}

void DefineOutputStream(component::Linker& linker, const WasiResources& res) {
  auto output = [res](WasiState& state, const Value& v) -> Result<std::shared_ptr<OutputStream>> {
    WCLOUD_ASSIGN_OR_RETURN(auto* stream, Lookup(state.output_streams, v, res.output_stream));
    return *stream;
  };
  auto input = [res](WasiState& state, const Value& v) -> Result<std::shared_ptr<InputStream>> {
    WCLOUD_ASSIGN_OR_RETURN(auto* stream, Lookup(state.input_streams, v, res.input_stream));
    return *stream;
  };
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.check-write", 1,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(
                   Value result, StreamResultValue(state, res, stream->CheckWrite(), U64Value));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.write", 2,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               const std::vector<uint8_t>& bytes = args[1].as_bytes();
               WCLOUD_ASSIGN_OR_RETURN(Permit permit, CheckPermit(state, res, *stream));
               if (permit.error) {
                 out.push_back(std::move(*permit.error));
                 return Ok();
               }
               if (bytes.size() > permit.bytes) {
                 return TooLarge(bytes.size(), permit.bytes, "that check-write permits");
               }
               WCLOUD_ASSIGN_OR_RETURN(Value result,
                                       StreamStatusValue(state, res, stream->Write(bytes)));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.blocking-write-and-flush", 2,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               const std::vector<uint8_t>& bytes = args[1].as_bytes();
               if (bytes.size() > kMaxBlockingWrite) {
                 return TooLarge(bytes.size(), kMaxBlockingWrite, "one blocking write may take");
               }
               WCLOUD_ASSIGN_OR_RETURN(
                   Value result,
                   StreamStatusValue(state, res, stream->BlockingWriteAndFlush(bytes)));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.flush", 1,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(Value result,
                                       StreamStatusValue(state, res, stream->Flush()));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.blocking-flush", 1,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(Value result,
                                       StreamStatusValue(state, res, stream->BlockingFlush()));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.subscribe", 1,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               WCLOUD_ASSIGN_OR_RETURN(
                   Value handle, NewHandle(state.pollables, res.pollable, stream->Subscribe()));
               out.push_back(std::move(handle));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.write-zeroes", 2,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               uint64_t len = args[1].as_unsigned();
               WCLOUD_ASSIGN_OR_RETURN(Permit permit, CheckPermit(state, res, *stream));
               if (permit.error) {
                 out.push_back(std::move(*permit.error));
                 return Ok();
               }
               if (len > permit.bytes) {
                 return TooLarge(len, permit.bytes, "that check-write permits");
               }
               WCLOUD_ASSIGN_OR_RETURN(Value result,
                                       StreamStatusValue(state, res, stream->WriteZeroes(len)));
               out.push_back(std::move(result));
               return Ok();
             });
  DefineWasi(linker, "wasi:io/streams", "[method]output-stream.blocking-write-zeroes-and-flush", 2,
             [res, output](WasiState& state, std::span<const Value> args,
                           std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(auto stream, output(state, args[0]));
               uint64_t len = args[1].as_unsigned();
               if (len > kMaxBlockingWrite) {
                 return TooLarge(len, kMaxBlockingWrite, "one blocking write may take");
               }
               WCLOUD_ASSIGN_OR_RETURN(
                   Value result,
                   StreamStatusValue(state, res, stream->BlockingWriteZeroesAndFlush(len)));
               out.push_back(std::move(result));
               return Ok();
             });
  // splice: as much of `len` as both the source has now and the destination permits.
  auto splice = [res, output, input](WasiState& state, std::span<const Value> args, bool blocking,
                                     std::vector<Value>& out) -> Status {
    WCLOUD_ASSIGN_OR_RETURN(auto dst, output(state, args[0]));
    WCLOUD_ASSIGN_OR_RETURN(auto src, input(state, args[1]));
    uint64_t len = args[2].as_unsigned();
    if (blocking) {
      auto pollable = dst->Subscribe();
      WCLOUD_TRY_STATUS(Block(*pollable));
    }
    WCLOUD_ASSIGN_OR_RETURN(Permit permit, CheckPermit(state, res, *dst));
    if (permit.error) {
      out.push_back(std::move(*permit.error));
      return Ok();
    }
    uint64_t want = std::min(len, permit.bytes);
    auto bytes = blocking ? src->BlockingRead(want) : src->Read(want);
    if (!bytes) {
      WCLOUD_ASSIGN_OR_RETURN(Value error, StreamErrorValue(state, res, bytes.error()));
      out.push_back(Value::Err(std::move(error)));
      return Ok();
    }
    uint64_t n = bytes.value().size();
    if (n > 0) {
      auto written = dst->Write(bytes.value());
      if (!written) {
        WCLOUD_ASSIGN_OR_RETURN(Value error, StreamErrorValue(state, res, written.error()));
        out.push_back(Value::Err(std::move(error)));
        return Ok();
      }
    }
    out.push_back(Value::Ok(Value::Unsigned(n)));
    return Ok();
  };
  DefineWasi(
      linker, "wasi:io/streams", "[method]output-stream.splice", 3,
      [splice](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        return splice(state, args, false, out);
      });
  DefineWasi(
      linker, "wasi:io/streams", "[method]output-stream.blocking-splice", 3,
      [splice](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        return splice(state, args, true, out);
      });
}

}  // namespace

void DefineIo(component::Linker& linker, const WasiResources& res) {
  DefineError(linker, res);
  DefinePoll(linker, res);
  DefineInputStream(linker, res);
  DefineOutputStream(linker, res);
}

}  // namespace wcloud::wasi
