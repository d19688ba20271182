// Embeds the tarn runtime: adds a Lua module of its own, runs a chunk that uses it together
// with tarn's modules, then runs a recipe file given on the command line (in plan mode).
//
//   embed [recipe.lua [key=value ...]]
#include <tarn/lua.hpp>
#include <tarn/runtime.hpp>

#include <cstdio>
#include <string>

namespace {
int l_inventory_count(lua_State* L) {
  lua_pushinteger(L, 42);  // the host application's own data
  return 1;
}

int open_inventory(lua_State* L) {
  const luaL_Reg fns[] = {TARN_FN("count", l_inventory_count), {nullptr, nullptr}};
  luaL_newlib(L, fns);
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  tarn::Runtime rt;
  rt.add_module("inventory", open_inventory);
  int rc = rt.run_chunk(R"(
    local n = inventory.count()
    print(json.encode({ host = "embed", items = n, tarn = tarn.version }))
  )", "=embed");
  if (rc != 0 || argc < 2) return rc;
  tarn::RecipeRequest req;
  req.recipe = argv[1];
  for (int i = 2; i < argc; ++i) req.sets.emplace_back(argv[i]);
  req.plan = true;
  return rt.run_recipe(req);
}
