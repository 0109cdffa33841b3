#include "metric-collector/source/engine_profile.hpp"

#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cats::source {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, Field>, 8> kFields = {{{"queued", Field::kQueued},
                                                                        {"running", Field::kRunning},
                                                                        {"max_concurrent", Field::kMaxConcurrent},
                                                                        {"memory", Field::kMemory},
                                                                        {"accelerator", Field::kAccelerator},
                                                                        {"cpu", Field::kCpu},
                                                                        {"latency", Field::kLatency},
                                                                        {"extra", Field::kExtra}}};
constexpr std::array<std::pair<std::string_view, Aggregation>, 5> kAggregations = {{{"sum", Aggregation::kSum},
                                                                                    {"max", Aggregation::kMax},
                                                                                    {"min", Aggregation::kMin},
                                                                                    {"avg", Aggregation::kAvg},
                                                                                    {"count", Aggregation::kCount}}};
constexpr std::array<std::pair<std::string_view, Transform>, 4> kTransforms = {
    {{"value", Transform::kValue},
     {"rate", Transform::kRate},
     {"ratio", Transform::kRatio},
     {"histogram_mean", Transform::kHistogramMean}}};

template <typename E, std::size_t N>
std::string choices(const std::array<std::pair<std::string_view, E>, N>& table) {
  std::string s;
  for (const auto& [n, v] : table) {
    if (!s.empty()) s += '|';
    s += n;
  }
  return s;
}

// JSON pointer escaping (RFC 6901): engine names are operator text.
std::string pointer_token(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

class Loader {
 public:
  std::vector<ProfileError> errors;

  void fail(const std::string& path, std::string reason) { errors.push_back({path, std::move(reason)}); }

  bool expect(const json& j, json::value_t t, const std::string& path, const char* what) {
    const bool okay = t == json::value_t::number_float ? j.is_number() : j.type() == t;
    if (!okay) fail(path, std::string("expected ") + what + ", got " + j.type_name());
    return okay;
  }

  // Unknown keys are errors: a typo must not silently drop a rule's option.
  void known_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> keys) {
    for (const auto& [k, v] : obj.items()) {
      bool found = false;
      for (auto key : keys) found = found || key == k;
      if (!found) fail(path + "/" + pointer_token(k), "unknown key");
    }
  }

  template <typename E, std::size_t N>
  std::optional<E> word(const json& obj, std::string_view key, const std::string& path,
                        const std::array<std::pair<std::string_view, E>, N>& table, std::optional<E> dflt) {
    const std::string p = path + "/" + std::string(key);
    const auto it = obj.find(key);
    if (it == obj.end()) {
      if (!dflt) fail(p, "missing");
      return dflt;
    }
    if (!expect(*it, json::value_t::string, p, "a string")) return std::nullopt;
    const auto& s = it->template get_ref<const std::string&>();
    for (const auto& [n, v] : table)
      if (n == s) return v;
    fail(p, "unknown value \"" + s + "\" (expected " + choices(table) + ")");
    return std::nullopt;
  }

  std::optional<std::string> string(const json& obj, std::string_view key, const std::string& path, bool required,
                                    bool nonempty) {
    const std::string p = path + "/" + std::string(key);
    const auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(p, "missing");
      return std::nullopt;
    }
    if (!expect(*it, json::value_t::string, p, "a string")) return std::nullopt;
    const auto& s = it->get_ref<const std::string&>();
    if (nonempty && s.empty()) {
      fail(p, "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  std::optional<double> number(const json& obj, std::string_view key, const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (!expect(*it, json::value_t::number_float, path + "/" + std::string(key), "a number")) return std::nullopt;
    return it->get<double>();
  }

  bool boolean(const json& obj, std::string_view key, const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end()) return false;
    if (!expect(*it, json::value_t::boolean, path + "/" + std::string(key), "true or false")) return false;
    return it->get<bool>();
  }

  std::vector<LabelMatch> matches(const json& obj, const std::string& path) {
    std::vector<LabelMatch> out;
    const auto it = obj.find("match");
    if (it == obj.end()) return out;
    const std::string p = path + "/match";
    if (!expect(*it, json::value_t::array, p, "an array of {label, op, value}")) return out;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& m = (*it)[i];
      const std::string mp = p + "/" + std::to_string(i);
      if (!expect(m, json::value_t::object, mp, "an object")) continue;
      known_keys(m, mp, {"label", "op", "value"});
      LabelMatch lm;
      lm.label = string(m, "label", mp, true, true).value_or("");
      lm.value = string(m, "value", mp, true, false).value_or("");
      const auto op = string(m, "op", mp, false, false).value_or("=");
      if (op == "!=")
        lm.negate = true;
      else if (op != "=")
        fail(mp + "/op", "unknown operator \"" + op + "\" (expected = or !=)");
      out.push_back(std::move(lm));
    }
    return out;
  }

  Selector selector(const json& obj, const std::string& path) {
    Selector s;
    s.metric = string(obj, "metric", path, true, true).value_or("");
    s.match = matches(obj, path);
    s.aggregate =
        word(obj, "aggregate", path, kAggregations, std::optional(Aggregation::kSum)).value_or(Aggregation::kSum);
    return s;
  }

  std::optional<Rule> rule(const json& j, const std::string& path) {
    if (!expect(j, json::value_t::object, path, "an object")) return std::nullopt;
    known_keys(j, path,
               {"input", "name", "metric", "match", "aggregate", "transform", "denominator",
                "denominator_adds_numerator", "rate", "scale", "complement", "min", "max", "group_by", "comment"});
    const std::size_t before = errors.size();
    Rule r;
    r.field = word(j, "input", path, kFields, std::optional<Field>()).value_or(Field::kQueued);
    if (r.field == Field::kExtra)
      r.extra_name = string(j, "name", path, true, true).value_or("");
    else if (j.contains("name"))
      fail(path + "/name", "only for input \"extra\"");
    r.numerator = selector(j, path);
    r.transform = word(j, "transform", path, kTransforms, std::optional(Transform::kValue)).value_or(Transform::kValue);
    if (const auto it = j.find("denominator"); it != j.end()) {
      const std::string dp = path + "/denominator";
      if (r.transform != Transform::kRatio) fail(dp, "only for transform \"ratio\"");
      if (expect(*it, json::value_t::object, dp, "an object")) {
        known_keys(*it, dp, {"metric", "match", "aggregate"});
        r.denominator = selector(*it, dp);
      }
    } else if (r.transform == Transform::kRatio) {
      fail(path + "/denominator", "missing (transform \"ratio\" needs one)");
    }
    r.denominator_adds_numerator = boolean(j, "denominator_adds_numerator", path);
    r.rate = boolean(j, "rate", path);
    if ((r.rate || r.denominator_adds_numerator) && r.transform != Transform::kRatio)
      fail(path + (r.rate ? "/rate" : "/denominator_adds_numerator"), "only for transform \"ratio\"");
    if (const auto s = number(j, "scale", path)) {
      if (!std::isfinite(*s) || *s == 0)
        fail(path + "/scale", "must be finite and non-zero");
      else
        r.scale = *s;
    }
    r.complement = boolean(j, "complement", path);
    r.min = number(j, "min", path);
    r.max = number(j, "max", path);
    if (r.min && r.max && *r.min > *r.max) fail(path + "/max", "below min");
    if (const auto it = j.find("group_by"); it != j.end()) {
      if (expect(*it, json::value_t::string, path + "/group_by", "a label name or \"\""))
        r.group_by = it->get<std::string>();
    }
    if (j.contains("comment")) expect(j["comment"], json::value_t::string, path + "/comment", "a string");
    if (errors.size() != before) return std::nullopt;
    return r;
  }

  ProfileSet document(const json& root) {
    ProfileSet set;
    if (!expect(root, json::value_t::object, "", "an object")) return set;
    known_keys(root, "", {"version", "engines", "comment"});
    if (const auto it = root.find("version"); it != root.end() && (!it->is_number_integer() || *it != 1))
      fail("/version", "unsupported version (expected 1)");
    const auto engines = root.find("engines");
    if (engines == root.end()) {
      fail("/engines", "missing");
      return set;
    }
    if (!expect(*engines, json::value_t::object, "/engines", "an object of engine name -> profile")) return set;
    for (const auto& [name, e] : engines->items()) {
      const std::string ep = "/engines/" + pointer_token(name);
      if (name.empty()) fail(ep, "empty engine name");
      if (!expect(e, json::value_t::object, ep, "an object")) continue;
      known_keys(e, ep, {"instance_label", "rules", "comment"});
      EngineProfile p;
      p.name = name;
      p.instance_label = string(e, "instance_label", ep, false, false).value_or("");
      const auto rules = e.find("rules");
      if (rules == e.end()) {
        fail(ep + "/rules", "missing");
        continue;
      }
      if (!expect(*rules, json::value_t::array, ep + "/rules", "an array")) continue;
      if (rules->empty()) fail(ep + "/rules", "no rules");
      for (std::size_t i = 0; i < rules->size(); ++i)
        if (auto r = rule((*rules)[i], ep + "/rules/" + std::to_string(i))) p.rules.push_back(std::move(*r));
      set.engines.push_back(std::move(p));
    }
    return set;
  }
};

}  // namespace

const EngineProfile* ProfileSet::find(std::string_view name) const {
  for (const auto& e : engines)
    if (e.name == name) return &e;
  return nullptr;
}

ProfileLoad load_profiles(std::string_view json_text) {
  ProfileLoad out;
  // The SAX-free parse with allow_exceptions=false loses the position, so the
  // parse error (config text, not network input) is caught here and reported.
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    out.errors.push_back({"", std::string("not JSON: ") + e.what()});
    return out;
  }
  Loader l;
  out.profiles = l.document(root);
  out.errors = std::move(l.errors);
  if (!out.errors.empty()) out.profiles = {};
  return out;
}

ProfileLoad load_profiles_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ProfileLoad out;
    out.errors.push_back({"", "cannot read " + path});
    return out;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_profiles(ss.str());
}

}  // namespace cats::source
