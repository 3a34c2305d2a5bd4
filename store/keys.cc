#include "store/keys.h"

#include "absl/strings/str_cat.h"

namespace passerelle::store::keys {

void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t ReadBigEndian64(absl::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

std::string PostingList(absl::string_view kind, absl::string_view term) {
  std::string key;
  PostingList(kind, term, &key);
  return key;
}

void PostingList(absl::string_view kind, absl::string_view term, std::string* out) {
  out->clear();
  absl::StrAppend(out, kind, absl::string_view("\0", 1), term, absl::string_view("\0", 1));
}

std::string Term(absl::string_view kind, absl::string_view term) {
  return absl::StrCat(kind, absl::string_view("\0", 1), term);
}

std::string ChangePrefix(absl::string_view origin) {
  return absl::StrCat(origin, absl::string_view("\0", 1));
}

std::string Change(absl::string_view origin, uint64_t sequence) {
  std::string key = ChangePrefix(origin);
  AppendBigEndian64(&key, sequence);
  return key;
}

uint64_t ChangeSequence(absl::string_view change_key) {
  return ReadBigEndian64(change_key.substr(change_key.size() - 8));
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

bool IsValidComponent(absl::string_view s) {
  return !s.empty() && s.find('\0') == absl::string_view::npos;
}

}  // namespace passerelle::store::keys
