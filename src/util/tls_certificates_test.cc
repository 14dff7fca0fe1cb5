#include "util/tls_certificates.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace wcloud {
namespace {

X509* ParseCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

// Verifies `leaf` against `ca` with OpenSSL's chain verification, as a TLS client would.
bool ChainVerifies(const std::string& ca_pem, const std::string& leaf_pem) {
  X509* ca = ParseCert(ca_pem);
  X509* leaf = ParseCert(leaf_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
  return ok;
}

TEST(TlsCertificatesTest, ServerCertificateChainsToCaWithNames) {
  auto ca = GenerateCertificateAuthority("wcloud-ca", 3650);
  ASSERT_TRUE(ca) << ca.error().message();
  auto server =
      IssueServerCertificate(*ca, "wcloud-apiserver", {"localhost"}, {"127.0.0.1", "::1"}, 365);
  ASSERT_TRUE(server) << server.error().message();
  EXPECT_TRUE(ChainVerifies(ca->certificate_pem, server->certificate_pem));

  X509* leaf = ParseCert(server->certificate_pem);
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(X509_check_host(leaf, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf, "::1", 0), 1);
  EXPECT_NE(X509_check_host(leaf, "example.com", 0, 0, nullptr), 1);
  X509_free(leaf);
}

TEST(TlsCertificatesTest, AnotherCaDoesNotVerify) {
  auto ca = GenerateCertificateAuthority("a", 1);
  auto other = GenerateCertificateAuthority("b", 1);
  ASSERT_TRUE(ca && other);
  auto server = IssueServerCertificate(*ca, "s", {"localhost"}, {}, 1);
  ASSERT_TRUE(server);
  EXPECT_FALSE(ChainVerifies(other->certificate_pem, server->certificate_pem));
}

TEST(TlsCertificatesTest, BadInputsAreErrors) {
  EXPECT_FALSE(IssueServerCertificate({"not pem", "not pem"}, "s", {"localhost"}, {}, 1));
  auto ca = GenerateCertificateAuthority("a", 1);
  ASSERT_TRUE(ca);
  EXPECT_FALSE(IssueServerCertificate(*ca, "s", {}, {}, 1));
  EXPECT_FALSE(IssueServerCertificate(*ca, "s", {}, {"not-an-ip"}, 1));
}

}  // namespace
}  // namespace wcloud
