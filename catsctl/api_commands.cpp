#include "catsctl/api_commands.hpp"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "proto/catsd.grpc.pb.h"

namespace cats::catsctl {

namespace pb = ::cats::api::v1;

namespace {

struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

constexpr int kOk = 0;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;
constexpr int kRefused = 4;

// ---------------------------------------------------------------- argument parsing

std::uint32_t parse_u32(const std::string& what, const std::string& v) {
  try {
    std::size_t used = 0;
    const unsigned long long n = std::stoull(v, &used, 10);
    if (used == v.size() && n <= UINT32_MAX && v[0] != '-') return static_cast<std::uint32_t>(n);
  } catch (const std::exception&) {
  }
  throw UsageError(what + " expects a number, got '" + v + "'");
}

std::chrono::milliseconds parse_seconds(const std::string& v) {
  try {
    std::size_t used = 0;
    const double s = std::stod(v, &used);
    if (used == v.size() && s > 0 && s < 1e6) return std::chrono::milliseconds(static_cast<long long>(s * 1000));
  } catch (const std::exception&) {
  }
  throw UsageError("--timeout expects seconds > 0, got '" + v + "'");
}

// "ipv4" and "ipv6" as shorthands for the unicast families.
std::string family_name(const std::string& f) {
  if (f == "ipv4") return "ipv4-unicast";
  if (f == "ipv6") return "ipv6-unicast";
  return f;
}

// Walks the arguments of one command: flags with or without a value, positionals.
class Args {
 public:
  Args(std::vector<std::string> args, ApiClientOptions& client) : args_(std::move(args)), client_(client) {}

  // Next argument, or nullopt at the end. Global options are taken wherever they appear.
  std::optional<std::string> next() {
    while (i_ < args_.size()) {
      const std::string a = args_[i_++];
      const auto globals = global_options();
      const auto g = std::find_if(globals.begin(), globals.end(), [&](const GlobalOption& o) { return o.name == a; });
      if (g == globals.end()) return a;
      g->set(client_, value(a));
    }
    return std::nullopt;
  }

  const std::string& value(const std::string& flag) {
    if (i_ >= args_.size()) throw UsageError(flag + " needs a value");
    return args_[i_++];
  }

 private:
  std::vector<std::string> args_;
  std::size_t i_ = 0;
  ApiClientOptions& client_;
};

[[noreturn]] void unknown(const std::string& a) {
  if (a.starts_with('-')) throw UsageError("unknown option '" + a + "'");
  throw UsageError("unexpected argument '" + a + "'");
}

// One row of a command's flag table.
struct Flag {
  std::string_view name;
  bool takes_value;
  std::function<void(const std::string& value)> set;  // value: "" for a flag without one
};
constexpr bool kValue = true;
constexpr bool kNoValue = false;

// The one argument loop: the command's flags, --json (every daemon command has it), at
// most one positional into *positional while that is still empty, and the global options
// wherever they stand (Args). Returns whether --json was given.
bool parse(Args& args, const std::vector<Flag>& flags, std::string* positional = nullptr) {
  bool json = false;
  while (auto a = args.next()) {
    const auto flag = std::find_if(flags.begin(), flags.end(), [&](const Flag& f) { return f.name == *a; });
    if (*a == "--json") {
      json = true;
    } else if (flag != flags.end()) {
      flag->set(flag->takes_value ? args.value(*a) : std::string());
    } else if (positional != nullptr && a->rfind("-", 0) != 0 && positional->empty()) {
      *positional = *a;
    } else {
      unknown(*a);
    }
  }
  return json;
}

// ---------------------------------------------------------------- output helpers

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

// --json: the message in protobuf's JSON mapping on one line, flushed (a pipe reader of
// watch sees each change at once); otherwise the command's text form.
template <typename Message, typename Text>
void print(bool json, const Message& message, const Text& text) {
  if (json) {
    std::cout << to_json(message) << std::endl;
  } else {
    text(message);
  }
}

// Columns padded to the widest cell, two spaces apart, like `show bgp summary`.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void print(std::ostream& os, const std::string& indent = "") const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      if (width.size() < row.size()) width.resize(row.size(), 0);
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    for (const auto& row : rows_) {
      std::string line = indent;
      for (std::size_t c = 0; c < row.size(); ++c) {
        line += row[c];
        if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      os << line << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// 59s, 12m03s, 3h04m05s, 2d03h04m: short, and sortable by eye.
std::string duration(std::uint64_t s) {
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lluh%02llum%02llus", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llud%02lluh%02llum", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s / 3600 % 24), static_cast<unsigned long long>(s / 60 % 60));
  }
  return buf;
}

template <typename T>
std::string num(T v) {
  return std::to_string(v);
}

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string l1_text(const google::protobuf::RepeatedPtrField<pb::L1Score>& l1) {
  std::string out;
  for (const auto& s : l1) {
    if (!out.empty()) out += ",";
    out += s.category() + "=" + num(s.score());
  }
  return out.empty() ? "-" : out;
}

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items, const std::string& sep = " ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string origin_code(const std::string& origin) {
  if (origin == "igp") return "i";
  if (origin == "egp") return "e";
  if (origin == "incomplete") return "?";
  return origin;
}

// The score a reader compares: the effective site score, else the advertised L2.
std::string cats_cell(const pb::RibPath& p) {
  if (!p.has_cats()) return "-";
  const pb::CatsMetrics& c = p.cats();
  std::string out = c.has_site_score() ? num(c.site_score()) : c.has_l2() ? num(c.l2()) : "?";
  if (c.drain()) out += " drain";
  return out;
}

std::string capabilities(const pb::Neighbor& n) {
  std::vector<std::string> caps;
  if (n.route_refresh()) caps.push_back("route-refresh");
  if (n.enhanced_route_refresh()) caps.push_back("enhanced-route-refresh");
  if (n.graceful_restart()) caps.push_back("graceful-restart");
  if (n.extended_message()) caps.push_back("extended-message");
  if (n.cats_version() != 0) caps.push_back("cats v" + num(n.cats_version()));
  std::string out;
  for (const auto& c : caps) out += (out.empty() ? "" : " ") + c;
  return out.empty() ? "none" : out;
}

// ---------------------------------------------------------------- RPC plumbing

// The channel to catsd, the deadline, and a status mapped to the exit code. The unary
// commands use it through call(); watch, a stream, directly.
std::string read_file(const std::string& path, const char* option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(std::string(option) + " " + path + ": cannot read");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// TLS when a CA, a client certificate or key is given (the server's
// certificate checked against --tls-ca, else the system's roots).
std::shared_ptr<grpc::ChannelCredentials> credentials(const ApiClientOptions& o) {
  if (o.tls_ca.empty() && o.tls_cert.empty() && o.tls_key.empty()) return grpc::InsecureChannelCredentials();
  if (o.tls_cert.empty() != o.tls_key.empty()) throw UsageError("--tls-cert and --tls-key go together");
  grpc::SslCredentialsOptions ssl;
  if (!o.tls_ca.empty()) ssl.pem_root_certs = read_file(o.tls_ca, "--tls-ca");
  if (!o.tls_cert.empty()) {
    ssl.pem_cert_chain = read_file(o.tls_cert, "--tls-cert");
    ssl.pem_private_key = read_file(o.tls_key, "--tls-key");
  }
  return grpc::SslCredentials(ssl);
}

class Client {
 public:
  // Throws UsageError when a TLS or token file cannot be read.
  explicit Client(const ApiClientOptions& options) : options_(options) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);  // a full RIB dump is larger than gRPC's 4 MB default
    channel_ = grpc::CreateCustomChannel(options.server, credentials(options), args);
    stub_ = pb::Catsd::NewStub(channel_);
    if (!options.token_file.empty()) {
      token_ = read_file(options.token_file, "--token-file");
      while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    }
  }

  pb::Catsd::Stub& stub() { return *stub_; }

  // The token, if any, on a call's context.
  void authorize(grpc::ClientContext& ctx) const {
    if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
  }

  void set_deadline(grpc::ClientContext& ctx) const {
    ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
    authorize(ctx);
  }

  // Maps a status to the exit code and says why on stderr.
  int finish(const grpc::Status& status) const {
    switch (status.error_code()) {
      case grpc::StatusCode::OK: return kOk;
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        std::cerr << "catsctl: cannot reach catsd at " << options_.server << ": " << status.error_message() << "\n";
        return kUnreachable;
      case grpc::StatusCode::NOT_FOUND:
      case grpc::StatusCode::INVALID_ARGUMENT:
      case grpc::StatusCode::FAILED_PRECONDITION:
      case grpc::StatusCode::OUT_OF_RANGE:
      case grpc::StatusCode::ALREADY_EXISTS:
        std::cerr << "catsctl: " << status.error_message() << "\n";
        return kRefused;
      default:
        std::cerr << "catsctl: catsd error (" << code_name(status.error_code()) << "): " << status.error_message()
                  << "\n";
        return kRefused;
    }
  }

 private:
  static const char* code_name(grpc::StatusCode code) {
    switch (code) {
      case grpc::StatusCode::CANCELLED: return "cancelled";
      case grpc::StatusCode::UNKNOWN: return "unknown";
      case grpc::StatusCode::PERMISSION_DENIED: return "permission denied";
      case grpc::StatusCode::RESOURCE_EXHAUSTED: return "resource exhausted";
      case grpc::StatusCode::ABORTED: return "aborted";
      case grpc::StatusCode::UNIMPLEMENTED: return "unimplemented";
      case grpc::StatusCode::INTERNAL: return "internal";
      case grpc::StatusCode::DATA_LOSS: return "data loss";
      case grpc::StatusCode::UNAUTHENTICATED: return "unauthenticated";
      default: return "error";
    }
  }

  ApiClientOptions options_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::Catsd::Stub> stub_;
};

template <typename Request, typename Reply>
using UnaryRpc = grpc::Status (pb::Catsd::Stub::*)(grpc::ClientContext*, const Request&, Reply*);

// Every unary command: call with the deadline, map the status, print the reply.
template <typename Request, typename Reply, typename Text>
int call(const ApiClientOptions& options, UnaryRpc<Request, Reply> rpc, const Request& request, bool json,
         const Text& text) {
  Client client(options);
  grpc::ClientContext ctx;
  client.set_deadline(ctx);
  Reply reply;
  if (int rc = client.finish((client.stub().*rpc)(&ctx, request, &reply)); rc != kOk) return rc;
  print(json, reply, text);
  return kOk;
}

// ---------------------------------------------------------------- show neighbors

void print_neighbor_detail(const pb::Neighbor& n) {
  std::cout << "Neighbor " << n.address() << ", remote AS " << n.remote_as() << ", local AS " << n.local_as() << ", "
            << (n.ibgp() ? "iBGP" : "eBGP") << (n.route_reflector_client() ? ", route-reflector client" : "") << "\n";
  if (!n.description().empty()) std::cout << "  Description: " << n.description() << "\n";
  std::cout << "  State: " << n.state();
  if (n.state() == "established") std::cout << " for " << duration(n.established_for_s());
  if (!n.peer_router_id().empty()) std::cout << ", router id " << n.peer_router_id();
  std::cout << "\n";
  std::cout << "  Hold time " << n.hold_time() << "s, keepalive " << n.keepalive() << "s\n";
  std::cout << "  Capabilities: " << capabilities(n) << "\n";
  std::cout << "  Messages: " << n.messages_in() << " in, " << n.messages_out() << " out; updates " << n.updates_in()
            << " in, " << n.updates_out() << " out; flaps " << n.flaps() << "\n";
  if (n.has_last_error()) {
    const pb::LastError& e = n.last_error();
    std::cout << "  Last error: " << e.code() << "/" << e.subcode() << " " << e.reason() << ", "
              << duration(e.at_s_ago()) << " ago\n";
  }
  if (n.max_prefix_exceeded()) std::cout << "  Maximum prefix count exceeded\n";
  if (n.paths_refused() > 0)
    std::cout << "  Paths refused (max-paths-per-prefix or 8190 per prefix): " << n.paths_refused() << "\n";
  if (n.families_size() > 0) {
    Table t({"Family", "AddPath", "Received", "Accepted", "Advertised"});
    for (const auto& f : n.families()) {
      std::string ap = f.add_path_send() && f.add_path_receive() ? "send,receive"
                       : f.add_path_send()                       ? "send"
                       : f.add_path_receive()                    ? "receive"
                                                                 : "-";
      t.add({f.name(), ap, num(f.prefixes_received()), num(f.prefixes_accepted()), num(f.prefixes_advertised())});
    }
    t.print(std::cout, "  ");
  }
}

void print_neighbors(const pb::ShowNeighborsRequest& request, const pb::ShowNeighborsReply& reply) {
  if (!request.address().empty()) {
    for (int i = 0; i < reply.neighbors_size(); ++i) {
      if (i > 0) std::cout << "\n";
      print_neighbor_detail(reply.neighbors(i));
    }
    return;
  }
  if (reply.neighbors_size() == 0) {
    std::cout << "No neighbors\n";
    return;
  }
  Table t({"Neighbor", "AS", "State", "Up/Down", "MsgRcvd", "MsgSent", "PfxRcd", "PfxAcc", "PfxSnt", "CATS",
           "Description"});
  for (const auto& n : reply.neighbors()) {
    std::uint64_t rcd = 0, acc = 0, snt = 0;
    for (const auto& f : n.families()) {
      rcd += f.prefixes_received();
      acc += f.prefixes_accepted();
      snt += f.prefixes_advertised();
    }
    const bool up = n.state() == "established";
    t.add({n.address(), num(n.remote_as()), n.state() + (n.max_prefix_exceeded() ? " (max-prefix)" : ""),
           up ? duration(n.established_for_s()) : "never", num(n.messages_in()), num(n.messages_out()),
           up ? num(rcd) : "-", up ? num(acc) : "-", up ? num(snt) : "-",
           n.cats_version() ? "v" + num(n.cats_version()) : "-", n.description()});
  }
  t.print(std::cout);
  std::cout << "Total neighbors: " << reply.neighbors_size() << "\n";
}

int show_neighbors(Args& args, const ApiClientOptions& options) {
  pb::ShowNeighborsRequest request;
  const bool json = parse(args, {}, request.mutable_address());
  return call(options, &pb::Catsd::Stub::ShowNeighbors, request, json,
              [&](const pb::ShowNeighborsReply& reply) { print_neighbors(request, reply); });
}

// ---------------------------------------------------------------- show rib

void print_cats(const pb::CatsMetrics& c, const std::string& indent) {
  std::cout << indent << "CATS: cs-id " << (c.cs_id().empty() ? "-" : c.cs_id()) << ", L2 "
            << (c.has_l2() ? num(c.l2()) : "-") << ", L1 " << l1_text(c.l1()) << ", drain " << yes_no(c.drain())
            << ", seq " << c.sequence() << ", profile " << c.profile() << ", interval " << c.interval() << "s";
  if (c.has_site_score()) std::cout << ", site score " << c.site_score();
  std::cout << "\n";
  for (const auto& inst : c.instances()) {
    std::cout << indent << "  instance " << inst.id() << ": L2 " << (inst.has_l2() ? num(inst.l2()) : "-") << ", L1 "
              << l1_text(inst.l1()) << "\n";
  }
}

void print_rib_detail(const pb::RibEntry& e) {
  std::cout << e.prefix() << " (" << e.family() << "), " << e.paths_size()
            << (e.paths_size() == 1 ? " path" : " paths");
  if (!e.reason().empty()) std::cout << ", best by " << e.reason();
  std::cout << "\n";
  for (const auto& p : e.paths()) {
    std::cout << "  Path from " << p.peer() << ", path id " << p.path_id() << (p.best() ? ", best" : "")
              << (p.multipath() ? ", multipath" : "") << (p.stale() ? ", stale" : "") << "\n";
    std::cout << "    AS path: " << (p.as_path().empty() ? "(empty)" : p.as_path()) << ", origin " << p.origin()
              << "\n";
    std::cout << "    Next hop " << p.next_hop();
    if (p.has_med()) std::cout << ", MED " << p.med();
    if (p.has_local_pref()) std::cout << ", local pref " << p.local_pref();
    if (p.has_aigp()) std::cout << ", AIGP " << p.aigp();
    std::cout << "\n";
    if (p.communities_size() > 0) std::cout << "    Communities: " << join(p.communities()) << "\n";
    if (!p.originator_id().empty() || p.cluster_list_size() > 0) {
      std::cout << "    Originator " << (p.originator_id().empty() ? "-" : p.originator_id()) << ", cluster list "
                << (p.cluster_list_size() > 0 ? join(p.cluster_list()) : "-") << "\n";
    }
    if (p.has_cats()) print_cats(p.cats(), "    ");
    if (p.partial_cats()) std::cout << "    CATS attribute has the Partial bit\n";
    std::cout << "    Age " << duration(p.age_s()) << "\n";
    if (!p.attributes_hex().empty()) std::cout << "    Attributes: " << p.attributes_hex() << "\n";
  }
}

void print_rib(const pb::ShowRibRequest& request, const pb::ShowRibReply& reply) {
  if (reply.entries_size() == 0) {
    std::cout << "No routes\n";
    return;
  }
  if (!request.prefix().empty()) {
    for (int i = 0; i < reply.entries_size(); ++i) {
      if (i > 0) std::cout << "\n";
      print_rib_detail(reply.entries(i));
    }
    return;
  }
  std::cout << "Status codes: * valid, > best, = multipath, S stale\n";
  Table t({"", "Prefix", "Next hop", "Peer", "ID", "MED", "LocPrf", "CATS", "Path"});
  std::size_t paths = 0;
  for (const auto& e : reply.entries()) {
    bool first = true;
    for (const auto& p : e.paths()) {
      ++paths;
      std::string flags = std::string(p.stale() ? "S" : "") + "*" + (p.best() ? ">" : p.multipath() ? "=" : "");
      std::string path = p.as_path().empty() ? origin_code(p.origin()) : p.as_path() + " " + origin_code(p.origin());
      t.add({flags, first ? e.prefix() : "", p.next_hop(), p.peer(), num(p.path_id()), p.has_med() ? num(p.med()) : "-",
             p.has_local_pref() ? num(p.local_pref()) : "-", cats_cell(p), path});
      first = false;
    }
  }
  t.print(std::cout);
  std::cout << "Displayed " << reply.entries_size() << " prefixes, " << paths << " paths\n";
}

int show_rib(Args& args, const ApiClientOptions& options) {
  pb::ShowRibRequest request;
  const bool json = parse(args,
                          {
                              {"--family", kValue, [&](const std::string& v) { request.set_family(family_name(v)); }},
                              {"--best", kNoValue, [&](const std::string&) { request.set_best_only(true); }},
                          },
                          request.mutable_prefix());
  return call(options, &pb::Catsd::Stub::ShowRib, request, json,
              [&](const pb::ShowRibReply& reply) { print_rib(request, reply); });
}

// ---------------------------------------------------------------- show services

void print_services(const pb::ShowServicesReply& reply) {
  if (reply.originated_size() > 0) {
    std::cout << "Originated services\n";
    Table t({"Service", "Prefixes", "L2", "L1", "Drain", "Seq", "State", "Updates"});
    for (const auto& s : reply.originated()) {
      const pb::CatsMetrics& m = s.metrics();
      const std::string state = s.withdrawn() ? "withdrawn" : s.advertised() ? "advertised" : "pending";
      t.add({s.name(), s.prefixes_size() > 0 ? join(s.prefixes(), ",") : "-", m.has_l2() ? num(m.l2()) : "-",
             l1_text(m.l1()), yes_no(m.drain()), num(m.sequence()), state, num(s.updates_sent())});
    }
    t.print(std::cout, "  ");
  }
  for (const auto& v : reply.services()) {
    if (reply.originated_size() > 0 || &v != &reply.services(0)) std::cout << "\n";
    std::cout << "Service " << v.prefix() << " (" << v.family() << "), " << v.candidates_size()
              << (v.candidates_size() == 1 ? " site" : " sites");
    const bool steering = !v.service_class().empty();
    if (steering) {
      std::cout << ", class " << v.service_class() << (v.service().empty() ? "" : " (" + v.service() + ")");
      std::cout << "\n  Selected: ";
      if (v.selected_size() == 0) std::cout << "none";
      for (const auto& s : v.selected())
        std::cout << (&s == &v.selected(0) ? "" : ", ") << s.next_hop()
                  << (v.selected_size() > 1 ? " weight " + num(s.weight()) : "");
      std::cout << " (" << v.tier() << ", " << v.outcome() << ", " << num(v.changes()) << " changes)\n";
      std::cout << "  Reason: " << v.reason();
    }
    std::cout << "\n";
    if (steering) {
      Table t({"", "Peer", "Next hop", "ID", "Tier", "Cost", "L2", "Score", "Penalty", "Drain", "Seq", "Age"});
      for (const auto& c : v.candidates()) {
        std::string mark = std::string(c.stale() ? "S" : "") + (c.best() ? "*" : "") + (c.selected() ? ">" : "") +
                           (!c.reachable() ? "!"
                            : c.eligible() ? ""
                                           : "x");
        char pen[16];
        std::snprintf(pen, sizeof pen, "%.2f", c.penalty());
        t.add({mark, c.peer(), c.next_hop(), num(c.path_id()), c.tier(),
               c.has_network_cost() ? num(c.network_cost()) : "-", c.has_l2() ? num(c.l2()) : "-",
               c.has_score() ? num(c.score()) : "-", c.has_penalty() ? std::string(pen) : "-", yes_no(c.drain()),
               num(c.sequence()), duration(c.age_s())});
      }
      t.print(std::cout, "  ");
      continue;
    }
    Table t({"", "Peer", "Next hop", "ID", "IGP", "AIGP", "MED", "L2", "L1", "Drain", "Seq", "Age"});
    for (const auto& c : v.candidates()) {
      t.add({std::string(c.stale() ? "S" : "") + (c.selected() ? ">" : ""), c.peer(), c.next_hop(), num(c.path_id()),
             c.has_igp_cost() ? num(c.igp_cost()) : "-", c.has_aigp() ? num(c.aigp()) : "-",
             c.has_med() ? num(c.med()) : "-", c.has_l2() ? num(c.l2()) : "-", l1_text(c.l1()), yes_no(c.drain()),
             num(c.sequence()), duration(c.age_s())});
    }
    t.print(std::cout, "  ");
  }
  if (reply.services_size() > 0 && !reply.services(0).service_class().empty())
    std::cout << "\n  * BGP best, > selected, x not eligible, ! next hop unreachable, S stale\n";
  if (reply.originated_size() == 0 && reply.services_size() == 0) std::cout << "No services\n";
}

int show_services(Args& args, const ApiClientOptions& options) {
  pb::ShowServicesRequest request;
  const bool json = parse(args, {}, request.mutable_service());
  return call(options, &pb::Catsd::Stub::ShowServices, request, json, print_services);
}

// ---------------------------------------------------------------- inject

// "compute=10,communication=5" -> scores; any category name the daemon knows.
void parse_l1(const std::string& text, google::protobuf::RepeatedPtrField<pb::L1Score>* out) {
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--l1 expects CATEGORY=N[,...], got '" + item + "'");
    pb::L1Score* s = out->Add();
    s->set_category(item.substr(0, eq));
    s->set_score(parse_u32("--l1 " + item.substr(0, eq), item.substr(eq + 1)));
  }
  if (out->empty()) throw UsageError("--l1 expects CATEGORY=N[,...]");
}

// "gpu0=3" -> one instance with its L2 score.
void add_instance(const std::string& text, pb::InjectMetricsRequest& request) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--instance expects ID=L2, got '" + text + "'");
  pb::CatsInstance* inst = request.add_instances();
  inst->set_id(text.substr(0, eq));
  inst->set_l2(parse_u32("--instance " + text.substr(0, eq), text.substr(eq + 1)));
}

int inject(Args& args, const ApiClientOptions& options) {
  pb::InjectMetricsRequest request;
  const bool json =
      parse(args,
            {
                {"--l2", kValue, [&](const std::string& v) { request.set_l2(parse_u32("--l2", v)); }},
                {"--l1", kValue, [&](const std::string& v) { parse_l1(v, request.mutable_l1()); }},
                {"--drain", kNoValue, [&](const std::string&) { request.set_drain(true); }},
                {"--no-drain", kNoValue, [&](const std::string&) { request.set_drain(false); }},
                {"--withdraw", kNoValue, [&](const std::string&) { request.set_withdraw(true); }},
                {"--restore", kNoValue, [&](const std::string&) { request.set_withdraw(false); }},
                {"--instance", kValue, [&](const std::string& v) { add_instance(v, request); }},
                {"--replace-instances", kNoValue, [&](const std::string&) { request.set_replace_instances(true); }},
            },
            request.mutable_service());
  if (request.service().empty()) throw UsageError("inject needs a SERVICE");
  return call(options, &pb::Catsd::Stub::InjectMetrics, request, json, [&](const pb::InjectMetricsReply& reply) {
    std::cout << request.service() << ": sequence " << reply.sequence() << ", " << reply.paths_readvertised()
              << (reply.paths_readvertised() == 1 ? " path" : " paths") << " re-advertised\n";
  });
}

// ---------------------------------------------------------------- clear

int clear(Args& args, const ApiClientOptions& options) {
  auto what = args.next();
  if (!what || *what != "neighbor") throw UsageError("usage: clear neighbor ADDR|all [--soft|--soft-in|--soft-out]");
  pb::ClearNeighborRequest request;
  request.set_mode(pb::ClearNeighborRequest::HARD);
  auto mode = [&](pb::ClearNeighborRequest::Mode m) {
    return [&request, m](const std::string&) { request.set_mode(m); };
  };
  const bool json = parse(args,
                          {
                              {"--soft", kNoValue, mode(pb::ClearNeighborRequest::SOFT_BOTH)},
                              {"--soft-in", kNoValue, mode(pb::ClearNeighborRequest::SOFT_IN)},
                              {"--soft-out", kNoValue, mode(pb::ClearNeighborRequest::SOFT_OUT)},
                              {"--reason", kValue, [&](const std::string& v) { request.set_reason(v); }},
                          },
                          request.mutable_address());
  if (request.address().empty()) throw UsageError("clear neighbor needs ADDR or all");
  return call(options, &pb::Catsd::Stub::ClearNeighbor, request, json, [](const pb::ClearNeighborReply& reply) {
    std::cout << "Cleared " << reply.cleared() << (reply.cleared() == 1 ? " neighbor" : " neighbors") << "\n";
  });
}

// ---------------------------------------------------------------- watch

std::string clock_ms(std::uint64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(ms % 1000));
  return buf;
}

void print_change(const pb::RibChange& change) {
  std::cout << clock_ms(change.timestamp_ms()) << "  " << change.kind() << "  " << change.prefix() << " ("
            << change.family() << ")";
  if (change.has_best()) {
    const pb::RibPath& b = change.best();
    std::cout << "  best from " << b.peer();
    if (!b.next_hop().empty()) std::cout << " via " << b.next_hop();
    if (b.has_cats()) std::cout << " cats " << cats_cell(b);
  }
  std::cout << std::endl;
}

void print_service_change(const pb::ServiceChange& c) {
  std::cout << clock_ms(c.timestamp_ms()) << "  " << c.prefix() << " (" << c.family() << ")  ";
  if (c.selected_size() == 0) std::cout << "-";
  for (const auto& s : c.selected())
    std::cout << (&s == &c.selected(0) ? "" : ",") << s.next_hop()
              << (c.selected_size() > 1 ? "/" + num(s.weight()) : "");
  if (!c.outcome().empty()) std::cout << "  " << c.tier() << " " << c.outcome();
  std::cout << "  " << c.reason() << std::endl;
}

// A server stream until --count changes, the deadline (--timeout) or its end.
template <typename Change, typename Open, typename Text>
int stream(const ApiClientOptions& options, const char* what, bool json, std::optional<std::uint64_t> count,
           const Open& open, const Text& text) {
  Client client(options);
  grpc::ClientContext ctx;
  // A watch runs until stopped; --timeout, when given, bounds the whole watch.
  if (options.timeout_given) client.set_deadline(ctx);
  client.authorize(ctx);
  auto reader = open(client.stub(), ctx);
  // catsd sends headers with this mark once subscribed: from then on no change is missed,
  // so a script may wait for the stderr line before making changes.
  reader->WaitForInitialMetadata();
  const bool subscribed = ctx.GetServerInitialMetadata().count("catsd-watch") != 0;
  if (subscribed) std::cerr << "catsctl: watching " << what << std::endl;
  std::uint64_t seen = 0;
  Change change;
  while ((!count || seen < *count) && reader->Read(&change)) {
    ++seen;
    print(json, change, text);
  }
  if (count && seen >= *count) {
    ctx.TryCancel();
    reader->Finish();
    return kOk;
  }
  const grpc::Status status = reader->Finish();
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && subscribed) {
    std::cerr << "catsctl: watch timed out after " << seen << (seen == 1 ? " change" : " changes") << "\n";
    return kUnreachable;
  }
  return client.finish(status);
}

int watch(Args& args, const ApiClientOptions& options) {
  auto what = args.next();
  std::optional<std::uint64_t> count;
  const Flag count_flag{"--count", kValue, [&](const std::string& v) { count = parse_u32("--count", v); }};
  if (what && *what == "services") {
    pb::WatchServicesRequest request;
    const bool json =
        parse(args, {{"--prefix", kValue, [&](const std::string& v) { request.set_prefix(v); }}, count_flag});
    return stream<pb::ServiceChange>(
        options, "services", json, count,
        [&](pb::Catsd::Stub& stub, grpc::ClientContext& ctx) { return stub.WatchServices(&ctx, request); },
        print_service_change);
  }
  if (!what || *what != "rib")
    throw UsageError("usage: watch rib|services [--family F] [--prefix P] [--json] [--count N]");
  pb::WatchRibRequest request;
  const bool json =
      parse(args, {
                      {"--family", kValue, [&](const std::string& v) { request.set_family(family_name(v)); }},
                      {"--prefix", kValue, [&](const std::string& v) { request.set_prefix(v); }},
                      count_flag,
                  });
  return stream<pb::RibChange>(
      options, "rib", json, count,
      [&](pb::Catsd::Stub& stub, grpc::ClientContext& ctx) { return stub.WatchRib(&ctx, request); }, print_change);
}

// ---------------------------------------------------------------- resolve

void print_site(const pb::ResolvedSite& s, const std::string& indent) {
  std::cout << indent << s.next_hop() << " (" << s.tier();
  if (s.has_l2()) std::cout << ", L2 " << s.l2();
  if (s.has_network_cost()) std::cout << ", cost " << s.network_cost();
  if (s.has_latency_ms()) std::cout << ", " << s.latency_ms() << " ms";
  if (!s.cs_id().empty()) std::cout << ", CS-ID " << s.cs_id();
  std::cout << ")\n";
}

int resolve(Args& args, const ApiClientOptions& options) {
  pb::ResolveRequest request;
  const bool json =
      parse(args,
            {
                {"--class", kValue, [&](const std::string& v) { request.set_service_class(v); }},
                {"--latency-budget", kValue,
                 [&](const std::string& v) { request.set_latency_budget_ms(parse_u32("--latency-budget", v)); }},
            },
            request.mutable_service());
  if (request.service().empty()) throw UsageError("resolve needs a SERVICE or PREFIX");
  return call(options, &pb::Catsd::Stub::Resolve, request, json, [](const pb::ResolveReply& r) {
    std::cout << r.prefix() << " (" << r.service_class() << "): " << r.verdict() << "\n";
    if (r.has_site()) print_site(r.site(), "  run at ");
    std::cout << "  " << r.reason() << "\n";
    for (const auto& a : r.alternatives()) print_site(a, "  alternative ");
  });
}

// ---------------------------------------------------------------- show fib

void print_fib(const pb::ShowFibReply& reply) {
  std::cout << "FIB (" << reply.scope() << "): " << reply.routes_size() << " routes, " << reply.installed()
            << " installed, " << reply.removed() << " removed, " << reply.errors() << " errors since start\n";
  if (reply.routes_size() == 0) return;
  Table t({"Prefix", "Next hops", "Group", "State", "Age", "Error"});
  for (const auto& r : reply.routes()) {
    std::string hops;
    for (const auto& h : r.hops())
      hops += (hops.empty() ? "" : ", ") + h.gateway() + " dev " + h.interface() +
              (r.hops_size() > 1 ? " weight " + num(h.weight()) : "");
    t.add({r.prefix(), hops.empty() ? "-" : hops, num(r.group()), r.state(), duration(r.updated_s_ago()),
           r.error().empty() ? "" : r.error() + " (" + num(r.attempts()) + " attempts)"});
  }
  t.print(std::cout, "  ");
}

int show_fib(Args& args, const ApiClientOptions& options) {
  pb::ShowFibRequest request;
  const bool json = parse(args, {}, request.mutable_prefix());
  return call(options, &pb::Catsd::Stub::ShowFib, request, json, print_fib);
}

// ---------------------------------------------------------------- show

int show(Args& args, const ApiClientOptions& options) {
  auto what = args.next();
  if (what && *what == "neighbors") return show_neighbors(args, options);
  if (what && *what == "rib") return show_rib(args, options);
  if (what && *what == "services") return show_services(args, options);
  if (what && *what == "fib") return show_fib(args, options);
  throw UsageError("usage: show neighbors|rib|services|fib ...");
}

}  // namespace

ApiClientOptions default_client_options() {
  ApiClientOptions options;
  const char* env = std::getenv("CATSD_API");
  options.server = env != nullptr && *env != '\0' ? env : "unix:/run/catsd/api.sock";
  const char* token = std::getenv("CATSD_API_TOKEN_FILE");
  if (token != nullptr) options.token_file = token;
  return options;
}

std::span<const GlobalOption> global_options() {
  static constexpr std::array<GlobalOption, 6> kGlobal = {{
      {"--server", "ADDR",
       "catsd's API: HOST:PORT, [V6]:PORT or unix:PATH (default: $CATSD_API, else unix:/run/catsd/api.sock)",
       [](ApiClientOptions& o, const std::string& v) { o.server = v; }},
      {"--timeout", "SECONDS", "deadline of each call (default 5; watch: none unless given)",
       [](ApiClientOptions& o, const std::string& v) {
         o.timeout = parse_seconds(v);
         o.timeout_given = true;
       }},
      {"--tls-ca", "FILE", "connect with TLS; catsd's certificate must chain to this CA (PEM)",
       [](ApiClientOptions& o, const std::string& v) { o.tls_ca = v; }},
      {"--tls-cert", "FILE", "this client's certificate for mutual TLS (PEM)",
       [](ApiClientOptions& o, const std::string& v) { o.tls_cert = v; }},
      {"--tls-key", "FILE", "its private key (PEM)", [](ApiClientOptions& o, const std::string& v) { o.tls_key = v; }},
      {"--token-file", "FILE", "present the bearer token this file holds (default: $CATSD_API_TOKEN_FILE)",
       [](ApiClientOptions& o, const std::string& v) { o.token_file = v; }},
  }};
  return kGlobal;
}

bool is_api_command(const std::string& command) {
  return command == "show" || command == "inject" || command == "clear" || command == "watch" || command == "resolve";
}

int run_api_command(const std::string& command, std::vector<std::string> args, ApiClientOptions options) {
  try {
    Args parsed(std::move(args), options);
    if (command == "show") return show(parsed, options);
    if (command == "inject") return inject(parsed, options);
    if (command == "clear") return clear(parsed, options);
    if (command == "watch") return watch(parsed, options);
    if (command == "resolve") return resolve(parsed, options);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& e) {
    std::cerr << "catsctl " << command << ": " << e.what() << "\n";
    return kUsage;
  }
}

}  // namespace cats::catsctl
