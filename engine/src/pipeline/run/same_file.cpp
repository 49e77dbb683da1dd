#include "pipeline/run/same_file.hpp"

#include <sys/stat.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace ferry::pipeline {
namespace {

// path with every symbolic link resolved, as far as the file system has it:
// links in its folders, and a last component that is a link (dangling ones
// too: the output would be created at their target).
fs::path resolved(const fs::path& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  for (int hops = 0; hops < 40; ++hops) {  // 40: the kernel's own limit on links followed
    const fs::path canonical = fs::weakly_canonical(p, ec);
    if (!ec) p = canonical;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) break;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  return p.lexically_normal();
}

// What stat says about path (following links), or nothing when it does not exist.
bool stat_of(const std::string& path, struct stat& st) { return ::stat(path.c_str(), &st) == 0; }

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  const bool a_exists = stat_of(a, sa), b_exists = stat_of(b, sb);
  if (a_exists && b_exists) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
  // One may exist and the other not only when they are different paths,
  // unless a folder is missing: then neither exists. Compare the names.
  if (a_exists != b_exists) return false;
  return resolved(a) == resolved(b);
}

}  // namespace ferry::pipeline
