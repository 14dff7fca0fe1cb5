// wasi:filesystem: types (descriptor, directory-entry-stream, filesystem-error-code) and preopens.
#include "wasi/descriptor.h"
#include "wasi/host_call.h"

namespace wcloud::wasi {
namespace {

constexpr uint32_t kSymlinkFollow = 1;  // path-flags

Value DatetimeValue(const std::optional<Datetime>& t) {
  if (!t) {
    return Value::None();
  }
  return Value::Some(
      Value::Aggregate({Value::Unsigned(t->seconds), Value::Unsigned(t->nanoseconds)}));
}

Value StatValue(const DescriptorStat& st) {
  return Value::Aggregate({Value::Enum(static_cast<uint32_t>(st.type)),
                           Value::Unsigned(st.link_count), Value::Unsigned(st.size),
                           DatetimeValue(st.access_time), DatetimeValue(st.modification_time),
                           DatetimeValue(st.status_change_time)});
}

Value HashValue(const MetadataHash& h) {
  return Value::Aggregate({Value::Unsigned(h.lower), Value::Unsigned(h.upper)});
}

Result<NewTimestamp> TimestampOf(const Value& v) {
  const auto& c = v.as_case();
  if (c.index > static_cast<uint32_t>(NewTimestamp::Kind::kTimestamp)) {
    return Error("new-timestamp case " + std::to_string(c.index) + " does not exist");
  }
  NewTimestamp t{.kind = static_cast<NewTimestamp::Kind>(c.index), .time = {}};
  if (t.kind == NewTimestamp::Kind::kTimestamp) {
    if (v.payload() == nullptr || v.payload()->items().size() != 2) {
      return Error("new-timestamp.timestamp without a datetime");
    }
    const auto& fields = v.payload()->items();
    t.time = {fields[0].as_unsigned(), static_cast<uint32_t>(fields[1].as_unsigned())};
  }
  return t;
}

bool Follow(const Value& path_flags) { return (path_flags.as_unsigned() & kSymlinkFollow) != 0; }

template <class T, class F>
Value FsValue(FsResult<T> result, F to_value) {
  if (!result) {
    return FsErrorValue(result.error());
  }
  return Value::Ok(to_value(std::move(result).value()));
}

Value FsStatusValue(const FsStatus& status) {
  return status ? Value::Ok() : FsErrorValue(status.error());
}

// result<own<T>, error-code> for an operation that yields a new object for `table`.
template <class T, class U>
Result<Value> FsHandleValue(FsResult<U> result, ResourceTable<T>& table,
                            const component::RuntimeResource* type) {
  if (!result) {
    return FsErrorValue(result.error());
  }
  WCLOUD_ASSIGN_OR_RETURN(Value handle, NewHandle(table, type, T(std::move(result).value())));
  return Value::Ok(std::move(handle));
}

using DescriptorMethod =
    std::function<Result<Value>(WasiState& state, Descriptor& self, std::span<const Value> args)>;

}  // namespace

void DefineFilesystem(component::Linker& linker, const WasiResources& res) {
  constexpr std::string_view kTypes = "wasi:filesystem/types";
  auto descriptor = [res](WasiState& state, const Value& v) -> Result<std::shared_ptr<Descriptor>> {
    WCLOUD_ASSIGN_OR_RETURN(auto* d, Lookup(state.descriptors, v, res.descriptor));
    return *d;
  };
  // A [method]descriptor.<name> with `arity` arguments after self, whose one result `method`
  // computes. The descriptor is held for the call, whatever happens to the table.
  auto method = [&](std::string_view name, size_t arity, DescriptorMethod fn) {
    DefineWasi(linker, kTypes, "[method]descriptor." + std::string(name), arity + 1,
               [descriptor, fn = std::move(fn)](WasiState& state, std::span<const Value> args,
                                                std::vector<Value>& out) -> Status {
                 WCLOUD_ASSIGN_OR_RETURN(auto self, descriptor(state, args[0]));
                 WCLOUD_ASSIGN_OR_RETURN(Value result, fn(state, *self, args.subspan(1)));
                 out.push_back(std::move(result));
                 return Ok();
               });
  };

  method("read-via-stream", 1, [res](WasiState& state, Descriptor& self, auto args) {
    return FsHandleValue(self.ReadViaStream(args[0].as_unsigned()), state.input_streams,
                         res.input_stream);
  });
  method("write-via-stream", 1, [res](WasiState& state, Descriptor& self, auto args) {
    return FsHandleValue(self.WriteViaStream(args[0].as_unsigned()), state.output_streams,
                         res.output_stream);
  });
  method("append-via-stream", 0, [res](WasiState& state, Descriptor& self, auto) {
    return FsHandleValue(self.AppendViaStream(), state.output_streams, res.output_stream);
  });
  method("advise", 3, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    uint32_t advice = args[2].as_case().index;
    if (advice > static_cast<uint32_t>(Advice::kNoReuse)) {
      return Error("advice " + std::to_string(advice) + " is not a case of the enum");
    }
    return FsStatusValue(
        self.Advise(args[0].as_unsigned(), args[1].as_unsigned(), static_cast<Advice>(advice)));
  });
  method("sync-data", 0, [](WasiState&, Descriptor& self, auto) -> Result<Value> {
    return FsStatusValue(self.SyncData());
  });
  method("get-flags", 0, [](WasiState&, Descriptor& self, auto) -> Result<Value> {
    return Value::Ok(Value::Flags(self.GetFlags()));
  });
  method("get-type", 0, [](WasiState&, Descriptor& self, auto) -> Result<Value> {
    return FsValue(self.GetType(),
                   [](DescriptorType t) { return Value::Enum(static_cast<uint32_t>(t)); });
  });
  method("set-size", 1, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsStatusValue(self.SetSize(args[0].as_unsigned()));
  });
  method("set-times", 2, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    WCLOUD_ASSIGN_OR_RETURN(NewTimestamp access, TimestampOf(args[0]));
    WCLOUD_ASSIGN_OR_RETURN(NewTimestamp modification, TimestampOf(args[1]));
    return FsStatusValue(self.SetTimes(access, modification));
  });
  method("read", 2, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsValue(self.Read(args[0].as_unsigned(), args[1].as_unsigned()), [](auto read) {
      return Value::Aggregate({Value::Bytes(std::move(read.first)), Value::Bool(read.second)});
    });
  });
  method("write", 2, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsValue(self.Write(args[0].as_bytes(), args[1].as_unsigned()),
                   [](uint64_t n) { return Value::Unsigned(n); });
  });
  method("read-directory", 0, [res](WasiState& state, Descriptor& self, auto) {
    return FsHandleValue(self.ReadDirectory(), state.directory_entry_streams,
                         res.directory_entry_stream);
  });
  method("sync", 0, [](WasiState&, Descriptor& self, auto) -> Result<Value> {
    return FsStatusValue(self.Sync());
  });
  method("create-directory-at", 1, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsStatusValue(self.CreateDirectoryAt(args[0].as_string()));
  });
  method("stat", 0, [](WasiState&, Descriptor& self, auto) -> Result<Value> {
    return FsValue(self.Stat(), StatValue);
  });
  method("stat-at", 2, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsValue(self.StatAt(Follow(args[0]), args[1].as_string()), StatValue);
  });
  method("set-times-at", 4, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    WCLOUD_ASSIGN_OR_RETURN(NewTimestamp access, TimestampOf(args[2]));
    WCLOUD_ASSIGN_OR_RETURN(NewTimestamp modification, TimestampOf(args[3]));
    return FsStatusValue(
        self.SetTimesAt(Follow(args[0]), args[1].as_string(), access, modification));
  });
  method("link-at", 4,
         [descriptor](WasiState& state, Descriptor& self, auto args) -> Result<Value> {
           WCLOUD_ASSIGN_OR_RETURN(auto new_dir, descriptor(state, args[2]));
           return FsStatusValue(
               self.LinkAt(Follow(args[0]), args[1].as_string(), *new_dir, args[3].as_string()));
         });
  method("open-at", 4, [res](WasiState& state, Descriptor& self, auto args) {
    return FsHandleValue(self.OpenAt(Follow(args[0]), args[1].as_string(),
                                     static_cast<uint32_t>(args[2].as_unsigned()),
                                     static_cast<uint32_t>(args[3].as_unsigned())),
                         state.descriptors, res.descriptor);
  });
  method("readlink-at", 1, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsValue(self.ReadlinkAt(args[0].as_string()),
                   [](std::string target) { return Value::String(std::move(target)); });
  });
  method("remove-directory-at", 1, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsStatusValue(self.RemoveDirectoryAt(args[0].as_string()));
  });
  method("rename-at", 3,
         [descriptor](WasiState& state, Descriptor& self, auto args) -> Result<Value> {
           WCLOUD_ASSIGN_OR_RETURN(auto new_dir, descriptor(state, args[1]));
           return FsStatusValue(self.RenameAt(args[0].as_string(), *new_dir, args[2].as_string()));
         });
  method("symlink-at", 2, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsStatusValue(self.SymlinkAt(args[0].as_string(), args[1].as_string()));
  });
  method("unlink-file-at", 1, [](WasiState&, Descriptor& self, auto args) -> Result<Value> {
    return FsStatusValue(self.UnlinkFileAt(args[0].as_string()));
  });
  method("is-same-object", 1,
         [descriptor](WasiState& state, Descriptor& self, auto args) -> Result<Value> {
           WCLOUD_ASSIGN_OR_RETURN(auto other, descriptor(state, args[0]));
           return Value::Bool(self.IsSameObject(*other));
         });
  method("metadata-hash", 0, [](WasiState& state, Descriptor& self, auto) -> Result<Value> {
    return FsValue(self.GetMetadataHash(state.metadata_hash_key), HashValue);
  });
  method("metadata-hash-at", 2, [](WasiState& state, Descriptor& self, auto args) -> Result<Value> {
    return FsValue(
        self.MetadataHashAt(Follow(args[0]), args[1].as_string(), state.metadata_hash_key),
        HashValue);
  });

  DefineWasi(
      linker, kTypes, "[method]directory-entry-stream.read-directory-entry", 1,
      [res](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(auto* stream, Lookup(state.directory_entry_streams, args[0],
                                                     res.directory_entry_stream));
        out.push_back(FsValue((*stream)->Next(), [](std::optional<DirectoryEntry> entry) {
          if (!entry) {
            return Value::None();
          }
          return Value::Some(Value::Aggregate(
              {Value::Enum(static_cast<uint32_t>(entry->type)), Value::String(entry->name)}));
        }));
        return Ok();
      });
  DefineWasi(
      linker, kTypes, "filesystem-error-code", 1,
      [res](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IoError * error, Lookup(state.errors, args[0], res.error));
        out.push_back(error->os_error == 0 ? Value::None()
                                           : Value::Some(Value::Enum(static_cast<uint32_t>(
                                                 ErrorCodeFromErrno(error->os_error)))));
        return Ok();
      });

  DefineWasi(
      linker, "wasi:filesystem/preopens", "get-directories", 0,
      [res](WasiState& state, auto, std::vector<Value>& out) -> Status {
        std::vector<Value> list;
        for (const PreopenDirectory& preopen : state.preopens) {
          WCLOUD_ASSIGN_OR_RETURN(Value handle,
                                  NewHandle(state.descriptors, res.descriptor, preopen.descriptor));
          list.push_back(Value::Aggregate({std::move(handle), Value::String(preopen.guest_path)}));
        }
        out.push_back(Value::Aggregate(std::move(list)));
        return Ok();
      });
}

}  // namespace wcloud::wasi
