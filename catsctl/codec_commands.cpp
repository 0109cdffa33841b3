#include "catsctl/codec_commands.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "bgp-ext/wire/json.hpp"

namespace cats::catsctl {

using namespace cats::wire;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CodecOptions {
  DecodeContext dctx;
  EncodeContext ectx;
  bool json = false;
  std::optional<std::string> hex;
  std::optional<std::string> file;
  std::optional<std::string> json_in;
};

std::uint8_t parse_u8(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    unsigned long n = std::stoul(v, &used, 0);
    if (used == v.size() && n <= 255) return static_cast<std::uint8_t>(n);
  } catch (const std::exception&) {
  }
  throw UsageError(flag + " expects a number 0..255, got '" + v + "'");
}

CodecOptions parse(const std::vector<std::string>& args) {
  CodecOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--hex") {
      o.hex = value();
    } else if (a == "--file") {
      o.file = value();
    } else if (a == "--json") {
      // decode: a flag; encode: takes the input file.
      if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) o.json_in = args[++i];
      o.json = true;
    } else if (a == "--as4") {
      o.dctx.as4 = o.ectx.as4 = true;
    } else if (a == "--add-path") {
      std::stringstream ss(value());
      std::string fam;
      while (std::getline(ss, fam, ',')) {
        if (fam == "ipv4") {
          o.dctx.add_path.ipv4 = o.ectx.add_path.ipv4 = true;
        } else if (fam == "ipv6") {
          o.dctx.add_path.ipv6 = o.ectx.add_path.ipv6 = true;
          o.dctx.multiprotocol = true;  // ADD-PATH for IPv6 implies IPv6 negotiated
        } else {
          throw UsageError("--add-path takes ipv4 and/or ipv6, got '" + fam + "'");
        }
      }
    } else if (a == "--extended-message") {
      o.dctx.extended_message = o.ectx.extended_message = true;
    } else if (a == "--enhanced-route-refresh") {
      o.dctx.enhanced_route_refresh = true;
    } else if (a == "--multiprotocol") {
      o.dctx.multiprotocol = true;
    } else if (a == "--ebgp") {
      o.dctx.ebgp = true;
    } else if (a == "--no-aigp") {
      o.dctx.aigp = false;
    } else if (a == "--cats-type") {
      o.dctx.cats_type = parse_u8(a, value());
    } else if (a == "--cats-capability") {
      o.dctx.cats_capability = parse_u8(a, value());
    } else {
      throw UsageError("unknown option '" + a + "'");
    }
  }
  // The EncodeContext defaults to 4-octet AS; follow what was stated.
  o.ectx.as4 = o.dctx.as4;
  return o;
}

std::string read_all(std::istream& in) {
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string read_file(const std::string& path) {
  if (path == "-") return read_all(std::cin);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot open '" + path + "'");
  return read_all(f);
}

// A file is hex text if, outside '#' comments, it holds only hex digits,
// whitespace and ':' / "0x" separators.
bool looks_like_hex(const std::string& s) {
  bool comment = false;
  for (unsigned char c : s) {
    if (c == '\n') comment = false;
    if (c == '#') comment = true;
    if (comment) continue;
    if (!std::isxdigit(c) && !std::isspace(c) && c != ':' && c != 'x' && c != 'X') return false;
  }
  return true;
}

// Splits raw bytes into messages by their header length.
std::vector<Bytes> split_stream(const Bytes& all, std::string& problem) {
  std::vector<Bytes> out;
  ByteSpan rest(all);
  while (!rest.empty()) {
    auto len = peek_length(rest);
    if (!len) {
      problem = "truncated input: " + std::to_string(rest.size()) + " octets left, fewer than a 19-octet header";
      return out;
    }
    if (*len < kHeaderSize || *len > rest.size()) {
      // Hand the rest to the decoder: it reports the header error precisely.
      out.emplace_back(rest.begin(), rest.end());
      return out;
    }
    out.emplace_back(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(*len));
    rest = rest.subspan(*len);
  }
  return out;
}

void print_text(std::ostream& os, const Json& j) {
  os << j.at("type").get<std::string>() << " length " << j.at("length") << "\n";
  if (j.contains("withdrawn"))
    for (const auto& e : j["withdrawn"])
      os << "  withdraw " << e["prefix"].get<std::string>()
         << (e.contains("path_id") ? " path-id " + e["path_id"].dump() : "") << "\n";
  if (j.contains("attributes"))
    for (const auto& a : j["attributes"]) {
      os << "  attr " << a["type_code"] << " " << a["name"].get<std::string>() << " flags 0x" << std::hex
         << a["flags"].get<int>() << std::dec << " len " << a["length"];
      if (a.contains("discarded")) os << " [discarded]";
      if (a.contains("malformed")) os << " [malformed]";
      if (a.contains("site_score")) os << " site_score " << a["site_score"].dump() << " drain " << a["drain"];
      os << "\n";
    }
  if (j.contains("nlri"))
    for (const auto& e : j["nlri"])
      os << "  nlri " << e["prefix"].get<std::string>()
         << (e.contains("path_id") ? " path-id " + e["path_id"].dump() : "") << "\n";
  if (j.contains("capabilities"))
    for (const auto& c : j["capabilities"])
      os << "  capability " << c["code"] << " " << c["name"].get<std::string>() << "\n";
  if (j.contains("end_of_rib") && !j["end_of_rib"].is_null()) os << "  end-of-rib " << j["end_of_rib"].dump() << "\n";
  for (const auto& e : j["errors"])
    os << "  error " << e["action"].get<std::string>() << " (" << e["code"] << "/" << e["subcode"] << ")"
       << (e["attribute"].is_null() ? "" : " attribute " + e["attribute"].dump()) << ": "
       << e["reason"].get<std::string>() << "\n";
}

// Both commands report a usage or input error the same way: its message, exit status 2.
template <typename Run>
int guarded(const char* command, const Run& run) {
  try {
    return run();
  } catch (const UsageError& e) {
    std::cerr << "catsctl " << command << ": " << e.what() << "\n";
    return 2;
  }
}

int decode(const std::vector<std::string>& args) {
  const CodecOptions o = parse(args);
  if (o.hex.has_value() == o.file.has_value()) throw UsageError("give exactly one of --hex or --file");
  std::vector<Bytes> messages;
  std::string problem;
  auto add_hex = [&](const std::string& text, const std::string& where) {
    auto b = from_hex(text);
    if (!b) {
      problem = where + ": not a hex string";
      return false;
    }
    if (b->empty()) return true;
    messages.push_back(std::move(*b));
    return true;
  };
  if (o.hex) {
    add_hex(*o.hex, "--hex");
  } else {
    const std::string content = read_file(*o.file);
    if (looks_like_hex(content)) {
      std::stringstream ss(content);
      std::string line;
      int n = 0;
      while (std::getline(ss, line)) {
        ++n;
        auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        if (!add_hex(line, *o.file + ":" + std::to_string(n))) break;
      }
    } else {
      messages = split_stream(Bytes(reinterpret_cast<const std::byte*>(content.data()),
                                    reinterpret_cast<const std::byte*>(content.data()) + content.size()),
                              problem);
    }
  }
  if (!problem.empty() && messages.empty()) throw UsageError(problem);
  if (messages.empty()) throw UsageError("no message in the input");
  int rc = 0;
  for (const auto& m : messages) {
    if (m.size() < kHeaderSize) {
      std::cerr << "catsctl decode: truncated input: " << m.size() << " octets, a message needs at least 19\n";
      rc = 2;
      continue;
    }
    const Decoded d = decode_message(m, o.dctx);
    const Json j = to_json(d, o.dctx);
    if (o.json)
      std::cout << j.dump() << "\n";
    else
      print_text(std::cout, j);
    if (d.action() == Action::kSessionReset && rc == 0) rc = 1;
  }
  if (!problem.empty()) throw UsageError(problem);
  return rc;
}

int encode(const std::vector<std::string>& args) {
  const CodecOptions o = parse(args);
  if (!o.json_in) throw UsageError("give --json FILE (or - for standard input)");
  const std::string text = read_file(*o.json_in);
  // Accept one object, an array of objects, or JSON Lines.
  std::vector<Json> docs;
  try {
    auto j = Json::parse(text);
    if (j.is_array())
      for (auto& e : j) docs.push_back(e);
    else
      docs.push_back(std::move(j));
  } catch (const nlohmann::json::parse_error&) {
    std::stringstream ss(text);
    std::string line;
    int n = 0;
    while (std::getline(ss, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        docs.push_back(Json::parse(line));
      } catch (const nlohmann::json::parse_error& e) {
        throw UsageError("line " + std::to_string(n) + ": invalid JSON: " + e.what());
      }
    }
  }
  for (std::size_t i = 0; i < docs.size(); ++i) {
    try {
      std::cout << to_hex(encode_json_message(docs[i], o.ectx, o.dctx.cats_type, o.dctx.cats_capability)) << "\n";
    } catch (const std::exception& e) {
      throw UsageError("message " + std::to_string(i) + ": " + e.what());
    }
  }
  return 0;
}

}  // namespace

int run_decode(const std::vector<std::string>& args) {
  return guarded("decode", [&] { return decode(args); });
}

int run_encode(const std::vector<std::string>& args) {
  return guarded("encode", [&] { return encode(args); });
}

}  // namespace cats::catsctl
