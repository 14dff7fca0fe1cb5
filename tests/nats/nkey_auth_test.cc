// A real nats-server (Go nkeys) accepts our public keys and signatures: the format is compatible.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <cstring>
#include <fstream>

#include "nats/nkey.h"
#include "support/subprocess.h"

namespace wcloud::nats {
namespace {

using wcloud::testing::FreePort;
using wcloud::testing::Subprocess;
using wcloud::testing::TempDir;

natsStatus SignNonce(char** custom_err, unsigned char** signature, int* signature_len,
                     const char* nonce, void* closure) {
  (void)custom_err;
  auto* pair = static_cast<NKeyPair*>(closure);
  auto sig = pair->Sign(nonce);
  *signature = static_cast<unsigned char*>(malloc(sig.size()));
  std::memcpy(*signature, sig.data(), sig.size());
  *signature_len = static_cast<int>(sig.size());
  return NATS_OK;
}

natsStatus Connect(int port, NKeyPair& pair) {
  natsOptions* opts = nullptr;
  natsOptions_Create(&opts);
  std::string url = "nats://127.0.0.1:" + std::to_string(port);
  natsOptions_SetURL(opts, url.c_str());
  natsOptions_SetMaxReconnect(opts, 0);
  std::string pub = pair.PublicKey();
  natsOptions_SetNKey(opts, pub.c_str(), SignNonce, &pair);
  natsConnection* conn = nullptr;
  natsStatus s = natsConnection_Connect(&conn, opts);
  natsConnection_Destroy(conn);
  natsOptions_Destroy(opts);
  return s;
}

TEST(NKeyAuthTest, NatsServerAcceptsOurKeysAndRejectsOthers) {
  ASSERT_EQ(nats_Open(-1), NATS_OK);
  TempDir dir;
  auto allowed = NKeyPair::Generate(NKeyType::kUser);
  auto stranger = NKeyPair::Generate(NKeyType::kUser);
  ASSERT_TRUE(allowed && stranger);
  int port = FreePort();
  auto config = dir.path() / "nats.conf";
  std::ofstream(config) << "listen: 127.0.0.1:" << port << "\n"
                        << "authorization { users = [ { nkey: " << allowed->PublicKey()
                        << " } ] }\n";
  {
    Subprocess server({"nats-server", "-c", config.string()}, dir.path() / "nats.log");
    ASSERT_TRUE(server.WaitForPort(port)) << server.Log();
    // Failed once in CI with an Authorization Violation, not reproduced in 60 runs: the key and
    // the server's log say whether the server or our signature refused it.
    EXPECT_EQ(Connect(port, *allowed), NATS_OK)
        << nats_GetLastError(nullptr) << "\nkey " << allowed->PublicKey() << "\n"
        << server.Log();
    EXPECT_NE(Connect(port, *stranger), NATS_OK);
  }
  nats_Close();
}

}  // namespace
}  // namespace wcloud::nats
