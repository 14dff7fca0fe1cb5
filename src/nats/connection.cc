#include "nats/connection.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <random>
#include <thread>

#include "nats/connection_internal.h"
#include "nats/nkey.h"
#include "util/bounded_file.h"
#include "util/mutex.h"

namespace wcloud::nats {

struct Connection::State {
  natsConnection* conn = nullptr;
  std::string display_urls;
  std::function<void(bool)> on_state;
  std::optional<NKeyPair> nkey;  // signs the server's nonce at every (re)connect

  Mutex mu;
  CondVar cv;
  bool closing GUARDED_BY(mu) = false;  // ~Connection began: on_state is no longer told
  bool closed GUARDED_BY(mu) = false;   // libnats' closed callback ran: no callback follows
};

struct Connection::Subscription::State {
  MessageHandler handler;
  std::string subject;
  natsSubscription* sub = nullptr;
  AsyncDelivery delivery;
};

namespace {

constexpr size_t kMaxSeedFileBytes = 4096;

// Subjects we send must not break the protocol line they travel on: no whitespace or control
// characters, no empty tokens. (libnats checks subscriptions' subjects, not these.)
Status CheckSubject(const std::string& where, const std::string& subject) {
  bool ok = !subject.empty() && subject.front() != '.' && subject.back() != '.' &&
            subject.find("..") == std::string::npos;
  for (unsigned char c : subject) ok = ok && c > 0x20 && c != 0x7f;
  if (ok) return Ok();
  return Error(where + ": not a valid subject", ErrorCode::kInvalidArgument);
}

ErrorCode CodeOf(natsStatus s) {
  switch (s) {
    case NATS_TIMEOUT:
      return ErrorCode::kDeadlineExceeded;
    case NATS_CONNECTION_AUTH_FAILED:
      return ErrorCode::kUnauthenticated;
    case NATS_NOT_PERMITTED:
      return ErrorCode::kPermissionDenied;
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_ARG:
      return ErrorCode::kInvalidArgument;
    case NATS_MAX_PAYLOAD:
      return ErrorCode::kResourceExhausted;
    default:
      return ErrorCode::kUnavailable;
  }
}

// "nats://u:p@host:4222" -> "nats://host:4222".
std::string WithoutUserInfo(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = url.find('/', start);
  const size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

std::string DisplayUrls(const std::vector<std::string>& urls) {
  std::string out;
  for (const std::string& url : urls) {
    if (!out.empty()) out += ",";
    out += WithoutUserInfo(url);
  }
  return out;
}

// Backoff after every server in the list failed: 100 ms doubling to 2 s, plus up to 20% jitter
// so that hosts cut off together do not come back in one burst.
int64_t ReconnectDelay(natsConnection*, int attempts, void*) {
  const int64_t base = std::min<int64_t>(2000, int64_t{50} << std::clamp(attempts, 1, 6));
  thread_local std::minstd_rand jitter(std::random_device{}());
  return base + static_cast<int64_t>(jitter() % static_cast<uint64_t>(base / 5 + 1));
}

void TellState(Connection::State* state, bool connected) {
  {
    MutexLock lock(state->mu);
    if (state->closing) return;
  }
  if (state->on_state) state->on_state(connected);
}

void OnDisconnected(natsConnection*, void* closure) {
  TellState(static_cast<Connection::State*>(closure), false);
}

void OnReconnected(natsConnection*, void* closure) {
  TellState(static_cast<Connection::State*>(closure), true);
}

void OnClosed(natsConnection*, void* closure) {
  auto* state = static_cast<Connection::State*>(closure);
  MutexLock lock(state->mu);
  state->closed = true;
  state->cv.notify_all();
}

// Slow consumers, permission violations and the like, which libnats reports on the side.
void OnAsyncError(natsConnection*, natsSubscription* sub, natsStatus err, void* closure) {
  auto* state = static_cast<Connection::State*>(closure);
  const char* subject = sub != nullptr ? natsSubscription_GetSubject(sub) : nullptr;
  spdlog::warn("nats {}: {}{}{}", state->display_urls, natsStatus_GetText(err),
               subject != nullptr ? " on subscription " : "", subject != nullptr ? subject : "");
}

natsStatus SignNonce(char** custom_error, unsigned char** signature, int* signature_length,
                     const char* nonce, void* closure) {
  auto* state = static_cast<Connection::State*>(closure);
  if (!state->nkey) {
    *custom_error = strdup("no NKey to sign with");
    return NATS_ERR;
  }
  const std::array<uint8_t, 64> sig = state->nkey->Sign(nonce);
  // libnats frees the signature with free().
  *signature = static_cast<unsigned char*>(std::malloc(sig.size()));
  if (*signature == nullptr) return NATS_NO_MEMORY;
  std::memcpy(*signature, sig.data(), sig.size());
  *signature_length = static_cast<int>(sig.size());
  return NATS_OK;
}

void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* state = static_cast<Connection::Subscription::State*>(closure);
  state->delivery.Entering();
  const char* subject = natsMsg_GetSubject(msg);
  const char* reply = natsMsg_GetReply(msg);
  const char* data = natsMsg_GetData(msg);
  const int length = natsMsg_GetDataLength(msg);
  try {
    state->handler(subject != nullptr ? subject : "",
                   std::string_view(data != nullptr ? data : "",
                                    data != nullptr ? static_cast<size_t>(length) : 0),
                   reply != nullptr ? reply : "");
  } catch (const std::exception& e) {
    // An exception must not unwind through libnats' C frames.
    spdlog::error("nats: subscription {}: handler threw: {}", state->subject, e.what());
  }
  natsMsg_Destroy(msg);
}

struct OptionsDeleter {
  void operator()(natsOptions* opts) const { natsOptions_Destroy(opts); }
};

Result<NKeyPair> ReadUserSeed(const std::string& path) {
  auto text = ReadBoundedFile(path, kMaxSeedFileBytes);
  if (!text) return text.error().Wrap("nkey seed file");
  std::string seed = *text;
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  seed.erase(std::find_if(seed.rbegin(), seed.rend(), not_space).base(), seed.end());
  seed.erase(seed.begin(), std::find_if(seed.begin(), seed.end(), not_space));
  auto pair = NKeyPair::FromSeed(seed);
  if (!pair) {
    return Error("nkey seed file " + path + ": " + pair.error().message(),
                 ErrorCode::kInvalidArgument);
  }
  if (pair->type() != NKeyType::kUser) {
    return Error(
        "nkey seed file " + path + ": not a user seed (NATS users sign with an \"SU...\" seed)",
        ErrorCode::kInvalidArgument);
  }
  return pair;
}

}  // namespace

struct ConnectionInternals {
  static natsConnection* Native(Connection& connection) { return connection.state_->conn; }
};

natsConnection* NativeHandle(Connection& connection) {
  return ConnectionInternals::Native(connection);
}

Connection::Connection(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<Connection>> Connection::Connect(const ConnectOptions& options) {
  if (options.urls.empty()) {
    return Error("nats: no server URL given", ErrorCode::kInvalidArgument);
  }
  auto state = std::make_unique<State>();
  state->display_urls = DisplayUrls(options.urls);
  state->on_state = options.on_state;
  const std::string& where = state->display_urls;

  // Idempotent: the first call initializes the library, later ones find it open.
  natsStatus s = nats_Open(-1);
  if (s != NATS_OK) return Error(where + ": libnats: " + Describe(s), ErrorCode::kInternal);

  if (!options.nkey_seed_file.empty()) {
    auto pair = ReadUserSeed(options.nkey_seed_file);
    if (!pair) return pair.error().Wrap(where);
    state->nkey.emplace(std::move(pair).value());
  }
  // libnats would speak plain text to a server that does not require TLS even when the URL
  // says tls://; asking for TLS means requiring it.
  const bool tls = !options.tls_ca_file.empty() || !options.tls_cert_file.empty() ||
                   !options.tls_key_file.empty() ||
                   std::any_of(options.urls.begin(), options.urls.end(),
                               [](const std::string& url) { return url.starts_with("tls://"); });
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Error(where + ": a TLS client certificate needs both a certificate and a key file",
                 ErrorCode::kInvalidArgument);
  }

  natsOptions* raw = nullptr;
  s = natsOptions_Create(&raw);
  if (s != NATS_OK) return Error(where + ": options: " + Describe(s), ErrorCode::kInternal);
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);

  std::vector<const char*> servers;
  for (const std::string& url : options.urls) servers.push_back(url.c_str());
  s = natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size()));
  if (s != NATS_OK) {
    return Error(where + ": " + Describe(s), ErrorCode::kInvalidArgument);
  }
  const std::string public_key = state->nkey ? state->nkey->PublicKey() : "";
  const char* what = "";
  const auto set = [&](const char* option, natsStatus status) {
    if (s == NATS_OK && status != NATS_OK) {
      s = status;
      what = option;
    }
  };
  if (!options.name.empty()) set("name", natsOptions_SetName(opts.get(), options.name.c_str()));
  set("timeout", natsOptions_SetTimeout(opts.get(), options.connect_timeout.count()));
  set("reconnect", natsOptions_SetMaxReconnect(opts.get(), -1));
  set("reconnect", natsOptions_SetCustomReconnectDelay(opts.get(), ReconnectDelay, nullptr));
  // A connection that silently died (a host's network cut) is noticed within ~30 s, not the
  // default 2 × 2 minutes.
  set("ping", natsOptions_SetPingInterval(opts.get(), 10000));
  set("ping", natsOptions_SetMaxPingsOut(opts.get(), 2));
  set("requests", natsOptions_SetFailRequestsOnDisconnect(opts.get(), true));
  set("callbacks", natsOptions_SetDisconnectedCB(opts.get(), OnDisconnected, state.get()));
  set("callbacks", natsOptions_SetReconnectedCB(opts.get(), OnReconnected, state.get()));
  set("callbacks", natsOptions_SetClosedCB(opts.get(), OnClosed, state.get()));
  set("callbacks", natsOptions_SetErrorHandler(opts.get(), OnAsyncError, state.get()));
  if (!options.credentials_file.empty()) {
    set("credentials file", natsOptions_SetUserCredentialsFromFiles(
                                opts.get(), options.credentials_file.c_str(), nullptr));
  }
  if (state->nkey) {
    set("nkey", natsOptions_SetNKey(opts.get(), public_key.c_str(), SignNonce, state.get()));
  }
  if (!options.user.empty() || !options.password.empty()) {
    set("user",
        natsOptions_SetUserInfo(opts.get(), options.user.c_str(), options.password.c_str()));
  }
  if (!options.token.empty()) set("token", natsOptions_SetToken(opts.get(), options.token.c_str()));
  if (tls) set("tls", natsOptions_SetSecure(opts.get(), true));
  if (!options.tls_ca_file.empty()) {
    set("tls CA file",
        natsOptions_LoadCATrustedCertificates(opts.get(), options.tls_ca_file.c_str()));
  }
  if (!options.tls_cert_file.empty()) {
    set("tls certificate",
        natsOptions_LoadCertificatesChain(opts.get(), options.tls_cert_file.c_str(),
                                          options.tls_key_file.c_str()));
  }
  if (s != NATS_OK) {
    return Error(where + ": " + what + ": " + Describe(s), ErrorCode::kInvalidArgument);
  }

  // No callback fires for a connect that fails (libnats closes it without them), so `state`
  // may go with the error.
  s = natsConnection_Connect(&state->conn, opts.get());
  if (s != NATS_OK) {
    state->conn = nullptr;
    return Error(where + ": " + Describe(s), CodeOf(s) == ErrorCode::kUnauthenticated
                                                 ? ErrorCode::kUnauthenticated
                                                 : ErrorCode::kUnavailable);
  }
  return std::unique_ptr<Connection>(new Connection(std::move(state)));
}

Connection::~Connection() {
  {
    MutexLock lock(state_->mu);
    state_->closing = true;
  }
  natsConnection_Close(state_->conn);
  // The closed callback is the connection's last; after it libnats holds no pointer to state_.
  {
    MutexLock lock(state_->mu);
    while (!state_->closed) state_->cv.Wait(lock);
  }
  natsConnection_Destroy(state_->conn);
}

const std::string& Connection::display_urls() const { return state_->display_urls; }

bool Connection::connected() const {
  return natsConnection_Status(state_->conn) == NATS_CONN_STATUS_CONNECTED;
}

Status Connection::Publish(const std::string& subject, std::string_view data) {
  WCLOUD_TRY_STATUS(CheckSubject(state_->display_urls + ": publish " + subject, subject));
  if (data.size() > INT_MAX) {
    return Error(state_->display_urls + ": publish " + subject + ": message too large",
                 ErrorCode::kResourceExhausted);
  }
  natsStatus s = natsConnection_Publish(state_->conn, subject.c_str(), data.data(),
                                        static_cast<int>(data.size()));
  if (s != NATS_OK) {
    return Error(state_->display_urls + ": publish " + subject + ": " + Describe(s), CodeOf(s));
  }
  return Ok();
}

Result<std::string> Connection::Request(const std::string& subject, std::string_view data,
                                        std::chrono::milliseconds timeout) {
  const std::string where = state_->display_urls + ": request " + subject;
  WCLOUD_TRY_STATUS(CheckSubject(where, subject));
  if (data.size() > INT_MAX) {
    return Error(where + ": message too large", ErrorCode::kResourceExhausted);
  }
  // While reconnecting libnats would buffer the request and wait out the timeout; the caller is
  // better served by an error now.
  if (!connected()) {
    return Error(where + ": not connected to NATS (reconnecting)", ErrorCode::kUnavailable);
  }
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_Request(&reply, state_->conn, subject.c_str(), data.data(),
                                        static_cast<int>(data.size()), timeout.count());
  if (s == NATS_TIMEOUT) {
    return Error(where + ": no reply within " + std::to_string(timeout.count()) + " ms",
                 ErrorCode::kDeadlineExceeded);
  }
  if (s == NATS_NO_RESPONDERS) {
    return Error(where + ": no responders (nobody subscribes to the subject)",
                 ErrorCode::kUnavailable);
  }
  if (s != NATS_OK) return Error(where + ": " + Describe(s), CodeOf(s));
  const char* payload = natsMsg_GetData(reply);
  const int length = natsMsg_GetDataLength(reply);
  std::string out = payload != nullptr && length > 0 ? std::string(payload, length) : "";
  natsMsg_Destroy(reply);
  return out;
}

Result<std::unique_ptr<Connection::Subscription>> Connection::Subscribe(const std::string& subject,
                                                                        MessageHandler handler) {
  const std::string where = state_->display_urls + ": subscribe " + subject;
  if (!handler) return Error(where + ": no handler", ErrorCode::kInvalidArgument);
  auto sub_state = std::make_unique<Subscription::State>();
  sub_state->handler = std::move(handler);
  sub_state->subject = subject;
  natsSubscription* sub = nullptr;
  natsStatus s =
      natsConnection_Subscribe(&sub, state_->conn, subject.c_str(), OnMessage, sub_state.get());
  if (s != NATS_OK) return Error(where + ": " + Describe(s), CodeOf(s));
  s = natsSubscription_SetOnCompleteCB(sub, AsyncDelivery::OnComplete, &sub_state->delivery);
  if (s != NATS_OK) {
    // The connection closed under us. Its delivery thread may still be handing the handler a
    // message, and without the completion callback nothing says when it stops: the state is
    // left to it rather than freed under it.
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    (void)sub_state.release();
    return Error(where + ": " + Describe(s), ErrorCode::kUnavailable);
  }
  sub_state->sub = sub;
  return std::unique_ptr<Subscription>(new Subscription(std::move(sub_state)));
}

Status Connection::Flush(std::chrono::milliseconds timeout) {
  natsStatus s = natsConnection_FlushTimeout(state_->conn, timeout.count());
  if (s != NATS_OK) {
    return Error(state_->display_urls + ": flush: " + Describe(s), CodeOf(s));
  }
  return Ok();
}

Connection::Subscription::Subscription(std::unique_ptr<State> state) : state_(std::move(state)) {}

Connection::Subscription::~Subscription() { state_->delivery.Close(state_->sub); }

std::string Describe(natsStatus s) {
  std::string text = natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (last == s && detail != nullptr && *detail != '\0') text = detail;
  // libnats puts where it failed in front: "(conn.c:2088): No server available ...".
  if (text.starts_with("(")) {
    if (size_t end = text.find("): "); end != std::string::npos) text.erase(0, end + 3);
  }
  // A plain phrase reads in lower case inside our message; anything else (a path, a quoted
  // name, a subject) is left as it is but for its first letter.
  const bool phrase = std::all_of(text.begin(), text.end(),
                                  [](unsigned char c) { return std::isalpha(c) || c == ' '; });
  for (size_t i = 0; i < text.size() && (phrase || i == 0); ++i) {
    text[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  }
  return text;
}

void AsyncDelivery::Entering() {
  MutexLock lock(mu_);
  thread_ = std::this_thread::get_id();
}

void AsyncDelivery::OnComplete(void* closure) {
  auto* delivery = static_cast<AsyncDelivery*>(closure);
  MutexLock lock(delivery->mu_);
  delivery->done_ = true;
  delivery->cv_.notify_all();
}

void AsyncDelivery::Close(natsSubscription* sub) {
  {
    MutexLock lock(mu_);
    // Waiting below for the handler to return would wait for ourselves.
    assert(thread_ != std::this_thread::get_id());
  }
  // Fails only when the connection is closed, which closed the subscription already.
  natsSubscription_Unsubscribe(sub);
  {
    MutexLock lock(mu_);
    while (!done_) cv_.Wait(lock);
  }
  natsSubscription_Destroy(sub);
}

}  // namespace wcloud::nats
