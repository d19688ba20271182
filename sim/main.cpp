// tarn-sim: serves the simulated cloud on loopback over HTTP (and HTTPS when given a
// certificate) until SIGTERM/SIGINT, then saves --state. The first stdout line is
// "tarn-sim listening on http://HOST:PORT" (a second names the HTTPS listener), flushed,
// so a test can start it with --port 0 and read the port.
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "sim/server.hpp"
#include "sim/services.hpp"

namespace {

const char* const kUsage =
    "usage: tarn-sim [--host 127.0.0.1] [--port N] [--https-port N --cert FILE --key FILE]\n"
    "                [--state FILE] [--seed FILE.json]\n"
    "Serves tarn's local cloud (Entra, managed identity, Fabric, ...) on loopback.\n"
    "  --host ADDR       loopback address to bind (127.0.0.0/8, ::1 or localhost); default 127.0.0.1\n"
    "  --port N          HTTP port; 0 picks a free one (default 8642, tarn's TARN_SIM_URL default)\n"
    "  --https-port N    also serve HTTPS on N (0 = free port); needs --cert and --key\n"
    "  --cert FILE       PEM server certificate (chain) for HTTPS\n"
    "  --key FILE        PEM private key for HTTPS\n"
    "  --state FILE      load the state from FILE if it exists; save it on every change and at exit\n"
    "  --seed FILE       JSON the state starts from (and returns to on POST /_sim/reset)\n"
    "See docs/simulator.md.\n";

struct Args {
  std::string host = "127.0.0.1";
  int port = 8642;  // where the "local" cloud profile looks when TARN_SIM_URL is unset
  int https_port = -1;
  std::string cert, key, state, seed;
};

[[noreturn]] void die(const std::string& message) {
  std::cerr << "tarn-sim: " << message << std::endl;
  std::exit(2);
}

int parse_port(const char* flag, const char* text) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < 0 || v > 65535)
    die(std::string(flag) + " " + text + ": expected a port number from 0 to 65535");
  return static_cast<int>(v);
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Args parse_args(int argc, char** argv) {
  static const option options[] = {{"host", required_argument, nullptr, 'h'},  {"port", required_argument, nullptr, 'p'},
                                   {"https-port", required_argument, nullptr, 's'},
                                   {"cert", required_argument, nullptr, 'c'},  {"key", required_argument, nullptr, 'k'},
                                   {"state", required_argument, nullptr, 't'}, {"seed", required_argument, nullptr, 'e'},
                                   {"help", no_argument, nullptr, '?' + 256},  {nullptr, 0, nullptr, 0}};
  Args a;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", options, nullptr)) != -1) {
    switch (c) {
      case 'h': a.host = optarg; break;
      case 'p': a.port = parse_port("--port", optarg); break;
      case 's': a.https_port = parse_port("--https-port", optarg); break;
      case 'c': a.cert = optarg; break;
      case 'k': a.key = optarg; break;
      case 't': a.state = optarg; break;
      case 'e': a.seed = optarg; break;
      case '?' + 256: std::cout << kUsage; std::exit(0);
      default: die(std::string("unknown or incomplete option '") + argv[optind - 1] + "'\n" + kUsage);
    }
  }
  if (optind < argc) die(std::string("unexpected argument '") + argv[optind] + "'\n" + kUsage);
  if (!is_loopback(a.host))
    die("--host " + a.host + " is not a loopback address; tarn-sim serves only on 127.0.0.0/8, ::1 or localhost");
  bool tls = a.https_port >= 0;
  if (tls && (a.cert.empty() || a.key.empty())) die("--https-port needs --cert FILE and --key FILE");
  if (!tls && (!a.cert.empty() || !a.key.empty())) die("--cert and --key are only used with --https-port");
  return a;
}

sim::json read_seed(const std::string& path) {
  if (path.empty()) return sim::json::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) die("--seed " + path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  try {
    sim::json seed = sim::json::parse(text.str());
    if (!seed.is_object()) die("--seed " + path + ": expected a JSON object");
    return seed;
  } catch (const sim::json::parse_error& e) {
    die("--seed " + path + ": not valid JSON (" + e.what() + ")");
  }
}

// Binds `server` to host:port (0 = any free port) and returns the port.
int bind_listener(httplib::Server& server, const Args& a, int port, const char* what) {
  int bound = port == 0 ? server.bind_to_any_port(a.host) : (server.bind_to_port(a.host, port) ? port : -1);
  if (bound <= 0) die(std::string("cannot listen for ") + what + " on " + a.host + ":" + std::to_string(port));
  return bound;
}

// Without TCP_NODELAY a small response written after its headers waits for the client's
// delayed ACK (about 40 ms per request on a kept-alive connection), and httplib's default
// of 5 requests per connection makes clients reconnect; real services allow far more.
// httplib gives each open connection a worker thread until it closes or idles out (5 s), and
// its default pool is 8: a ninth client (a spec's control calls beside tarn's kept-alive
// connections) waited 5 s for a worker. Idle threads cost little.
constexpr std::size_t kWorkers = 64;
void tune(httplib::Server& server) {
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(10000);
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
}

std::string url(const char* scheme, const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return std::string(scheme) + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);

  // Signals are taken synchronously by main (sigwait) so that the save at exit runs on a
  // normal thread; every thread created below inherits the mask.
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGTERM);
  sigaddset(&wanted, SIGINT);
  sigaddset(&wanted, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &wanted, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a dropped connection must not kill the process

  std::unique_ptr<sim::Sim> simulator;
  try {
    simulator = std::make_unique<sim::Sim>(sim::Sim::Options{read_seed(args.seed), args.state});
    sim::register_all(*simulator);
    simulator->validate();
  } catch (const std::exception& e) {
    die(e.what());
  }

  httplib::Server http;
  tune(http);
  simulator->attach(http, "http");
  int http_port = bind_listener(http, args, args.port, "HTTP");
  std::unique_ptr<httplib::SSLServer> https;
  int https_port = -1;
  if (args.https_port >= 0) {
    https = std::make_unique<httplib::SSLServer>(args.cert.c_str(), args.key.c_str());
    if (!https->is_valid()) die("cannot use --cert " + args.cert + " with --key " + args.key + " (unreadable, not PEM, or not a pair)");
    tune(*https);
    simulator->attach(*https, "https");
    https_port = bind_listener(*https, args, args.https_port, "HTTPS");
  }

  // httplib's stop() does nothing until listen_after_bind() has marked the server running,
  // so the listeners must be running before a signal can be taken, and before the
  // "listening" lines promise a client an answer.
  std::atomic<bool> stopping{false};
  std::atomic<int> exited{0};
  std::atomic<bool> failed{false};
  auto serve = [&](httplib::Server& server) {
    server.listen_after_bind();
    ++exited;
    if (stopping) return;
    failed = true;
    ::kill(::getpid(), SIGTERM);  // a listener died: shut the rest down too
  };
  std::thread http_thread(serve, std::ref(http));
  std::thread https_thread;
  if (https) https_thread = std::thread(serve, std::ref(static_cast<httplib::Server&>(*https)));
  while (exited == 0 && !(http.is_running() && (!https || https->is_running())))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));

  if (exited == 0) {
    std::printf("tarn-sim listening on %s\n", url("http", args.host, http_port).c_str());
    if (https) std::printf("tarn-sim listening on %s\n", url("https", args.host, https_port).c_str());
    std::fflush(stdout);
  }

  int sig = 0;
  sigwait(&wanted, &sig);
  stopping = true;
  http.stop();
  if (https) https->stop();
  sim::shutdown_connections(http_port);  // idle keep-alive connections would hold stop() for 5 s
  if (https) sim::shutdown_connections(https_port);
  http_thread.join();
  if (https_thread.joinable()) https_thread.join();

  int rc = 0;
  if (failed) {
    std::cerr << "tarn-sim: a listener stopped unexpectedly" << std::endl;
    rc = 1;
  }
  if (!args.state.empty()) {
    try {
      simulator->save();
    } catch (const std::exception& e) {
      std::cerr << "tarn-sim: " << e.what() << std::endl;
      rc = 1;
    }
  }
  return rc;
}
