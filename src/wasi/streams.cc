#include "wasi/streams.h"

#include <algorithm>

namespace wcloud::wasi {
namespace {

// A wait that cannot end is a broken stream, reported to the guest rather than trapping it.
StreamStatus Wait(Pollable& pollable) {
  auto blocked = Block(pollable);
  if (!blocked) {
    return StreamError::Failed(blocked.error().message());
  }
  return StreamOk();
}

}  // namespace

StreamResult<uint64_t> InputStream::Skip(uint64_t len) {
  auto bytes = Read(len);
  if (!bytes) {
    return bytes.error();
  }
  return static_cast<uint64_t>(bytes.value().size());
}

StreamResult<std::vector<uint8_t>> InputStream::BlockingRead(uint64_t len) {
  std::shared_ptr<Pollable> pollable;
  while (true) {
    auto bytes = Read(len);
    if (!bytes || !bytes.value().empty() || len == 0) {
      return bytes;
    }
    if (!pollable) {
      pollable = Subscribe();
    }
    auto waited = Wait(*pollable);
    if (!waited) {
      return waited.error();
    }
  }
}

StreamResult<uint64_t> InputStream::BlockingSkip(uint64_t len) {
  auto bytes = BlockingRead(len);
  if (!bytes) {
    return bytes.error();
  }
  return static_cast<uint64_t>(bytes.value().size());
}

StreamStatus OutputStream::WriteZeroes(uint64_t len) {
  std::vector<uint8_t> zeroes(len);
  return Write(zeroes);
}

// The blocking forms ask CheckWrite() first and subscribe only when it says to wait: a stream
// with room (nearly every write of a response) costs no pollable.
StreamStatus OutputStream::BlockingFlush() {
  auto flushed = Flush();
  if (!flushed) {
    return flushed;
  }
  // The flush is done once there is room again; CheckWrite() surfaces a failure of it.
  auto permit = CheckWrite();
  if (!permit) {
    return permit.error();
  }
  if (permit.value() > 0) {
    return StreamOk();
  }
  auto pollable = Subscribe();
  auto waited = Wait(*pollable);
  if (!waited) {
    return waited;
  }
  permit = CheckWrite();
  if (!permit) {
    return permit.error();
  }
  return StreamOk();
}

StreamStatus OutputStream::BlockingWriteAndFlush(std::span<const uint8_t> bytes) {
  std::shared_ptr<Pollable> pollable;
  while (!bytes.empty()) {
    auto permit = CheckWrite();
    if (!permit) {
      return permit.error();
    }
    if (permit.value() == 0) {
      if (!pollable) {
        pollable = Subscribe();
      }
      auto waited = Wait(*pollable);
      if (!waited) {
        return waited;
      }
      continue;
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(permit.value(), bytes.size()));
    auto written = Write(bytes.first(n));
    if (!written) {
      return written;
    }
    bytes = bytes.subspan(n);
  }
  return BlockingFlush();
}

StreamStatus OutputStream::BlockingWriteZeroesAndFlush(uint64_t len) {
  std::vector<uint8_t> zeroes(len);
  return BlockingWriteAndFlush(zeroes);
}

}  // namespace wcloud::wasi
