// wasi:filesystem/types error-code, in the WIT's case order (the enum's discriminant is the index).
#pragma once

#include <cstdint>

#include "wasi/expected.h"

namespace wcloud::wasi {

enum class ErrorCode : uint8_t {
  kAccess,
  kWouldBlock,
  kAlready,
  kBadDescriptor,
  kBusy,
  kDeadlock,
  kQuota,
  kExist,
  kFileTooLarge,
  kIllegalByteSequence,
  kInProgress,
  kInterrupted,
  kInvalid,
  kIo,
  kIsDirectory,
  kLoop,
  kTooManyLinks,
  kMessageSize,
  kNameTooLong,
  kNoDevice,
  kNoEntry,
  kNoLock,
  kInsufficientMemory,
  kInsufficientSpace,
  kNotDirectory,
  kNotEmpty,
  kNotRecoverable,
  kUnsupported,
  kNoTty,
  kNoSuchDevice,
  kOverflow,
  kNotPermitted,
  kPipe,
  kReadOnly,
  kInvalidSeek,
  kTextFileBusy,
  kCrossDevice,
};

// The error-code for an errno value; kIo for ones WASI has no name for.
ErrorCode ErrorCodeFromErrno(int err);

template <class T>
using FsResult = Expected<T, ErrorCode>;

}  // namespace wcloud::wasi
