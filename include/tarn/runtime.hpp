#pragma once
// The embeddable tarn runtime: a Lua 5.4 state with tarn's modules, its stdlib and recipes.
//
//   tarn::Runtime rt;                       // modules load lazily, on first use
//   rt.add_module("mymod", luaopen_mymod);  // require("mymod"), and the global `mymod`
//   rt.run_chunk("print(json.encode({ok = true}))", "=embed");
//   int code = rt.run_recipe({.recipe = "hello", .sets = {"name=world"}});
#include <lua.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tarn/version.hpp"

namespace tarn {

enum Exit : int {
  exit_ok = 0,          // success
  exit_failed = 1,      // a step (or a script) failed
  exit_usage = 2,       // bad usage or parameter; nothing was touched
  exit_plan_changes = 3,  // --plan found changes to make
  exit_interrupted = 130, // Ctrl-C
};

struct Options {
  std::string lib_dir;     // load stdlib/ and recipes/ from here instead of the embedded copies
  int verbosity = 0;       // 0 info, 1 debug (-v), 2 trace (--debug)
  bool json = false;       // logs as JSON lines; the run summary as one JSON document
  // Settings later modules read by name (cloud, ca_file, auth, ...): tarn.core.option(name).
  std::map<std::string, std::string> settings;
};

struct RecipeRequest {
  std::string recipe;               // bundled name, name on TARN_RECIPES_PATH, or a path
  std::vector<std::string> sets;    // "key=value" from --set, in order
  std::string params_file;          // --params file.json
  std::string azd_env;              // --azd-env NAME
  bool plan = false;                // --plan: checks only
  bool rotate = false;              // --rotate (recipes that manage credentials)
};

class Runtime {
 public:
  explicit Runtime(Options options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  lua_State* lua() const { return L_; }
  const Options& options() const { return options_; }

  // Makes `name` require-able and a global that loads on first use.
  void add_module(const std::string& name, lua_CFunction open);
  // The same for a module that lives in the plugin libtarn-<plugin>.so beside libtarn.so,
  // loaded on first require, so start-up never maps the plugin's dependencies.
  void add_plugin_module(const std::string& name, const std::string& plugin);

  // Each returns an exit code (0, 1 or 130); failures are reported on stderr.
  int run_chunk(std::string_view code, const std::string& chunkname);
  int run_file(const std::string& path, const std::vector<std::string>& args);
  int run_recipe(const RecipeRequest& request);
  int repl();

  // Calls the function below nargs arguments on the stack through the one protected path
  // (traceback handler, redaction). On failure pushes nothing and stores the message in
  // last_error(); returns false.
  bool pcall(int nargs, int nresults);
  const std::string& last_error() const { return last_error_; }
  const std::string& last_traceback() const { return last_traceback_; }

  // The runtime that owns L (bindings use this to read options).
  static Runtime& of(lua_State* L);

  // Source of a stdlib/ or recipes/ file ("stdlib/tarn.lua"), from --lib-dir or embedded.
  bool lib_file(const std::string& rel, std::string& out) const;
  // Names of files under a lib folder ("recipes/"), sorted.
  std::vector<std::string> lib_list(const std::string& folder) const;

 private:
  void install_loader();
  void install_globals();
  void report(const char* what);
  lua_State* L_ = nullptr;
  Options options_;
  std::string last_error_, last_traceback_;
};

// Process-wide interrupt (Ctrl-C) handling.
namespace interrupt {
void install(lua_State* L);      // SIGINT raises "interrupted" in the running Lua code
bool pending();                  // a Ctrl-C arrived and has not been raised yet
void clear();
[[noreturn]] void raise_now(lua_State* L);  // raises the interrupt error, clearing it
// Sleeps up to seconds; returns false (early) when interrupted.
bool sleep(double seconds);
}  // namespace interrupt

}  // namespace tarn
