#include "support.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "sim/jwt.hpp"

namespace simtest {
namespace {

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(std::vector<std::string> args, int out_fd, int err_fd) {
  args.insert(args.begin(), TARN_SIM_BIN);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (out_fd >= 0) dup2(out_fd, 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    auto argv = argv_of(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Reads one line from fd within `deadline`; "" on EOF or timeout.
std::string read_line(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string line;
  char c;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    if (read(fd, &c, 1) != 1) return "";
    if (c == '\n') return line;
    line += c;
  }
}

int port_of(const std::string& line, const std::string& scheme) {
  std::string prefix = "tarn-sim listening on " + scheme + "://127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) throw std::runtime_error("unexpected first output from tarn-sim: '" + line + "'");
  return std::stoi(line.substr(prefix.size()));
}

int wait_exit(pid_t pid) {
  int status = 0;
  for (int i = 0; i < 1000; ++i) {  // 10 s, then kill
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -SIGKILL;
}

std::string pem_of(int (*writer)(BIO*, void*), void* obj) {
  BIO* bio = BIO_new(BIO_s_mem());
  writer(bio, obj);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/tarn-sim-test-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  std::ofstream(file(name), std::ios::binary) << text;
  return file(name);
}

SimProcess::SimProcess(std::vector<std::string> args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  bool tls = false;
  for (const auto& a : args) tls = tls || a == "--https-port";
  args.insert(args.begin(), {"--port", "0"});
  auto t0 = std::chrono::steady_clock::now();
  pid_ = spawn(args, fds[1], -1);
  close(fds[1]);
  out_fd_ = fds[0];
  auto deadline = t0 + std::chrono::seconds(10);
  std::string first = read_line(out_fd_, deadline);
  std::string second = tls ? read_line(out_fd_, deadline) : "";
  startup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    port = port_of(first, "http");
    if (tls) https_port = port_of(second, "https");
  } catch (...) {
    stop();
    throw;
  }
}

SimProcess::~SimProcess() { stop(); }

int SimProcess::stop() {
  if (pid_ < 0) return 0;
  kill(pid_, SIGTERM);
  int rc = wait_exit(pid_);
  pid_ = -1;
  close(out_fd_);
  return rc;
}

httplib::Client SimProcess::client() const {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(10);
  return c;
}

Refusal run_expecting_exit(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = spawn(args, -1, fds[1]);
  close(fds[1]);
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  return {wait_exit(pid), err};
}

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

std::string secret_token(httplib::Client& c, const std::string& tenant, const std::string& client_id,
                         const std::string& secret, const std::string& scope) {
  auto r = c.Post("/entra/" + tenant + "/oauth2/v2.0/token",
                  httplib::Params{{"grant_type", "client_credentials"},
                                  {"client_id", client_id},
                                  {"client_secret", secret},
                                  {"scope", scope}});
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return json::parse(r->body).at("access_token").get<std::string>();
}

json claims_of(const std::string& token) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  auto payload = sim::jwt::b64url_decode(token.substr(first + 1, second - first - 1));
  REQUIRE(payload);
  return json::parse(*payload);
}

KeyPair::KeyPair() {
  key.reset(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) throw std::runtime_error("RSA key generation failed");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("tarn-sim-test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key.get(), EVP_sha256());
  cert_pem = pem_of([](BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); }, cert);
  public_key_pem = pem_of([](BIO* b, void* k) { return PEM_write_bio_PUBKEY(b, static_cast<EVP_PKEY*>(k)); }, key.get());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha1(), md, &n);
  x5t = sim::jwt::b64url_encode(std::string(reinterpret_cast<const char*>(md), n));
  X509_free(cert);
}

std::string sign_jwt(const json& header, const json& payload, const KeyPair& key, bool pss) {
  std::string input = sim::jwt::b64url_encode(header.dump()) + "." + sim::jwt::b64url_encode(payload.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key.key.get());
  if (pss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return input + "." + sim::jwt::b64url_encode(sig);
}

}  // namespace simtest
