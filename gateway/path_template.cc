#include "gateway/path_template.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace passerelle::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A request path's segments. A verb stays on the last one: only a template with a verb strips it,
// so that "structures/x:y" under a template without one keeps its colon.
std::vector<absl::string_view> SplitSegments(absl::string_view path) {
  absl::ConsumePrefix(&path, "/");
  return absl::StrSplit(path, '/');
}

}  // namespace

std::string PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  auto invalid = [text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\": ", why));
  };
  if (!absl::StartsWith(text, "/")) return invalid("must start with '/'");
  PathTemplate result;
  result.text_ = std::string(text);
  absl::string_view rest = text.substr(1);
  // The verb follows the last ':' outside braces.
  size_t depth = 0, verb_at = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (rest[i] == ':' && depth == 0) verb_at = i;
  }
  if (verb_at != absl::string_view::npos) {
    result.verb_ = std::string(rest.substr(verb_at + 1));
    rest = rest.substr(0, verb_at);
    if (result.verb_.empty()) return invalid("empty verb");
  }
  size_t i = 0;
  auto add_segment = [&](absl::string_view segment) -> absl::Status {
    if (segment.empty()) return invalid("empty segment");
    if (!result.segments_.empty() && result.segments_.back().kind == Segment::kAnyMulti) {
      return invalid("'**' must be the last segment");
    }
    if (segment == "*") {
      result.segments_.push_back({Segment::kAny, ""});
    } else if (segment == "**") {
      result.segments_.push_back({Segment::kAnyMulti, ""});
    } else if (absl::StrContains(segment, '{') || absl::StrContains(segment, '}') ||
               absl::StrContains(segment, '=')) {
      return invalid(absl::StrCat("unexpected character in segment \"", segment, "\""));
    } else {
      result.segments_.push_back({Segment::kLiteral, std::string(segment)});
    }
    return absl::OkStatus();
  };
  while (i < rest.size()) {
    if (rest[i] == '{') {
      size_t close = rest.find('}', i);
      if (close == absl::string_view::npos) return invalid("unclosed '{'");
      absl::string_view inside = rest.substr(i + 1, close - i - 1);
      if (absl::StrContains(inside, '{')) return invalid("nested variable");
      std::pair<absl::string_view, absl::string_view> parts =
          absl::StrSplit(inside, absl::MaxSplits('=', 1));
      if (parts.first.empty()) return invalid("variable without a field path");
      Variable variable{std::string(parts.first), result.segments_.size(), 0};
      absl::string_view pattern = absl::StrContains(inside, '=') ? parts.second : "*";
      for (absl::string_view segment : absl::StrSplit(pattern, '/')) {
        if (absl::Status s = add_segment(segment); !s.ok()) return s;
      }
      variable.end = result.segments_.size();
      result.variables_.push_back(std::move(variable));
      i = close + 1;
    } else {
      size_t end = rest.find('/', i);
      if (end == absl::string_view::npos) end = rest.size();
      if (absl::Status s = add_segment(rest.substr(i, end - i)); !s.ok()) return s;
      i = end;
    }
    if (i < rest.size()) {
      if (rest[i] != '/') return invalid("expected '/' after a variable");
      if (++i == rest.size()) return invalid("trailing '/'");
    }
  }
  if (result.segments_.empty()) return invalid("no segments");
  return result;
}

bool PathTemplate::Match(absl::string_view path, std::vector<PathBinding>* bindings) const {
  std::vector<absl::string_view> parts = SplitSegments(path);
  if (!verb_.empty()) {
    absl::string_view& last = parts.back();
    if (!absl::EndsWith(last, absl::StrCat(":", verb_))) return false;
    last.remove_suffix(verb_.size() + 1);
  }
  // Where each template segment starts in `parts`; "**" (always last) takes the rest.
  std::vector<size_t> starts(segments_.size() + 1);
  size_t p = 0;
  for (size_t s = 0; s < segments_.size(); ++s) {
    starts[s] = p;
    const Segment& segment = segments_[s];
    if (segment.kind == Segment::kAnyMulti) {
      if (p >= parts.size()) return false;
      p = parts.size();
      continue;
    }
    if (p >= parts.size() || parts[p].empty()) return false;
    if (segment.kind == Segment::kLiteral && parts[p] != segment.literal) return false;
    ++p;
  }
  if (p != parts.size()) return false;
  starts[segments_.size()] = p;
  if (bindings == nullptr) return true;
  bindings->clear();
  for (const Variable& v : variables_) {
    std::vector<absl::string_view> captured(parts.begin() + starts[v.first],
                                            parts.begin() + starts[v.end]);
    bindings->push_back({v.field_path, PercentDecode(absl::StrJoin(captured, "/"))});
  }
  return true;
}

int PathTemplate::MatchingPrefix(absl::string_view path) const {
  std::vector<absl::string_view> parts = SplitSegments(path);
  int matched = 0;
  for (size_t s = 0; s < segments_.size() && s < parts.size(); ++s) {
    absl::string_view part = parts[s];
    if (s + 1 == segments_.size() && !verb_.empty()) part = part.substr(0, part.find(':'));
    if (segments_[s].kind == Segment::kLiteral && part != segments_[s].literal) break;
    ++matched;
  }
  return matched;
}

int PathTemplate::literal_count() const {
  return static_cast<int>(
             std::count_if(segments_.begin(), segments_.end(),
                           [](const Segment& s) { return s.kind == Segment::kLiteral; })) +
         (verb_.empty() ? 0 : 1);
}

std::string PathTemplate::OpenApiPath(std::vector<std::string>* parameters) const {
  std::string out;
  std::vector<std::string> names;
  size_t next_variable = 0;
  for (size_t s = 0; s < segments_.size();) {
    const Variable* variable =
        next_variable < variables_.size() && variables_[next_variable].first == s
            ? &variables_[next_variable++]
            : nullptr;
    const size_t end = variable != nullptr ? variable->end : s + 1;
    int wildcards = 0;
    for (size_t i = s; i < end; ++i) wildcards += segments_[i].kind != Segment::kLiteral;
    int wildcard = 0;
    for (; s < end; ++s) {
      const Segment& segment = segments_[s];
      if (segment.kind == Segment::kLiteral) {
        absl::StrAppend(&out, "/", segment.literal);
      } else if (variable == nullptr) {
        absl::StrAppend(&out, segment.kind == Segment::kAny ? "/*" : "/**");
      } else {
        std::string name = wildcards == 1 ? variable->field_path
                                          : absl::StrCat(variable->field_path, "_", ++wildcard);
        absl::StrAppend(&out, "/{", name, "}");
        names.push_back(std::move(name));
      }
    }
  }
  if (!verb_.empty()) absl::StrAppend(&out, ":", verb_);
  if (parameters != nullptr) parameters->insert(parameters->end(), names.begin(), names.end());
  return out;
}

std::vector<std::string> PathTemplate::FieldPaths() const {
  std::vector<std::string> out;
  for (const Variable& v : variables_) out.push_back(v.field_path);
  return out;
}

}  // namespace passerelle::gateway
