// `auth`: the runtime's credential chain, its Authorizer for the C++ clients and the Lua
// face over both. Nothing is read or fetched until a token is first asked for.
#include <memory>
#include <new>

#include "bindings/auth/auth.hpp"
#include "bindings/auth/authorizer.hpp"
#include "bindings/auth/chain.hpp"
#include "bindings/auth/jwt.hpp"
#include "bindings/auth/scope.hpp"
#include "tarn/lua.hpp"
#include "tarn/runtime.hpp"

namespace tarn::auth {
namespace {

const char* const chain_key = "tarn.auth.Chain";

// The transports of the chain, made on first use from the runtime's client settings: one
// for token requests, one with a 1 s connect timeout for the IMDS probe. The auth module
// has its own, so fetching a token in the middle of another request (an Authorizer runs
// inside Client::send_all) never re-enters that client.
struct Transports {
  http::Config config;
  std::unique_ptr<http::Client> main, probe;

  http::Client& get(bool probing) {
    auto& slot = probing ? probe : main;
    if (!slot) {
      http::Config c = config;
      if (probing) c.connect_timeout = 1;
      slot = std::make_unique<http::Client>(std::move(c));
    }
    return *slot;
  }
  // Logging follows the runtime's level on every use from Lua.
  void follow(const http::Config& from) {
    config.debug = from.debug;
    config.trace = from.trace;
    for (auto* c : {main.get(), probe.get()})
      if (c != nullptr) {
        c->config().debug = from.debug;
        c->config().trace = from.trace;
      }
  }
};

struct State {
  std::shared_ptr<Transports> transports;
  std::shared_ptr<Chain> chain;
};

std::shared_ptr<Chain> chain_of(lua_State* L) {
  http::Client& runtime_client = http::Client::of(L);
  if (lua_getfield(L, LUA_REGISTRYINDEX, chain_key) == LUA_TUSERDATA) {
    auto* rt = static_cast<State*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    rt->transports->follow(runtime_client.config());
    return rt->chain;
  }
  lua_pop(L, 1);
  const auto& settings = tarn::Runtime::of(L).options().settings;
  std::string forced, source;
  if (auto it = settings.find("auth"); it != settings.end() && !it->second.empty()) {
    forced = it->second;
    source = "--auth";
  } else if (auto env = cloud::process_env("TARN_AUTH")) {
    forced = *env;
    source = "TARN_AUTH";
  }
  auto transports = std::make_shared<Transports>();
  transports->config = runtime_client.config();
  Context ctx;
  ctx.profile = cloud::current(L);
  ctx.client = [t = transports]() -> http::Client& { return t->get(false); };
  ctx.probe = [t = transports]() -> http::Client& { return t->get(true); };
  ctx.debug = [t = transports](const std::string& line) {
    if (t->config.debug) t->config.debug(line);
  };
  State made{transports, std::make_shared<Chain>(std::move(ctx), forced, source)};
  // An Authorizer that outlives the Lua state (held by a C++ client) keeps the chain and,
  // through the chain's callbacks, its transports.
  auto* rt = static_cast<State*>(lua_newuserdatauv(L, sizeof(State), 0));
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, +[](lua_State* S) -> int {
    static_cast<State*>(lua_touserdata(S, 1))->~State();
    return 0;
  });
  lua_setfield(L, -2, "__gc");
  new (rt) State(std::move(made));
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, chain_key);
  return rt->chain;
}

// Decodes a scope argument, blaming argument `arg` with the reason when it is not one.
std::string check_scope(lua_State* L, int arg, const std::string& text) {
  const cloud::Scopes& scopes = cloud::current(L).scopes;  // an unknown cloud is not the argument's fault
  std::string s, error;
  try {
    s = scope(text, scopes);
  } catch (const std::invalid_argument& e) {
    error = e.what();  // raised below, outside the catch block
  }
  if (!error.empty()) luaL_argerror(L, arg, error.c_str());
  return s;
}

void set(lua_State* L, const char* key, const std::string& value) {
  if (value.empty()) return;
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}

// auth.token(scope) -> secret
int l_auth_token(lua_State* L) {
  std::string text = luaL_checkstring(L, 1);
  std::string s = check_scope(L, 1, text);
  push_secret(L, chain_of(L)->token(s, "").token);
  return 1;
}

// auth.whoami([scope]) -> {method, credential, tenant, client_id, object_id, user, expires_on, scope}
int l_auth_whoami(lua_State* L) {
  std::string text = luaL_optstring(L, 1, "fabric");
  std::string s = check_scope(L, 1, text);
  auto chain = chain_of(L);
  AccessToken t = chain->token(s, "");
  jwt::Identity id = jwt::identity(t.token);
  const Credential* c = chain->current();
  lua_createtable(L, 0, 8);
  set(L, "method", std::string(name_of(c->method())));
  set(L, "credential", c->kind());
  set(L, "tenant", id.tenant.empty() ? c->home_tenant() : id.tenant);
  set(L, "client_id", id.client_id);
  set(L, "object_id", id.object_id);
  set(L, "user", id.user);
  set(L, "scope", s);
  double expires = t.expires_on > 0 ? t.expires_on : id.expires_on.value_or(0);
  if (expires > 0) {
    lua_pushinteger(L, static_cast<lua_Integer>(expires));
    lua_setfield(L, -2, "expires_on");
  }
  return 1;
}

// auth.authorizer(scope) -> http.Authorizer, for http.request{auth = ...}
int l_auth_authorizer(lua_State* L) {
  std::string text = luaL_checkstring(L, 1);
  std::string s = check_scope(L, 1, text);
  auto a = authorizer(L, s);
  auto* box = static_cast<std::shared_ptr<http::Authorizer>*>(
      lua_newuserdatauv(L, sizeof(std::shared_ptr<http::Authorizer>), 0));
  new (box) std::shared_ptr<http::Authorizer>(std::move(a));
  if (luaL_newmetatable(L, http::authorizer_mt)) {
    lua_pushcfunction(L, +[](lua_State* S) -> int {
      auto* b = static_cast<std::shared_ptr<http::Authorizer>*>(luaL_checkudata(S, 1, http::authorizer_mt));
      b->~shared_ptr();
      new (b) std::shared_ptr<http::Authorizer>();  // idempotent: a second __gc finds it empty
      return 0;
    });
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, +[](lua_State* S) -> int {
      auto* b = static_cast<std::shared_ptr<http::Authorizer>*>(luaL_checkudata(S, 1, http::authorizer_mt));
      auto* bearer = dynamic_cast<BearerAuthorizer*>(b->get());
      lua_pushfstring(S, "http.Authorizer(%s)", bearer != nullptr ? bearer->scope().c_str() : "?");
      return 1;
    });
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "http.Authorizer");
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  return 1;
}

// auth.methods() -> {"token", "env", ...}
int l_auth_methods(lua_State* L) {
  const auto& names = method_names();
  push_string_list(L, names);
  return 1;
}

}  // namespace

std::shared_ptr<http::Authorizer> authorizer(lua_State* L, const std::string& scope_text) {
  std::string s = scope(scope_text, cloud::current(L).scopes);
  auto chain = chain_of(L);
  return std::make_shared<BearerAuthorizer>(std::move(chain), std::move(s));
}

std::string token(lua_State* L, const std::string& scope_text) {
  std::string s = scope(scope_text, cloud::current(L).scopes);
  return chain_of(L)->token(s, "").token;
}

}  // namespace tarn::auth

namespace tarn {
int tarn_open_auth(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("token", auth::l_auth_token), TARN_FN("whoami", auth::l_auth_whoami),
                          TARN_FN("authorizer", auth::l_auth_authorizer), TARN_FN("methods", auth::l_auth_methods),
                          {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}
}  // namespace tarn
