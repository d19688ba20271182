// The REPL, with lua.c's algorithm: a line is first tried as an expression (`return <line>`)
// and its values are printed; otherwise it runs as a statement; a chunk whose syntax error
// ends in <eof> is unfinished and the next line is read onto it. `_` holds the first value
// of the last result. Lines starting with ':' are REPL commands (:help, :quit).
#include <unistd.h>

#include <string>

#include "host/repl_input.hpp"
#include "tarn/output.hpp"
#include "tarn/runtime.hpp"

namespace tarn {
namespace {

const char* const chunkname = "=repl";

enum class Compiled { ok, incomplete, error };

bool ends_with_eof(const char* msg) {
  std::string_view m = msg != nullptr ? msg : "";
  return m.ends_with("<eof>");
}

// The statement form failed on the chunk's first token ("unexpected symbol near '1'"): the
// line was meant as an expression and the expression form's error says more.
bool fails_at_first_token(const std::string& error, const std::string& code) {
  std::size_t near = error.rfind(" near '");
  if (near == std::string::npos || !error.ends_with("'") || !error.starts_with("repl:1:")) return false;
  std::string token = error.substr(near + 7, error.size() - near - 8);
  std::size_t first = code.find_first_not_of(" \t\r\n");
  return !token.empty() && first != std::string::npos && code.compare(first, token.size(), token) == 0;
}

// Pushes the compiled chunk (Compiled::ok) or leaves the stack as it was; the syntax error
// is stored in `error`.
Compiled compile(lua_State* L, const std::string& code, std::string& error) {
  std::string expr = "return " + code;
  if (luaL_loadbuffer(L, expr.data(), expr.size(), chunkname) == LUA_OK) return Compiled::ok;
  std::string expr_error = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "syntax error";
  lua_pop(L, 1);
  if (luaL_loadbuffer(L, code.data(), code.size(), chunkname) == LUA_OK) return Compiled::ok;
  error = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "syntax error";
  lua_pop(L, 1);
  // `1 +` is an unfinished expression though not an unfinished statement: read on too.
  if (ends_with_eof(error.c_str()) || ends_with_eof(expr_error.c_str())) return Compiled::incomplete;
  if (fails_at_first_token(error, code)) error = expr_error;
  return Compiled::error;
}

class Session {
 public:
  Session(Runtime& rt, repl::Input& in) : rt_(rt), L_(rt.lua()), in_(in) {}

  int run() {
    if (in_.interactive())
      output::write(stdout, std::string("tarn ") + TARN_VERSION + " (" + LUA_RELEASE +
                                ") \u2014 :help for help, Ctrl-D to exit\n");
    for (;;) {
      interrupt::clear();  // a Ctrl-C that came as the last statement ended is spent
      std::string line;
      repl::Read r = in_.read(false, line);
      if (r == repl::Read::eof) break;
      if (r == repl::Read::cancelled) continue;
      std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string::npos) continue;
      if (line[first] == ':') {
        in_.remember(line);
        if (!command(line.substr(first + 1))) break;
        continue;
      }
      if (!entry(line)) break;
    }
    return exit_ok;
  }

 private:
  // Reads on until the chunk compiles or fails, runs it and prints its values. Returns false
  // at end of input.
  bool entry(std::string code) {
    for (;;) {
      std::string error;
      Compiled c = compile(L_, code, error);
      if (c == Compiled::ok) break;
      if (c == Compiled::error) {
        in_.remember(code);
        fail(error);
        return true;
      }
      std::string more;
      repl::Read r = in_.read(true, more);
      if (r == repl::Read::cancelled) return true;
      if (r == repl::Read::eof) {
        fail(error);  // as lua.c: the unfinished chunk's error, then goodbye
        return false;
      }
      code += '\n';
      code += more;
    }
    int base = lua_gettop(L_) - 1;
    bool ok = rt_.pcall(0, LUA_MULTRET);
    in_.remember(code);
    if (!ok) {
      fail_last();
      return true;
    }
    int n = lua_gettop(L_) - base;
    if (n > 0) {
      lua_pushglobaltable(L_);
      lua_pushliteral(L_, "_");
      lua_pushvalue(L_, base + 1);
      lua_rawset(L_, -3);
      lua_pop(L_, 1);
      show(base, n);
    }
    lua_settop(L_, base);
    return true;
  }

  // Prints the n values above base, each through tarn.pretty, separated by tabs.
  void show(int base, int n) {
    std::string text;
    for (int i = 1; i <= n; ++i) {
      if (!formatter()) return;
      lua_pushvalue(L_, base + i);
      if (!rt_.pcall(1, 1)) {
        fail_last();
        return;
      }
      if (i > 1) text += '\t';
      std::size_t len = 0;
      const char* s = lua_tolstring(L_, -1, &len);
      if (s != nullptr) text.append(s, len);
      lua_pop(L_, 1);
    }
    output::write(stdout, text + "\n");
  }

  // Pushes pretty.format (kept in the registry once loaded).
  bool formatter() {
    if (lua_getfield(L_, LUA_REGISTRYINDEX, "tarn.repl.format") == LUA_TFUNCTION) return true;
    lua_pop(L_, 1);
    lua_getglobal(L_, "require");
    lua_pushliteral(L_, "tarn.pretty");
    if (!rt_.pcall(1, 1)) {
      fail_last();
      return false;
    }
    lua_getfield(L_, -1, "format");
    lua_remove(L_, -2);
    lua_pushvalue(L_, -1);
    lua_setfield(L_, LUA_REGISTRYINDEX, "tarn.repl.format");
    return true;
  }

  // :help [name], :quit. Returns false to leave the REPL.
  bool command(const std::string& text) {
    std::size_t end = text.find_first_of(" \t");
    std::string name = text.substr(0, end);
    std::string arg;
    if (end != std::string::npos) {
      std::size_t a = text.find_first_not_of(" \t", end);
      std::size_t b = text.find_last_not_of(" \t");
      if (a != std::string::npos) arg = text.substr(a, b - a + 1);
    }
    if (name == "quit" || name == "q" || name == "exit") return false;
    if (name != "help" && name != "h") {
      fail("unknown command ':" + name + "' (commands: :help [name], :quit)");
      return true;
    }
    int top = lua_gettop(L_);
    lua_getglobal(L_, "require");
    lua_pushliteral(L_, "tarn.help");
    if (!rt_.pcall(1, 1)) {
      fail_last();
      return true;
    }
    lua_getfield(L_, -1, "text");
    lua_remove(L_, -2);
    if (arg.empty()) lua_pushnil(L_); else lua_pushstring(L_, arg.c_str());
    if (!rt_.pcall(1, 2)) {
      fail_last();
    } else if (lua_type(L_, -2) == LUA_TSTRING) {
      std::string body = lua_tostring(L_, -2);
      if (!body.ends_with("\n")) body += '\n';
      output::write(stdout, body);
    } else {
      fail(lua_tostring(L_, -1) != nullptr ? lua_tostring(L_, -1) : "no help found");
    }
    lua_settop(L_, top);
    return true;
  }

  void fail_last() {
    std::string msg = rt_.last_error();
    if (rt_.options().verbosity >= 2 && !rt_.last_traceback().empty()) msg += "\n" + rt_.last_traceback();
    fail(msg);
  }

  void fail(const std::string& msg) {
    bool color = in_.interactive() && output::use_color(stderr);
    output::write(stderr, color ? "\x1b[31m" + msg + "\x1b[0m\n" : msg + "\n");
  }

  Runtime& rt_;
  lua_State* L_;
  repl::Input& in_;
};

}  // namespace

int Runtime::repl() {
  std::unique_ptr<repl::Input> in =
      isatty(STDIN_FILENO) ? repl::terminal_input(*this) : repl::stream_input();
  Session session(*this, *in);
  return session.run();
}

}  // namespace tarn
