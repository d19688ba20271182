#include "bindings/auth/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bindings/http/client.hpp"
#include "tarn/runtime.hpp"

extern char** environ;

namespace tarn::auth {
namespace {

constexpr std::size_t max_output = 4 << 20;  // a CLI printing more than this is not printing a token

double monotonic() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, double timeout) {
  ProcessResult r;
  Fd out_r, out_w, err_r, err_w;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  out_r.fd = p[0];
  out_w.fd = p[1];
  if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  err_r.fd = p[0];
  err_w.fd = p[1];

  SpawnSetup s;
  posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&s.actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&s.actions, err_w.fd, 2);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &defaults);
  posix_spawnattr_setpgroup(&s.attr, 0);  // its own group, so a timeout kills what it started too
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &s.actions, &s.attr, args.data(), environ);
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    r.start_error = rc == ENOENT ? "not found on PATH" : std::strerror(rc);
    return r;
  }
  r.started = true;

  double deadline = monotonic() + timeout;
  bool exited = false;
  int status = 0;
  auto kill_group = [&] {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    exited = true;
  };
  while (true) {
    if (interrupt::pending()) {
      kill_group();
      interrupt::clear();
      throw http::Interrupted();
    }
    double left = deadline - monotonic();
    if (left <= 0) {
      kill_group();
      r.timed_out = true;
      break;
    }
    if (out_r.fd < 0 && err_r.fd < 0) {
      // Output closed: wait for the exit, still within the deadline.
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        exited = true;
        break;
      }
      ::usleep(10000);
      continue;
    }
    pollfd fds[2] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}};
    int wait_ms = static_cast<int>(left * 1000) + 1;
    if (wait_ms > 50) wait_ms = 50;  // short slices, so Ctrl-C is noticed promptly
    int n = ::poll(fds, 2, wait_ms);
    if (n < 0 && errno != EINTR) {
      kill_group();
      throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
    }
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[8192];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      Fd& which = i == 0 ? out_r : err_r;
      if (got <= 0) {
        which.reset();
        continue;
      }
      std::string& sink = i == 0 ? r.out : r.err;
      if (sink.size() < max_output) sink.append(buf, static_cast<std::size_t>(got));
    }
  }
  if (!exited) ::waitpid(pid, &status, 0);
  r.exit_code = r.timed_out ? -1 : exit_code_of(status);
  return r;
}

}  // namespace tarn::auth
