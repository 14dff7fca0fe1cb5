#include "operator/operator.h"

namespace wcloud::operator_ {

Operator::Operator(kube::Client& client, const std::string& ns) : Operator(client, ns, Options{}) {}

Operator::Operator(kube::Client& client, const std::string& ns, Options options)
    : informers_(client, ns),
      artifacts_(client, informers_, {options.artifact_poll, options.components}),
      deployments_(client, informers_),
      replica_sets_(client, informers_),
      scheduler_(client, informers_) {}

Operator::~Operator() { Stop(); }

void Operator::Start() {
  if (started_) return;
  started_ = true;
  informers_.Start();
  artifacts_.Start();
  deployments_.Start();
  replica_sets_.Start();
  scheduler_.Start();
}

void Operator::Stop() {
  if (!started_) return;
  started_ = false;
  informers_.Stop();
  artifacts_.Stop();
  deployments_.Stop();
  replica_sets_.Stop();
  scheduler_.Stop();
}

bool Operator::WaitForSync(std::chrono::milliseconds timeout) {
  return informers_.WaitForSync(timeout);
}

}  // namespace wcloud::operator_
