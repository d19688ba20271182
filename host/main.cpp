// The tarn command line: parses arguments (getopt_long) and hands over to the runtime.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tarn/output.hpp"
#include "tarn/runtime.hpp"

namespace {

const char* const usage_text =
    "usage: tarn [global options] <command> ...\n"
    "\n"
    "commands:\n"
    "  run <recipe|file.lua> [--set key=value]... [--params file.json] [--azd-env NAME]\n"
    "                        [--plan] [--rotate]   run a recipe\n"
    "  recipes               list the bundled recipes\n"
    "  help <recipe>         a recipe's parameters, an example and its outputs\n"
    "  repl                  the interactive Lua prompt (also: tarn alone on a terminal)\n"
    "  <script.lua> [args]   run a Lua script with every module loaded\n"
    "  -e 'chunk'            run a Lua chunk\n"
    "\n"
    "global options:\n"
    "  --json                one JSON document on stdout; logs as JSON lines on stderr\n"
    "  -v, --verbose         debug logging;  --debug: also HTTP traces and tracebacks\n"
    "  --lib-dir DIR         load stdlib/ and recipes/ from DIR (env TARN_LIB_DIR)\n"
    "  --cloud NAME          endpoint profile: public (default) or local (env TARN_CLOUD)\n"
    "  --ca-file FILE        extra CA certificates for TLS (env TARN_CA_BUNDLE)\n"
    "  --auth METHOD         force one sign-in method (env TARN_AUTH)\n"
    "  --version, -h/--help\n"
    "\n"
    "exit codes: 0 success, 1 a step failed, 2 usage or parameter error (nothing touched),\n"
    "            3 --plan found changes to make, 130 interrupted\n";

int usage_error(const std::string& msg) {
  tarn::output::write(stderr, "tarn: " + msg + "\n(see 'tarn --help')\n");
  return tarn::exit_usage;
}

enum LongOpt { opt_lib_dir = 1000, opt_json, opt_debug, opt_cloud, opt_ca_file, opt_auth, opt_version,
               opt_set, opt_params, opt_azd_env, opt_plan, opt_rotate };

const struct option global_options[] = {
    {"lib-dir", required_argument, nullptr, opt_lib_dir}, {"json", no_argument, nullptr, opt_json},
    {"verbose", no_argument, nullptr, 'v'},             {"debug", no_argument, nullptr, opt_debug},
    {"cloud", required_argument, nullptr, opt_cloud},   {"ca-file", required_argument, nullptr, opt_ca_file},
    {"auth", required_argument, nullptr, opt_auth},     {"version", no_argument, nullptr, opt_version},
    {"help", no_argument, nullptr, 'h'},
    // recipe options, accepted after `run`
    {"set", required_argument, nullptr, opt_set},       {"params", required_argument, nullptr, opt_params},
    {"azd-env", required_argument, nullptr, opt_azd_env}, {"plan", no_argument, nullptr, opt_plan},
    {"rotate", no_argument, nullptr, opt_rotate},
    {nullptr, 0, nullptr, 0}};

struct Cli {
  tarn::Options options;
  tarn::RecipeRequest recipe;
  std::vector<std::string> chunks;  // -e
  bool recipe_option_seen = false;
  bool version = false, help = false;
};

// Parses options from argv[optind...]; stop_at_operand keeps script arguments untouched.
// Returns -1 on success or an exit code.
int parse(int argc, char** argv, Cli& cli, bool stop_at_operand) {
  opterr = 0;
  std::string shortopts = stop_at_operand ? "+:vhe:" : ":vhe:";
  int c;
  while ((c = getopt_long(argc, argv, shortopts.c_str(), global_options, nullptr)) != -1) {
    switch (c) {
      case 'v': cli.options.verbosity = std::max(cli.options.verbosity, 1); break;
      case opt_debug: cli.options.verbosity = 2; break;
      case opt_json: cli.options.json = true; break;
      case opt_lib_dir: cli.options.lib_dir = optarg; break;
      case opt_cloud: cli.options.settings["cloud"] = optarg; break;
      case opt_ca_file: cli.options.settings["ca_file"] = optarg; break;
      case opt_auth: cli.options.settings["auth"] = optarg; break;
      case opt_version: cli.version = true; break;
      case 'h': cli.help = true; break;
      case 'e': cli.chunks.emplace_back(optarg); break;
      case opt_set:
        cli.recipe.sets.emplace_back(optarg);
        cli.recipe_option_seen = true;
        break;
      case opt_params: cli.recipe.params_file = optarg; cli.recipe_option_seen = true; break;
      case opt_azd_env: cli.recipe.azd_env = optarg; cli.recipe_option_seen = true; break;
      case opt_plan: cli.recipe.plan = true; cli.recipe_option_seen = true; break;
      case opt_rotate: cli.recipe.rotate = true; cli.recipe_option_seen = true; break;
      case ':': return usage_error(std::string("option '") + argv[optind - 1] + "' needs a value");
      default: return usage_error(std::string("unknown option '") + argv[optind - 1] + "'");
    }
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  if (const char* d = std::getenv("TARN_LIB_DIR"); d != nullptr && *d != '\0') cli.options.lib_dir = d;
  if (int rc = parse(argc, argv, cli, true); rc >= 0) return rc;
  if (cli.version) {
    std::printf("tarn %s (%s)\n", TARN_VERSION, LUA_RELEASE);
    return 0;
  }
  if (cli.help) {
    std::fputs(usage_text, stdout);
    return 0;
  }
  std::vector<std::string> rest(argv + optind, argv + argc);
  std::string command = rest.empty() ? "" : rest[0];

  // Subcommands take their own options anywhere after the command word.
  bool subcommand = command == "run" || command == "recipes" || command == "help" || command == "repl";
  if (subcommand) {
    int sub_argc = argc - optind;
    char** sub_argv = argv + optind;
    optind = 0;  // re-initialise GNU getopt for the new vector
    if (int rc = parse(sub_argc, sub_argv, cli, false); rc >= 0) return rc;
    rest.assign(sub_argv + optind, sub_argv + sub_argc);
  }
  if (cli.recipe_option_seen && command != "run")
    return usage_error("--set, --params, --azd-env, --plan and --rotate go with 'tarn run'");

  try {
    tarn::Runtime rt(cli.options);
    lua_State* L = rt.lua();
    if (!cli.chunks.empty()) {
      for (const auto& chunk : cli.chunks)
        if (int rc = rt.run_chunk(chunk, "=(command line)"); rc != 0) return rc;
      if (command.empty()) return 0;
    }
    if (command == "run") {
      if (rest.empty()) return usage_error("'tarn run' needs a recipe name or a path to a .lua file");
      if (rest.size() > 1) return usage_error("unexpected argument '" + rest[1] + "' after the recipe name");
      cli.recipe.recipe = rest[0];
      return rt.run_recipe(cli.recipe);
    }
    if (command == "recipes" || command == "help") {
      if (command == "help" && rest.empty()) {
        std::fputs(usage_text, stdout);
        return 0;
      }
      lua_getglobal(L, "require");
      lua_pushliteral(L, "tarn.runner");
      if (!rt.pcall(1, 1)) {
        tarn::output::write(stderr, "tarn: " + rt.last_error() + "\n");
        return tarn::exit_failed;
      }
      lua_getfield(L, -1, command == "recipes" ? "list" : "help");
      lua_remove(L, -2);
      lua_pushstring(L, command == "help" ? rest[0].c_str() : "");
      lua_pushboolean(L, cli.options.json);
      if (!rt.pcall(2, 1)) {
        tarn::output::write(stderr, "tarn: " + rt.last_error() + "\n");
        return tarn::exit_failed;
      }
      return static_cast<int>(lua_tointeger(L, -1));
    }
    if (command == "repl" || (command.empty() && isatty(STDIN_FILENO))) return rt.repl();
    if (command.empty() || command == "-") {
      // A script on standard input, as lua.c does.
      std::string code, line;
      char buf[65536];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) code.append(buf, n);
      return rt.run_chunk(code, "=stdin");
    }
    if (command.starts_with("-")) return usage_error("unknown option '" + command + "'");
    return rt.run_file(command, std::vector<std::string>(rest.begin() + 1, rest.end()));
  } catch (const std::exception& e) {
    tarn::output::write(stderr, std::string("tarn: ") + e.what() + "\n");
    return tarn::exit_failed;
  }
}
