#include "oci/registry_client.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "oci/media_types.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/sha256.h"

namespace wcloud::oci {

struct RegistryRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;
  std::string_view body;
  size_t max_body = size_t{8} << 20;  // manifests and tokens are small
};

struct RegistryResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names; last value wins
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool IsLoopback(std::string_view registry) {
  std::string_view host = registry.substr(0, registry.rfind(':'));
  if (registry.front() == '[') host = registry.substr(0, registry.find(']') + 1);
  return host == "localhost" || host == "[::1]" || host.substr(0, 4) == "127.";
}

// Parses `Bearer realm="...",service="...",scope="..."` into its parameters.
std::map<std::string, std::string> ChallengeParams(std::string_view challenge) {
  std::map<std::string, std::string> params;
  size_t space = challenge.find(' ');
  std::string_view rest = space == std::string_view::npos ? "" : challenge.substr(space + 1);
  while (!rest.empty()) {
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = Lower(Trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t close = rest.find('"', 1);
      value = std::string(rest.substr(1, close == std::string_view::npos ? close : close - 1));
      rest.remove_prefix(close == std::string_view::npos ? rest.size() : close + 1);
    } else {
      size_t comma = rest.find(',');
      value = Trim(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma);
    }
    params[key] = value;
    size_t comma = rest.find(',');
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
  }
  return params;
}

std::string BasicAuthorization(const Credentials& creds) {
  return "Basic " + Base64Encode(creds.username + ":" + creds.password);
}

Error HttpError(const std::string& what, const RegistryResponse& r) {
  // Registries answer {"errors":[{"code","message"}]}; show the first when present.
  std::string detail;
  Json body = Json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
      !body["errors"].empty() && body["errors"][0].is_object()) {
    const Json& e = body["errors"][0];
    detail = e.value("code", "") + ": " + e.value("message", "");
  }
  return Error(what + ": HTTP " + std::to_string(r.status) + (detail.empty() ? "" : " " + detail));
}

}  // namespace

RegistryClient::RegistryClient(Options options)
    : options_(std::move(options)), curl_(curl::NewEasy()) {}

std::string RegistryClient::BaseUrl(const api::ImageReference& ref) const {
  std::string host = ref.registry == "docker.io" ? "registry-1.docker.io" : ref.registry;
  bool plain = options_.plain_http_for_loopback && IsLoopback(ref.registry);
  return (plain ? "http://" : "https://") + host + "/v2/" + ref.repository;
}

Result<RegistryResponse> RegistryClient::Perform(const RegistryRequest& request,
                                                 const std::string& authorization) {
  CURL* curl = curl_.get();
  if (curl == nullptr) return Error("registry client: libcurl failed to initialise");
  curl_easy_reset(curl);
  RegistryResponse response;
  curl::BodySink sink(request.max_body);
  auto on_header = +[](char* data, size_t size, size_t count, void* user) -> size_t {
    auto* r = static_cast<RegistryResponse*>(user);
    std::string_view line(data, size * count);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      r->headers[Lower(std::string(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    } else if (line.substr(0, 5) == "HTTP/") {
      r->headers.clear();  // a new response (after a redirect or 100-continue)
    }
    return size * count;
  };

  curl::HeaderList headers(request.headers);
  if (!authorization.empty()) headers.Append("Authorization: " + authorization);
  // libcurl adds "Expect: 100-continue" to large uploads; registries do not need the round trip.
  headers.Append("Expect:");

  curl::SetCommon(curl, request.url, std::chrono::seconds(10));
  curl::SetMethod(curl, request.method,
                  request.method == "GET" ? std::nullopt : std::optional(request.body));
  curl::CollectBody(curl, sink);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_seconds);
  // Blob downloads redirect to storage; credentials must not follow to another host.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_UNRESTRICTED_AUTH, 0L);
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) return curl::TransferError(request.url, rc, &sink);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(sink.data);
  return response;
}

// Answers a 401 challenge: Basic with the credentials, or a Bearer token from the realm.
Result<std::string> RegistryClient::Authorize(const api::ImageReference& ref,
                                              const std::string& challenge) {
  std::string scheme = Lower(challenge.substr(0, challenge.find(' ')));
  if (scheme == "basic") {
    if (!options_.credentials) {
      return Error(ref.registry + ": registry requires credentials (set an imagePullSecret)");
    }
    return BasicAuthorization(*options_.credentials);
  }
  if (scheme != "bearer") {
    return Error(ref.registry + ": unsupported auth challenge \"" + challenge + "\"");
  }
  auto params = ChallengeParams(challenge);
  if (params["realm"].empty()) return Error(ref.registry + ": bearer challenge without realm");
  std::string url = params["realm"] + "?service=" + curl::Escape(curl_.get(), params["service"]);
  std::string scope =
      params["scope"].empty() ? "repository:" + ref.repository + ":pull" : params["scope"];
  url += "&scope=" + curl::Escape(curl_.get(), scope);
  RegistryRequest token_request;
  token_request.url = url;
  std::string basic = options_.credentials ? BasicAuthorization(*options_.credentials) : "";
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse r, Perform(token_request, basic));
  if (r.status != 200) return HttpError(ref.registry + ": token request", r);
  Json body = Json::parse(r.body, nullptr, false);
  std::string token;
  if (body.is_object()) token = body.value("token", body.value("access_token", ""));
  if (token.empty()) return Error(ref.registry + ": token response has no token");
  return "Bearer " + token;
}

Result<RegistryResponse> RegistryClient::Send(const api::ImageReference& ref,
                                              const RegistryRequest& request) {
  std::string key = ref.registry + "/" + ref.repository;
  std::string& authorization = authorization_[key];
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse r, Perform(request, authorization));
  if (r.status != 401) return r;
  std::string challenge = r.Header("www-authenticate");
  if (challenge.empty()) return HttpError(request.url, r);
  WCLOUD_ASSIGN_OR_RETURN(std::string fresh, Authorize(ref, challenge));
  if (fresh == authorization) return HttpError(ref.registry + ": credentials rejected", r);
  authorization = fresh;
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse retried, Perform(request, authorization));
  if (retried.status == 401) {
    return Error(ref.registry + ": unauthorized for " + ref.repository +
                 " (check the imagePullSecret)");
  }
  return retried;
}

Result<std::string> RegistryClient::FetchManifest(const api::ImageReference& ref,
                                                  std::string_view identifier,
                                                  std::string* media_type, std::string* digest) {
  RegistryRequest request;
  request.url = BaseUrl(ref) + "/manifests/" + std::string(identifier);
  // Without an OCI Accept header, docker-registry 2.8 answers 404.
  request.headers.push_back("Accept: " + std::string(kOciManifest) + ", " + std::string(kOciIndex) +
                            ", " + std::string(kDockerManifest) + ", " +
                            std::string(kDockerManifestList));
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse r, Send(ref, request));
  if (r.status == 404) return Error(ref.ToString() + ": manifest not found");
  if (r.status != 200) return HttpError(ref.ToString() + ": manifest", r);
  *digest = Sha256Digest(r.body);
  if (identifier.substr(0, 7) == "sha256:" && *digest != identifier) {
    return Error(ref.ToString() + ": manifest content does not match its digest " +
                 std::string(identifier));
  }
  *media_type = r.Header("content-type");
  return r.body;
}

Result<std::string> RegistryClient::ResolveDigest(const api::ImageReference& ref) {
  if (!ref.digest.empty()) return ref.digest;
  RegistryRequest request;
  request.method = "HEAD";
  request.url = BaseUrl(ref) + "/manifests/" + ref.tag;
  request.headers.push_back("Accept: " + std::string(kOciManifest) + ", " + std::string(kOciIndex) +
                            ", " + std::string(kDockerManifest));
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse r, Send(ref, request));
  if (r.status == 404) return Error(ref.ToString() + ": manifest not found");
  if (r.status != 200) return HttpError(ref.ToString() + ": manifest", r);
  std::string digest = r.Header("docker-content-digest");
  if (!digest.empty()) return digest;
  // Not every registry sends the header on HEAD: fall back to hashing the manifest.
  std::string media_type;
  WCLOUD_TRY_STATUS(FetchManifest(ref, ref.tag, &media_type, &digest));
  return digest;
}

Result<std::string> RegistryClient::FetchBlob(const api::ImageReference& ref,
                                              const std::string& digest, size_t limit) {
  RegistryRequest request;
  request.url = BaseUrl(ref) + "/blobs/" + digest;
  request.max_body = limit;
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse r, Send(ref, request));
  if (r.status != 200) return HttpError(ref.ToString() + ": blob " + digest, r);
  if (Sha256Digest(r.body) != digest) {
    return Error(ref.ToString() + ": blob content does not match its digest " + digest);
  }
  return std::move(r.body);
}

Result<PulledComponent> RegistryClient::Pull(const api::ImageReference& ref) {
  std::string media_type, digest;
  WCLOUD_ASSIGN_OR_RETURN(std::string body,
                          FetchManifest(ref, ref.Identifier(), &media_type, &digest));
  Json manifest = Json::parse(body, nullptr, false);
  if (!manifest.is_object()) return Error(ref.ToString() + ": manifest is not a JSON object");
  std::string kind = manifest.value("mediaType", media_type);
  if (kind == kOciIndex || kind == kDockerManifestList) {
    // An index: take the entry for wasm (os wasip2 or wasip1), else the only entry.
    const Json* chosen = nullptr;
    const Json& entries = manifest.contains("manifests") ? manifest["manifests"] : Json::array();
    for (const Json& m : entries) {
      if (m.is_object() && m.contains("platform") && m["platform"].is_object() &&
          m["platform"].value("architecture", "") == "wasm") {
        chosen = &m;
        break;
      }
    }
    if (chosen == nullptr && entries.is_array() && entries.size() == 1) chosen = &entries[0];
    if (chosen == nullptr || !chosen->contains("digest") || !(*chosen)["digest"].is_string()) {
      return Error(ref.ToString() + ": image index has no wasm manifest");
    }
    std::string entry_digest = (*chosen)["digest"].get<std::string>();
    std::string ignored;
    WCLOUD_ASSIGN_OR_RETURN(body, FetchManifest(ref, entry_digest, &media_type, &ignored));
    manifest = Json::parse(body, nullptr, false);
    if (!manifest.is_object()) return Error(ref.ToString() + ": manifest is not a JSON object");
  }
  if (!manifest.contains("layers") || !manifest["layers"].is_array()) {
    return Error(ref.ToString() + ": manifest has no layers");
  }
  for (const Json& layer : manifest["layers"]) {
    if (!layer.is_object()) continue;
    std::string layer_type = layer.value("mediaType", "");
    if (layer_type != kWasmLayer && layer_type != kLegacyWasmLayer) continue;
    if (!layer.contains("digest") || !layer["digest"].is_string()) {
      return Error(ref.ToString() + ": wasm layer without digest");
    }
    if (layer.contains("size") && layer["size"].is_number_unsigned() &&
        layer["size"].get<uint64_t>() > options_.max_component_bytes) {
      return Error(ref.ToString() + ": component of " +
                   std::to_string(layer["size"].get<uint64_t>()) + " bytes exceeds the limit of " +
                   std::to_string(options_.max_component_bytes));
    }
    PulledComponent pulled;
    pulled.manifest_digest = digest;
    pulled.layer_digest = layer["digest"].get<std::string>();
    WCLOUD_ASSIGN_OR_RETURN(pulled.bytes,
                            FetchBlob(ref, pulled.layer_digest, options_.max_component_bytes));
    return pulled;
  }
  return Error(ref.ToString() + ": no layer of media type " + std::string(kWasmLayer) +
               " (is this a Wasm component image?)");
}

Status RegistryClient::UploadBlob(const api::ImageReference& ref, std::string_view data,
                                  const std::string& digest) {
  RegistryRequest head;
  head.method = "HEAD";
  head.url = BaseUrl(ref) + "/blobs/" + digest;
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse exists, Send(ref, head));
  if (exists.status == 200) return Ok();

  RegistryRequest start;
  start.method = "POST";
  start.url = BaseUrl(ref) + "/blobs/uploads/";
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse started, Send(ref, start));
  if (started.status != 202) return HttpError(ref.ToString() + ": starting blob upload", started);
  std::string location = started.Header("location");
  if (location.empty()) return Error(ref.ToString() + ": blob upload without Location");
  if (location.front() == '/') {
    std::string base = BaseUrl(ref);
    location = base.substr(0, base.find("/v2/")) + location;
  }
  RegistryRequest put;
  put.method = "PUT";
  put.url = location + (location.find('?') == std::string::npos ? "?" : "&") +
            "digest=" + curl::Escape(curl_.get(), digest);
  put.headers.push_back("Content-Type: application/octet-stream");
  put.body = data;
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse done, Send(ref, put));
  if (done.status != 201) return HttpError(ref.ToString() + ": uploading blob " + digest, done);
  return Ok();
}

Result<std::string> RegistryClient::Push(const api::ImageReference& ref,
                                         std::string_view component) {
  std::string layer_digest = Sha256Digest(component);
  Json config = {{"architecture", "wasm"}, {"os", "wasip2"}, {"layerDigests", {layer_digest}}};
  std::string config_bytes = config.dump();
  std::string config_digest = Sha256Digest(config_bytes);
  WCLOUD_TRY_STATUS(UploadBlob(ref, config_bytes, config_digest));
  WCLOUD_TRY_STATUS(UploadBlob(ref, component, layer_digest));

  Json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kOciManifest},
      {"config",
       {{"mediaType", kWasmConfig}, {"digest", config_digest}, {"size", config_bytes.size()}}},
      {"layers",
       Json::array(
           {{{"mediaType", kWasmLayer}, {"digest", layer_digest}, {"size", component.size()}}})}};
  std::string manifest_bytes = manifest.dump();
  RegistryRequest put;
  put.method = "PUT";
  put.url = BaseUrl(ref) + "/manifests/" + ref.Identifier();
  put.headers.push_back("Content-Type: " + std::string(kOciManifest));
  put.body = manifest_bytes;
  WCLOUD_ASSIGN_OR_RETURN(RegistryResponse r, Send(ref, put));
  if (r.status != 201) return HttpError(ref.ToString() + ": pushing manifest", r);
  return Sha256Digest(manifest_bytes);
}

}  // namespace wcloud::oci
