#pragma once
namespace tarn {
class Runtime;
// Registers every built-in native module with the runtime (host/modules.cpp).
void register_builtin_modules(Runtime& rt);
}  // namespace tarn
