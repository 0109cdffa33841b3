#include "catsd/rde/update_log.hpp"

namespace cats::rde {

std::string describe_update(const wire::Update& u, wire::ByteSpan message, std::size_t max_prefixes,
                            std::size_t max_octets) {
  std::string prefixes;
  std::size_t count = 0;
  auto add = [&](const wire::NlriView& v) {
    for (const auto& e : v) {
      if (count++ < max_prefixes) {
        if (!prefixes.empty()) prefixes += ", ";
        prefixes += e.prefix.to_string();
        if (e.path_id) prefixes += " id " + std::to_string(*e.path_id);
      }
    }
  };
  add(u.nlri);
  add(u.withdrawn);
  if (const auto* r = u.mp_reach()) add(r->entries());
  if (const auto* w = u.mp_unreach()) add(w->entries());
  std::string out = count == 0 ? std::string("no prefixes") : "prefixes " + prefixes;
  if (count > max_prefixes) out += " (+" + std::to_string(count - max_prefixes) + " more)";
  out += "; UPDATE " + std::to_string(message.size()) + " octets";
  if (max_octets == 0) return out;
  out += ": " + wire::to_hex(message.first(std::min(message.size(), max_octets)));
  if (message.size() > max_octets) out += "...";
  return out;
}

}  // namespace cats::rde
