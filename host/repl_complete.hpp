#pragma once
// Tab completion for the REPL: globals (with the modules that load on first use), fields of
// a name chain (`json.de` -> json.decode) and methods (`conn:qu` -> conn:query, through the
// metatable's __index table). Only plain name chains are looked up, with raw accesses: no
// metamethod or other user code runs, except that naming a not yet loaded module loads it.
#include <string>
#include <string_view>
#include <vector>

namespace tarn {
class Runtime;
}

namespace tarn::repl {

// The completions of `word` (the text before the cursor back to the last delimiter), each
// the whole word: "json.de" -> {"json.decode"}. Sorted, without duplicates.
std::vector<std::string> completions(Runtime& rt, std::string_view word);

}  // namespace tarn::repl
