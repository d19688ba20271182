#pragma once
// Test support for tarn-sim: start the real binary on a free loopback port, temp dirs,
// RSA keys and certificates made with OpenSSL, and small HTTP helpers.
#include <httplib.h>
#include <openssl/evp.h>
#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace simtest {

using json = nlohmann::json;

// A fresh directory under $TMPDIR (or /tmp), removed with its contents at the end.
struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const;  // returns the path
};

// tarn-sim running as a child: started with --port 0 plus `args`; stopped (SIGTERM) at the end.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> args = {});
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port = 0;
  int https_port = 0;            // 0 unless started with --https-port
  double startup_seconds = 0;    // from fork to the "listening" line(s) on stdout
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string https_base() const { return "https://127.0.0.1:" + std::to_string(https_port); }
  httplib::Client client() const;
  // SIGTERM and wait; returns the exit status (or -signal).
  int stop();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
};

// Runs tarn-sim with `args` to completion (it is expected to refuse them): exit code and stderr.
struct Refusal {
  int exit_code;
  std::string err;
};
Refusal run_expecting_exit(const std::vector<std::string>& args);

json body_of(const httplib::Result& r);

// A client-credentials token from the sim (REQUIREs success).
std::string secret_token(httplib::Client& c, const std::string& tenant, const std::string& client_id,
                         const std::string& secret, const std::string& scope);
// The payload of a JWT, unverified.
json claims_of(const std::string& jwt);

// An RSA key with a self-signed certificate, as a principal's certificate credential.
struct KeyPair {
  KeyPair();
  std::shared_ptr<EVP_PKEY> key;
  std::string cert_pem;
  std::string public_key_pem;
  std::string x5t;  // base64url SHA-1 thumbprint of the certificate
};
// header.payload.signature with RS256 (or PS256) over base64url JSON.
std::string sign_jwt(const json& header, const json& payload, const KeyPair& key, bool pss = false);

}  // namespace simtest
