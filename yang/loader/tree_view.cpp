#include "yang/loader/tree_view.hpp"

#include <cstdlib>
#include <memory>

namespace cats::loader::ly {

std::string View::path() const {
  std::unique_ptr<char, decltype(&std::free)> p{lyd_path(node_, LYD_PATH_STD, nullptr, 0), &std::free};
  return p ? std::string{p.get()} : std::string{};
}

std::string View::value() const {
  const char* v = lyd_get_value(node_);
  return v ? std::string{v} : std::string{};
}

std::optional<View> View::child(std::string_view name) const {
  for (const lyd_node* c = lyd_child(node_); c != nullptr; c = c->next) {
    if (LYD_NAME(c) == name) return View{c};
  }
  return std::nullopt;
}

std::vector<View> View::children(std::string_view name) const {
  std::vector<View> out;
  for (const lyd_node* c = lyd_child(node_); c != nullptr; c = c->next) {
    if (LYD_NAME(c) == name) out.emplace_back(c);
  }
  return out;
}

std::optional<std::string> View::text(std::string_view leaf) const {
  auto c = child(leaf);
  if (!c) return std::nullopt;
  return c->value();
}

std::vector<std::string> View::texts(std::string_view leaf_list) const {
  std::vector<std::string> out;
  for (const auto& c : children(leaf_list)) out.push_back(c.value());
  return out;
}

std::optional<bool> View::flag(std::string_view leaf) const {
  auto t = text(leaf);
  if (!t) return std::nullopt;
  return *t == "true";
}

std::optional<double> View::decimal(std::string_view leaf) const {
  auto t = text(leaf);
  if (!t) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc{} || end != t->data() + t->size()) return std::nullopt;
  return v;
}

}  // namespace cats::loader::ly
