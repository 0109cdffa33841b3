#include "yang/loader/libyang.hpp"

#include <cstdlib>
#include <string_view>

namespace cats::loader::ly {

void TextDeleter::operator()(char* p) const {
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory): libyang's malloc
}
namespace {

// libyang 2.1 stores the location as prose: `Data location "/a/b", line
// number 3.`, `Schema location "/a".` or `Line number 1.`
std::string quoted_path(std::string_view s) {
  auto open = s.find('"');
  if (open == std::string_view::npos) return {};
  auto close = s.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string{s.substr(open + 1, close - open - 1)};
}

std::string line_of(std::string_view s) {
  constexpr std::string_view kLine = "ine number ";
  auto at = s.find(kLine);
  if (at == std::string_view::npos) return {};
  auto digits = s.substr(at + kLine.size());
  auto end = digits.find_first_not_of("0123456789");
  return std::string{digits.substr(0, end)};
}

}  // namespace

std::vector<Message> take_errors(ly_ctx* ctx) {
  std::vector<Message> out;
  for (const ly_err_item* e = ly_err_first(ctx); e != nullptr; e = e->next) {
    if (e->level != LY_LLERR) continue;
    std::string_view where = e->path ? e->path : "";
    std::string text = e->msg ? e->msg : "unknown libyang error";
    if (auto line = line_of(where); !line.empty()) text += " (line " + line + ")";
    out.push_back({quoted_path(where), std::move(text)});
  }
  ly_err_clean(ctx, nullptr);
  return out;
}

}  // namespace cats::loader::ly
