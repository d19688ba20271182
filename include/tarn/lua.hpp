#pragma once
// Helpers every binding uses to cross between C++ and Lua safely.
//
// tarn links Lua's C++ build, so lua_error() throws (a pointer type, not a std::exception)
// and unwinds C++ frames. The rule: C++ exceptions never cross into Lua. guarded<F> catches
// them, copies the message, leaves the catch block and only then raises the Lua error. It
// deliberately does not catch (...): that would swallow Lua's own errors.
#include <lua.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarn {

// A failure of a service (HTTP, Fabric, PostgreSQL, ...). Raised into Lua as a structured
// error value: a table with these fields and a __tostring, catchable with pcall.
struct ServiceError : std::runtime_error {
  std::string kind;                                        // "http", "fabric", "pg", ...
  std::vector<std::pair<std::string, std::string>> fields;  // status, code, request_id, ...
  ServiceError(std::string kind_, const std::string& message)
      : std::runtime_error(message), kind(std::move(kind_)) {}
  ServiceError& with(std::string key, std::string value) {
    fields.emplace_back(std::move(key), std::move(value));
    return *this;
  }
};

// Pushes a structured error value (metatable "tarn.Error") built from e.
void push_error_value(lua_State* L, const ServiceError& e);
// Raises value at the top of the stack as a Lua error (never returns).
[[noreturn]] void raise(lua_State* L);

// Refine, when given, adjusts the structured error value (at the given index) before it is
// raised, for a binding that adds service-specific fields.
using ErrorRefiner = void (*)(lua_State* L, int idx);

template <lua_CFunction F, ErrorRefiner Refine = nullptr>
int guarded(lua_State* L) {
  bool service = false;
  ServiceError serr{"", ""};
  std::string msg;
  try {
    return F(L);
  } catch (const ServiceError& e) {
    service = true;
    serr = e;
  } catch (const std::exception& e) {
    msg = e.what();
  }
  if (service) {
    push_error_value(L, serr);
    if constexpr (Refine != nullptr) Refine(L, lua_gettop(L));
    raise(L);
  }
  return luaL_error(L, "%s", msg.c_str());
}

// Registers the functions of a module table, each wrapped by guarded<>.
#define TARN_FN(name, fn) {name, ::tarn::guarded<fn>}

// Secrets: userdata with metatable "tarn.Secret" holding the value.
bool is_secret(lua_State* L, int idx);
// The plain text of a string or secret argument; raises for other types.
std::string check_text(lua_State* L, int idx);
// Wraps value as a secret (registering it with the redactor) and pushes it.
void push_secret(lua_State* L, std::string value);

// Pushes a Lua list (1..n) of the strings.
void push_string_list(lua_State* L, const std::vector<std::string>& items);

// The string form of any value as tarn prints it (secrets as ***).
std::string to_display(lua_State* L, int idx);

}  // namespace tarn
