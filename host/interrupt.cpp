// Ctrl-C: the signal handler only sets a flag and arms a hook; the hook raises the error
// inside Lua at the next instruction (as lua.c does), so cleanup in ctx:finally still runs.
#include <csignal>
#include <ctime>
#include <cerrno>

#include "tarn/runtime.hpp"

namespace tarn::interrupt {
namespace {
volatile std::sig_atomic_t flag = 0;
lua_State* main_state = nullptr;

void hook(lua_State* L, lua_Debug*) {
  lua_sethook(L, nullptr, 0, 0);
  if (flag) raise_now(L);
}

void on_sigint(int) {
  flag = 1;
  if (main_state != nullptr)
    lua_sethook(main_state, hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}
}  // namespace

void install(lua_State* L) {
  main_state = L;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

bool pending() { return flag != 0; }
void clear() { flag = 0; }

void raise_now(lua_State* L) {
  flag = 0;
  lua_pushliteral(L, "interrupted");
  lua_error(L);
  throw std::logic_error("unreachable");
}

bool sleep(double seconds) {
  // Slices of at most 50 ms, so Ctrl-C is noticed promptly.
  struct timespec now {};
  clock_gettime(CLOCK_MONOTONIC, &now);
  double end = static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9 + seconds;
  while (!flag) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = end - (static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9);
    if (left <= 0) return true;
    double slice = left < 0.05 ? left : 0.05;
    struct timespec ts {static_cast<time_t>(slice), static_cast<long>((slice - static_cast<time_t>(slice)) * 1e9)};
    nanosleep(&ts, nullptr);
  }
  return false;
}
}  // namespace tarn::interrupt
