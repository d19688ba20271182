// Files for recipes: whole-file reads and atomic writes (temp file, fsync, rename), so an
// interrupted write never leaves a half-written .env or state file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tarn/lua.hpp"

namespace tarn {

int l_core_read_file(lua_State* L) {
  std::string path = luaL_checkstring(L, 1);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot read %s: %s", path.c_str(), std::strerror(errno));
    return 2;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

// write_file(path, text [, mode]): atomic replace; mode (e.g. 384 = 0600) for new files.
int l_core_write_file(lua_State* L) {
  std::string path = luaL_checkstring(L, 1);
  std::string text = check_text(L, 2);
  auto mode = static_cast<mode_t>(luaL_optinteger(L, 3, 0644));
  std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string err;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    err = std::strerror(errno);
  } else {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        err = std::strerror(errno);
        break;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    if (err.empty() && ::fsync(fd) != 0) err = std::strerror(errno);
    ::close(fd);
    struct stat st {};
    if (err.empty() && ::stat(path.c_str(), &st) == 0) ::chmod(tmp.c_str(), st.st_mode & 07777);
    if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = std::strerror(errno);
    if (!err.empty()) ::unlink(tmp.c_str());
  }
  if (!err.empty()) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot write %s: %s", path.c_str(), err.c_str());
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

int l_core_exists(lua_State* L) {
  std::error_code ec;
  lua_pushboolean(L, std::filesystem::exists(luaL_checkstring(L, 1), ec));
  return 1;
}

int l_core_mkdir(lua_State* L) {
  std::error_code ec;
  std::filesystem::create_directories(luaL_checkstring(L, 1), ec);
  if (ec) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot create %s: %s", lua_tostring(L, 1), ec.message().c_str());
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

int l_core_remove(lua_State* L) {
  std::error_code ec;
  std::filesystem::remove_all(luaL_checkstring(L, 1), ec);
  lua_pushboolean(L, !ec);
  return 1;
}

int l_core_cwd(lua_State* L) {
  std::error_code ec;
  auto p = std::filesystem::current_path(ec);
  lua_pushstring(L, ec ? "." : p.string().c_str());
  return 1;
}

int l_core_list_dir(lua_State* L) {
  std::error_code ec;
  lua_newtable(L);
  lua_Integer i = 0;
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(luaL_checkstring(L, 1), ec))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    lua_pushstring(L, n.c_str());
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

}  // namespace tarn
