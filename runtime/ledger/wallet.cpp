#include "runtime/ledger/wallet.hpp"

#include "runtime/util/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace atn::ledger {

namespace fs = std::filesystem;

wallet::wallet(const private_key& key) : key_(key), address_(address_of(key)) {}

wallet wallet::generate() { return wallet(random_private_key()); }

fs::path wallet::default_path(const fs::path& state_dir) { return state_dir / "wallet.key"; }

void wallet::save(const fs::path& path) const {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      throw std::runtime_error("wallet " + path.string() +
                               " exists already; `atn-node wallet show` prints its address");
    throw std::runtime_error("cannot create wallet " + path.string() + ": " + std::strerror(errno));
  }
  const std::string text = "atn-wallet 1\naddress " + address_.to_string() + "\nprivate_key " + to_hex(key_) + "\n";
  try {
    ::fchmod(fd, 0600);
    write_all(fd, text.data(), text.size(), path);
    fsync_fd(fd, path);
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());
    throw;
  }
  ::close(fd);
  if (path.has_parent_path()) fsync_directory(path.parent_path());
}

wallet wallet::load(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw std::runtime_error("no wallet at " + path.string() + "; create one with `atn-node wallet new`");
  if (st.st_mode & 077)
    throw std::runtime_error("wallet " + path.string() + " is readable by group or others; `chmod 600 " +
                             path.string() + "` fixes it");
  const auto text = read_file(path);
  std::istringstream in(text.value_or(""));
  std::string magic, version, k1, addr_text, k2, key_hex;
  in >> magic >> version >> k1 >> addr_text >> k2 >> key_hex;
  if (magic != "atn-wallet" || version != "1" || k1 != "address" || k2 != "private_key")
    throw std::runtime_error("wallet " + path.string() + " is not an atn-wallet 1 file");
  private_key key;
  from_hex(key_hex, key.data(), key.size(), "private key");
  wallet w(key);
  if (w.addr() != address::parse(addr_text))
    throw std::runtime_error("wallet " + path.string() + ": its address does not match its key (file damaged)");
  return w;
}

}  // namespace atn::ledger
