// The Lua state, its one protected-call path, and the ways into it (chunk, file, recipe).
#include "tarn/runtime.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/modules.hpp"
#include "tarn/embedded.hpp"
#include "tarn/lua.hpp"
#include "tarn/output.hpp"
#include "tarn/redact.hpp"

namespace tarn {
namespace {

const char* const runtime_key = "tarn.Runtime";
const char* const traceback_key = "tarn.traceback";

// Message handler: turns the error into text (structured values through __tostring) and
// keeps the traceback aside, so the CLI prints the short form and the traceback on --debug.
int message_handler(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (msg == nullptr) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, nullptr, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, traceback_key);
  lua_pushstring(L, msg);
  return 1;
}

// Searcher for stdlib modules: require("a.b") finds stdlib/a/b.lua or stdlib/a/b/init.lua,
// embedded or under --lib-dir, with the chunk name "@stdlib/a/b.lua".
int stdlib_searcher(lua_State* L) {
  std::string name = luaL_checkstring(L, 1);
  std::replace(name.begin(), name.end(), '.', '/');
  Runtime& rt = Runtime::of(L);
  for (const std::string& rel : {"stdlib/" + name + ".lua", "stdlib/" + name + "/init.lua"}) {
    std::string text;
    if (!rt.lib_file(rel, text)) continue;
    std::string chunk = "@" + rel;
    if (luaL_loadbuffer(L, text.data(), text.size(), chunk.c_str()) != LUA_OK)
      return luaL_error(L, "error loading module '%s' from %s:\n\t%s", lua_tostring(L, 1),
                        rel.c_str(), lua_tostring(L, -1));
    lua_pushstring(L, rel.c_str());
    return 2;
  }
  lua_pushfstring(L, "no tarn stdlib module '%s'", lua_tostring(L, 1));
  return 1;
}

// _G.__index: a known module name loads the module on first use and becomes a plain global.
int lazy_global(lua_State* L) {
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL) return 0;
  lua_getglobal(L, "require");
  lua_pushvalue(L, 2);
  lua_call(L, 1, 1);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -2);
  lua_rawset(L, 1);
  return 1;
}

// package.preload entry of a plugin module: loads libtarn-<plugin>.so from the folder that
// holds libtarn.so and calls the module's opener.
int plugin_loader(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  const char* plugin = lua_tostring(L, lua_upvalueindex(1));
  Dl_info info{};
  std::string dir = ".";
  if (dladdr(reinterpret_cast<void*>(&plugin_loader), &info) != 0 && info.dli_fname != nullptr)
    dir = std::filesystem::path(info.dli_fname).parent_path().string();
  std::string path = dir + "/libtarn-" + plugin + ".so";
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return luaL_error(L, "cannot load module '%s': %s", name, dlerror());
  using Find = lua_CFunction (*)(const char*);
  auto find = reinterpret_cast<Find>(dlsym(handle, "tarn_plugin_find"));
  lua_CFunction open = find != nullptr ? find(name) : nullptr;
  if (open == nullptr) return luaL_error(L, "cannot load module '%s': %s does not provide it", name, path.c_str());
  lua_pushcfunction(L, open);
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  return 1;
}

std::string concat_args(lua_State* L, int first, const char* sep) {
  std::string out;
  int n = lua_gettop(L);
  for (int i = first; i <= n; ++i) {
    if (i > first) out += sep;
    out += to_display(L, i);
  }
  return out;
}

int l_print(lua_State* L) {
  std::string text = concat_args(L, 1, "\t");
  text += '\n';
  output::write(stdout, text);
  return 0;
}

// Writes to io.stdout / io.stderr go through the redactor; other files are left alone,
// since a script may mean to write a revealed secret to a file (an .env, say).
std::FILE* std_stream(lua_State* L, int idx) {
  auto* p = static_cast<luaL_Stream*>(luaL_testudata(L, idx, LUA_FILEHANDLE));
  if (p == nullptr || p->closef == nullptr) return nullptr;
  return (p->f == stdout || p->f == stderr) ? p->f : nullptr;
}

std::string checked_text(lua_State* L, int first) {
  std::string out;
  for (int i = first, n = lua_gettop(L); i <= n; ++i) {
    std::size_t len = 0;
    const char* s = luaL_checklstring(L, i, &len);
    out.append(s, len);
  }
  return out;
}

int l_file_write(lua_State* L) {
  if (std::FILE* f = std_stream(L, 1)) {
    output::write(f, checked_text(L, 2));
    lua_settop(L, 1);
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int l_io_write(lua_State* L) {
  lua_getglobal(L, "io");
  lua_getfield(L, -1, "output");
  lua_call(L, 0, 1);
  lua_insert(L, 1);
  lua_pop(L, 1);  // io
  return l_file_write(L);
}

std::string read_whole(const std::filesystem::path& p, bool& ok) {
  std::ifstream in(p, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream ss;
  if (ok) ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Runtime::Runtime(Options options) : options_(std::move(options)) {
  L_ = luaL_newstate();
  if (L_ == nullptr) throw std::runtime_error("cannot create a Lua state (out of memory)");
  luaL_openlibs(L_);
  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, runtime_key);
  install_loader();
  install_globals();
  register_builtin_modules(*this);
  add_module("tarn", nullptr);  // stdlib/tarn.lua
  interrupt::install(L_);
}

Runtime::~Runtime() {
  if (L_ != nullptr) lua_close(L_);
}

Runtime& Runtime::of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, runtime_key);
  auto* rt = static_cast<Runtime*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *rt;
}

void Runtime::install_loader() {
  lua_getglobal(L_, "package");
  lua_getfield(L_, -1, "searchers");
  // Insert after the preload searcher, before the file-system ones.
  for (lua_Integer i = luaL_len(L_, -1); i >= 2; --i) {
    lua_rawgeti(L_, -1, i);
    lua_rawseti(L_, -2, i + 1);
  }
  lua_pushcfunction(L_, stdlib_searcher);
  lua_rawseti(L_, -2, 2);
  lua_pop(L_, 2);
}

void Runtime::add_module(const std::string& name, lua_CFunction open) {
  if (open != nullptr) {
    luaL_getsubtable(L_, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L_, open);
    lua_setfield(L_, -2, name.c_str());
    lua_pop(L_, 1);
  }
  if (name.find('.') != std::string::npos) return;  // internal modules are not globals
  lua_getfield(L_, LUA_REGISTRYINDEX, "tarn.global_modules");
  lua_pushboolean(L_, 1);
  lua_setfield(L_, -2, name.c_str());
  lua_pop(L_, 1);
}

void Runtime::add_plugin_module(const std::string& name, const std::string& plugin) {
  luaL_getsubtable(L_, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushstring(L_, plugin.c_str());
  lua_pushcclosure(L_, plugin_loader, 1);
  lua_setfield(L_, -2, name.c_str());
  lua_pop(L_, 1);
  add_module(name, nullptr);
}

void Runtime::install_globals() {
  lua_createtable(L_, 0, 1);  // metatable of _G
  lua_createtable(L_, 0, 16);
  lua_pushvalue(L_, -1);
  lua_setfield(L_, LUA_REGISTRYINDEX, "tarn.global_modules");  // the REPL completes these
  lua_pushcclosure(L_, lazy_global, 1);
  lua_setfield(L_, -2, "__index");
  lua_pushglobaltable(L_);
  lua_insert(L_, -2);
  lua_setmetatable(L_, -2);
  lua_pop(L_, 1);

  lua_pushcfunction(L_, l_print);
  lua_setglobal(L_, "print");
  luaL_getmetatable(L_, LUA_FILEHANDLE);
  lua_getfield(L_, -1, "__index");
  lua_getfield(L_, -1, "write");
  lua_pushcclosure(L_, l_file_write, 1);
  lua_setfield(L_, -2, "write");
  lua_pop(L_, 2);
  lua_getglobal(L_, "io");
  lua_pushcfunction(L_, l_io_write);
  lua_setfield(L_, -2, "write");
  lua_pop(L_, 1);
}

bool Runtime::pcall(int nargs, int nresults) {
  int base = lua_gettop(L_) - nargs;
  lua_pushcfunction(L_, message_handler);
  lua_insert(L_, base);
  int status = lua_pcall(L_, nargs, nresults, base);
  lua_remove(L_, base);
  if (status == LUA_OK) return true;
  last_error_ = redact::scrub(lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "(no message)");
  lua_pop(L_, 1);
  lua_getfield(L_, LUA_REGISTRYINDEX, traceback_key);
  last_traceback_ = redact::scrub(lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "");
  lua_pop(L_, 1);
  if (status == LUA_ERRMEM) last_error_ = "out of memory";
  return false;
}

void Runtime::report(const char* what) {
  std::string text = std::string("tarn: ") + what + last_error_ + "\n";
  if (options_.verbosity >= 2 && !last_traceback_.empty()) text += last_traceback_ + "\n";
  output::write(stderr, text);
}

static bool is_interrupt(const std::string& msg) {
  return msg.size() >= 11 && msg.compare(msg.size() - 11, 11, "interrupted") == 0;
}

int Runtime::run_chunk(std::string_view code, const std::string& chunkname) {
  if (luaL_loadbuffer(L_, code.data(), code.size(), chunkname.c_str()) != LUA_OK) {
    last_error_ = redact::scrub(lua_tostring(L_, -1));
    last_traceback_.clear();
    lua_pop(L_, 1);
    report("");
    return exit_usage;
  }
  if (pcall(0, 0)) return exit_ok;
  report("");
  return is_interrupt(last_error_) ? exit_interrupted : exit_failed;
}

int Runtime::run_file(const std::string& path, const std::vector<std::string>& args) {
  // `arg` as lua.c builds it: arg[0] the script, arg[1..n] its arguments.
  lua_createtable(L_, static_cast<int>(args.size()), 1);
  lua_pushstring(L_, path.c_str());
  lua_rawseti(L_, -2, 0);
  for (std::size_t i = 0; i < args.size(); ++i) {
    lua_pushstring(L_, args[i].c_str());
    lua_rawseti(L_, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setglobal(L_, "arg");
  if (luaL_loadfile(L_, path.c_str()) != LUA_OK) {
    last_error_ = redact::scrub(lua_tostring(L_, -1));
    lua_pop(L_, 1);
    report("");
    return exit_usage;
  }
  for (const auto& a : args) lua_pushstring(L_, a.c_str());
  if (pcall(static_cast<int>(args.size()), 0)) return exit_ok;
  report("");
  return is_interrupt(last_error_) ? exit_interrupted : exit_failed;
}

int Runtime::run_recipe(const RecipeRequest& req) {
  lua_getglobal(L_, "require");
  lua_pushliteral(L_, "tarn.runner");
  if (!pcall(1, 1)) {
    report("");
    return exit_failed;
  }
  lua_getfield(L_, -1, "main");
  lua_remove(L_, -2);
  lua_createtable(L_, 0, 8);
  lua_pushstring(L_, req.recipe.c_str());
  lua_setfield(L_, -2, "recipe");
  lua_createtable(L_, static_cast<int>(req.sets.size()), 0);
  for (std::size_t i = 0; i < req.sets.size(); ++i) {
    lua_pushstring(L_, req.sets[i].c_str());
    lua_rawseti(L_, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L_, -2, "sets");
  if (!req.params_file.empty()) {
    lua_pushstring(L_, req.params_file.c_str());
    lua_setfield(L_, -2, "params_file");
  }
  if (!req.azd_env.empty()) {
    lua_pushstring(L_, req.azd_env.c_str());
    lua_setfield(L_, -2, "azd_env");
  }
  lua_pushboolean(L_, req.plan);
  lua_setfield(L_, -2, "plan");
  lua_pushboolean(L_, req.rotate);
  lua_setfield(L_, -2, "rotate");
  lua_pushboolean(L_, options_.json);
  lua_setfield(L_, -2, "json");
  lua_pushinteger(L_, options_.verbosity);
  lua_setfield(L_, -2, "verbosity");
  if (!pcall(1, 1)) {
    report("");
    return is_interrupt(last_error_) ? exit_interrupted : exit_failed;
  }
  int code = static_cast<int>(lua_tointeger(L_, -1));
  lua_pop(L_, 1);
  return code;
}

bool Runtime::lib_file(const std::string& rel, std::string& out) const {
  if (!options_.lib_dir.empty()) {
    bool ok = false;
    out = read_whole(std::filesystem::path(options_.lib_dir) / rel, ok);
    return ok;
  }
  for (const EmbeddedFile* f = embedded_files(); f->path != nullptr; ++f) {
    if (rel == f->path) {
      out = f->text;
      return true;
    }
  }
  return false;
}

std::vector<std::string> Runtime::lib_list(const std::string& folder) const {
  std::vector<std::string> names;
  if (!options_.lib_dir.empty()) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(options_.lib_dir) / folder, ec))
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
  } else {
    for (const EmbeddedFile* f = embedded_files(); f->path != nullptr; ++f) {
      std::string_view p = f->path;
      if (p.starts_with(folder) && p.find('/', folder.size()) == std::string_view::npos)
        names.emplace_back(p.substr(folder.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tarn
