#include "operator/service_condition.h"

#include "operator/object_types.h"

namespace wcloud::operator_ {
namespace {

const api::Condition* Find(const std::vector<api::Condition>& conditions, const char* type) {
  for (const api::Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

}  // namespace

ServiceReport ReportService(const api::Workload& w,
                            const std::optional<hostapi::ServiceStatus>& reported) {
  ServiceReport report;
  if (!w.spec.service) return report;
  const int64_t max_restarts = w.spec.service->max_restarts.value_or(0);
  const int64_t was = w.status.service_restarts.value_or(0);
  report.restarts = w.status.service_restarts;
  auto condition = [&](const std::string& status, const std::string& reason,
                       const std::string& message) {
    report.condition =
        MakeCondition(kServiceReady, status, reason, message, w.metadata, w.status.conditions);
  };
  if (!reported) {
    condition("Unknown", "Pending", "the host has not reported the service");
    return report;
  }
  const int64_t restarts = static_cast<int64_t>(reported->restarts);
  report.restarts = restarts;
  const std::string last = reported->message.empty() ? "" : ": " + reported->message;
  const std::string count = std::to_string(restarts) + " of " + std::to_string(max_restarts);
  if (reported->phase == "Running") {
    condition("True", "Running", "running (restarts: " + count + ")");
  } else if (reported->phase == "BackOff") {
    condition("False", "BackOff",
              "back-off restarting the failed service (restart " + count + ")" + last);
  } else if (reported->phase == "Completed") {
    condition("False", "Completed", "the service completed" + last);
  } else if (reported->phase == "Failed") {
    condition("False", "Failed", "the service failed after " + count + " restarts" + last);
  } else {
    condition("Unknown", "Unknown", "the host reports the service as \"" + reported->phase + "\"");
  }

  const api::Condition* before = Find(w.status.conditions, kServiceReady);
  const bool reason_changed = !before || before->reason != report.condition->reason;
  if (reported->phase == "Failed" && reason_changed) {
    report.event = {"Warning", "Failed", report.condition->message};
  } else if (restarts > was) {
    report.event = {"Warning", "BackOff",
                    "back-off restarting the failed service (restart " + count + ")" + last};
  } else if (reported->phase == "Completed" && reason_changed) {
    report.event = {"Normal", "Completed", report.condition->message};
  }
  return report;
}

}  // namespace wcloud::operator_
