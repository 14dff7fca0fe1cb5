#include "util/tls_certificates.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace wcloud {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Result<Key> NewKey() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) return Error("tls: cannot generate an EC P-256 key");
  return key;
}

std::string ToPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string ToPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::pair<Cert, Key>> FromPem(const PemKeyPair& pair) {
  Bio cert_bio(
      BIO_new_mem_buf(pair.certificate_pem.data(), static_cast<int>(pair.certificate_pem.size())));
  Cert cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  Bio key_bio(
      BIO_new_mem_buf(pair.private_key_pem.data(), static_cast<int>(pair.private_key_pem.size())));
  Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!cert || !key) return Error("tls: the CA certificate or key is not valid PEM");
  return std::make_pair(std::move(cert), std::move(key));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Result<Cert> NewCertificate(EVP_PKEY* key, const std::string& common_name, int days) {
  Cert cert(X509_new());
  if (!cert) return Error("tls: out of memory");
  X509_set_version(cert.get(), 2);
  // 159 random bits: unique serials without keeping state.
  unsigned char serial[20];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  // Backdated a little so a clock slightly behind still accepts it.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  return cert;
}

}  // namespace

Result<PemKeyPair> GenerateCertificateAuthority(const std::string& common_name, int days) {
  WCLOUD_ASSIGN_OR_RETURN(Key key, NewKey());
  WCLOUD_ASSIGN_OR_RETURN(Cert cert, NewCertificate(key.get(), common_name, days));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash")) {
    return Error("tls: cannot add CA extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Error("tls: signing failed");
  return PemKeyPair{ToPem(cert.get()), ToPem(key.get())};
}

Result<PemKeyPair> IssueServerCertificate(const PemKeyPair& ca, const std::string& common_name,
                                          const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses, int days) {
  WCLOUD_ASSIGN_OR_RETURN(auto ca_parts, FromPem(ca));
  auto& [ca_cert, ca_key] = ca_parts;
  WCLOUD_ASSIGN_OR_RETURN(Key key, NewKey());
  WCLOUD_ASSIGN_OR_RETURN(Cert cert, NewCertificate(key.get(), common_name, days));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (san.empty()) return Error("tls: a server certificate needs at least one name or address");
  if (!AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), ca_cert.get(), NID_key_usage,
                    "critical,digitalSignature,keyEncipherment") ||
      !AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExtension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always") ||
      !AddExtension(cert.get(), ca_cert.get(), NID_subject_alt_name, san)) {
    return Error("tls: cannot add server certificate extensions (subjectAltName " + san + ")");
  }
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return Error("tls: signing failed");
  }
  return PemKeyPair{ToPem(cert.get()), ToPem(key.get())};
}

}  // namespace wcloud
