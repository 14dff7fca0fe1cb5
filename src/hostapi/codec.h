// The host protocol's messages as they travel: proto3 JSON as wasmCloud's hosts and operator
// write it (pbjson): lowerCamelCase names, enums by name, 64-bit integers as strings, default
// values left out. Decoding takes what any proto3 JSON writer may send (numbers or strings for
// integers, enum names or numbers, absent or null fields as defaults) and ignores fields it does
// not know; a wrong type is an Error naming the field ("workload.witWorld.components[0].name").
#pragma once

#include "hostapi/messages.h"
#include "util/json.h"
#include "util/result.h"

namespace wcloud::hostapi {

Json Encode(const HostHeartbeat& heartbeat);
Json Encode(const WorkloadStartRequest& request);
Json Encode(const WorkloadIdRequest& request);
// A response: {"workloadStatus": {...}}.
Json Encode(const WorkloadStatus& status);
Json Encode(const WorkloadList& list);
Json Encode(const WorkloadLogsRequest& request);
Json Encode(const WorkloadLogs& logs);

Result<HostHeartbeat> DecodeHeartbeat(const Json& json);
Result<WorkloadStartRequest> DecodeStartRequest(const Json& json);
Result<WorkloadIdRequest> DecodeIdRequest(const Json& json);
Result<WorkloadStatus> DecodeStatusResponse(const Json& json);
Result<WorkloadList> DecodeWorkloadList(const Json& json);
Result<WorkloadLogsRequest> DecodeLogsRequest(const Json& json);
Result<WorkloadLogs> DecodeWorkloadLogs(const Json& json);

std::string_view WorkloadStateName(WorkloadState state);  // "WORKLOAD_STATE_RUNNING"

}  // namespace wcloud::hostapi
