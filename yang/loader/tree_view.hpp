// Read-only access to a validated libyang data tree by child name, with
// values as canonical text or numbers. Private to the loader.
#pragma once

#include <libyang/libyang.h>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cats::loader::ly {

class View {
 public:
  explicit View(const lyd_node* node) : node_(node) {}

  std::string_view name() const { return LYD_NAME(node_); }
  std::string path() const;   // data path, for errors
  std::string value() const;  // canonical text of a leaf

  std::optional<View> child(std::string_view name) const;
  std::vector<View> children(std::string_view name) const;  // list entries, leaf-list values

  std::optional<std::string> text(std::string_view leaf) const;
  std::vector<std::string> texts(std::string_view leaf_list) const;
  std::optional<bool> flag(std::string_view leaf) const;
  std::optional<double> decimal(std::string_view leaf) const;

  template <typename T>
  std::optional<T> number(std::string_view leaf) const {
    auto t = text(leaf);
    if (!t) return std::nullopt;
    T v{};
    auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
    if (ec != std::errc{} || end != t->data() + t->size()) return std::nullopt;
    return v;
  }

 private:
  const lyd_node* node_;
};

}  // namespace cats::loader::ly
