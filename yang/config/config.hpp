// catsd's configuration model as plain values: what every part reads (the
// RIB, the collector, the daemon) and what the loader (yang/loader) fills from
// a validated instance of yang/cats-bgp.yang. No dependency beyond the
// standard library. Defaults here match the module's, so a default-constructed
// struct reads like an instance that leaves them out.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yang/config/scoring.hpp"

namespace cats::config {

enum class Role : std::uint8_t { kEdge, kIngress, kReflector, kController };
const char* role_name(Role r);  // "edge", ...

struct CatsCodes {
  std::uint8_t attribute_type = 255;
  std::uint8_t capability = 239;
  bool operator==(const CatsCodes&) const = default;
};

struct Global {
  std::uint32_t as = 0;
  std::uint32_t router_id = 0;  // host order, 192.0.2.1 = 0xc0000201
  std::optional<std::uint32_t> cluster_id;
  std::vector<Role> roles;
  std::vector<std::string> listen_addresses;  // empty: all
  std::uint16_t listen_port = 179;
  CatsCodes cats;

  bool has_role(Role r) const;
  bool operator==(const Global&) const = default;
};

struct Timers {
  std::uint16_t hold_time = 90;
  std::optional<std::uint16_t> keepalive;  // nullopt: a third of the negotiated hold time
  std::uint16_t min_hold_time = 0;
  std::uint16_t connect_retry = 120;
  std::uint16_t delay_open = 0;  // 0: off
  std::uint16_t idle_hold = 30;
  std::uint16_t idle_hold_max = 600;
  std::uint16_t mrai = 0;                       // seconds
  std::optional<std::uint16_t> send_hold_time;  // write stall timeout; nullopt: RFC 9687's default, 0: off
  bool operator==(const Timers&) const = default;
};

enum class Family : std::uint8_t { kIpv4Unicast, kIpv6Unicast };
enum class AddPath : std::uint8_t { kNone, kReceive, kSend, kBoth };

struct FamilySettings {
  Family family = Family::kIpv4Unicast;
  AddPath add_path = AddPath::kNone;
  bool gr_forwarding = false;
  bool operator==(const FamilySettings&) const = default;
};

struct GracefulRestart {
  bool enabled = false;
  std::uint16_t restart_time = 120;
  bool notification = true;
  bool operator==(const GracefulRestart&) const = default;
};

struct TtlSecurity {
  bool enabled = false;
  std::uint8_t hops = 1;
  bool operator==(const TtlSecurity&) const = default;
};

struct MaxPrefix {
  std::uint32_t limit = 0;
  bool warning_only = false;
  std::uint16_t restart_after = 0;  // seconds; 0: stay down until cleared
  bool operator==(const MaxPrefix&) const = default;
};

// RFC 1997 well-known communities, by the names the module accepts.
inline constexpr std::uint32_t kNoExport = 0xFFFFFF01;
inline constexpr std::uint32_t kNoAdvertise = 0xFFFFFF02;
inline constexpr std::uint32_t kNoExportSubconfed = 0xFFFFFF03;
inline constexpr std::uint32_t kNoPeer = 0xFFFFFF04;

struct PolicyActions {
  std::optional<std::string> prefix_list;  // names an entry of Config::prefix_lists
  std::optional<std::uint32_t> set_local_pref;
  std::optional<std::uint32_t> set_med;
  std::vector<std::uint32_t> add_communities;  // ASN << 16 | value
  bool operator==(const PolicyActions&) const = default;
};

// Resolved: absent send/receive already follow the iBGP/eBGP default.
struct NeighborCats {
  bool send = true;
  bool receive = true;
  bool require_capability = false;
  std::optional<std::uint32_t> network_cost;  // steering: added to the cost of this neighbor's paths
  std::optional<std::uint32_t> latency_ms;    // steering: expected RTT to the sites behind it
  bool export_selection = false;              // controller mode: send the CATS selection, not the best path
  bool operator==(const NeighborCats&) const = default;
};

struct Neighbor {
  std::string address;  // canonical text, the list key
  std::uint32_t remote_as = 0;
  bool ibgp = false;  // remote_as == global.as
  std::string description;
  std::optional<std::string> local_address;
  std::uint16_t port = 179;
  bool passive = false;
  Timers timers;
  std::vector<FamilySettings> families{{Family::kIpv4Unicast}, {Family::kIpv6Unicast}};
  bool route_refresh = true;
  bool enhanced_route_refresh = true;
  bool extended_message = true;
  GracefulRestart graceful_restart;
  std::string md5_password;  // empty: none
  TtlSecurity ttl_security;
  std::optional<MaxPrefix> max_prefix;
  std::uint16_t max_paths_per_prefix = 256;  // this neighbor's share of a prefix's 8190 path slots
  bool route_reflector_client = false;
  bool next_hop_self = false;
  NeighborCats cats;
  PolicyActions import_policy;
  PolicyActions export_policy;
  bool operator==(const Neighbor&) const = default;
};

enum class Verdict : std::uint8_t { kPermit, kDeny };

struct PrefixListEntry {
  std::uint32_t seq = 0;
  Verdict action = Verdict::kDeny;
  std::string prefix;
  std::optional<std::uint8_t> ge;
  std::optional<std::uint8_t> le;
  bool operator==(const PrefixListEntry&) const = default;
};

struct PrefixList {
  std::string name;
  std::vector<PrefixListEntry> entries;  // ascending seq
  bool operator==(const PrefixList&) const = default;
};

// CS-ID / CSCI-ID with the spec's ID-Type numbers (B.3.2).
struct ServiceId {
  enum class Type : std::uint8_t { kIpv4 = 1, kIpv6 = 2, kOpaque = 3 };
  Type type = Type::kOpaque;
  std::string value;  // canonical text: "10.0.0.11", "2001:db8::1", "1001"
  bool operator==(const ServiceId&) const = default;
};

using L1Scores = std::array<std::optional<std::uint8_t>, kCategoryCount>;  // by index(Category)

struct Instance {
  ServiceId id;
  std::uint8_t l2 = 0;
  L1Scores l1{};
  bool operator==(const Instance&) const = default;
};

struct Metrics {
  std::uint8_t l2 = 0;
  L1Scores l1{};
  bool drain = false;
  std::vector<Instance> instances;
  bool operator==(const Metrics&) const = default;
};

enum class OnStale : std::uint8_t { kDrain, kWithdraw };

// How long reported metrics stay valid (services/service/freshness).
struct Freshness {
  std::chrono::seconds stale_after{30};  // pushed metrics; 0: never stale
  OnStale on_stale = OnStale::kDrain;
  std::optional<std::chrono::seconds> startup_wait;  // nullopt: 10 s with in-process targets, else 0
  bool operator==(const Freshness&) const = default;
};

struct Service {
  std::string name;
  std::vector<std::string> prefixes;
  std::optional<ServiceId> cs_id;  // nullopt: the prefix address
  std::uint16_t profile = 0;       // 0: unspecified
  Metrics metrics;
  Freshness freshness;
  bool operator==(const Service&) const = default;
};

// One metrics endpoint (or this host's /proc) feeding one service.
struct CollectorTarget {
  std::string name;
  std::string url;     // http://host[:port][/path]; empty for the procfs engine
  std::string engine;  // a profile of Collector::engine_profiles, or "procfs"
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{2000};  // absent: this, or the interval if shorter
  std::chrono::milliseconds stale_after{15000};
  std::string service;                   // names an entry of Config::services
  std::optional<ServiceId> instance_id;  // nullopt: named after the target
  std::optional<double> capacity;        // weight in capacity-weighted site aggregation
  bool operator==(const CollectorTarget&) const = default;
};

struct Collector {
  std::uint8_t first_report_answers = 2;  // per target, before a service's first advertisement
  std::string engine_profiles;            // empty: the installed engines.json
  std::vector<CollectorTarget> targets;
  std::optional<std::string> push_address;  // host:port of a remote catsd
  std::chrono::seconds push_refresh{10};    // reports repeated this often while nothing changes
  // TLS and the bearer token of the push stream: PEM and token files, empty when unused.
  std::string push_tls_ca;
  std::string push_tls_certificate;
  std::string push_tls_key;
  std::string push_token_file;
  bool operator==(const Collector&) const = default;
};

// An http:// URL split for the scraper; nullopt when it is not one.
struct HttpUrl {
  std::string host;  // without the brackets of an IPv6 literal
  std::uint16_t port = 80;
  std::string path = "/metrics";
};
std::optional<HttpUrl> parse_http_url(std::string_view url);

// ---- Steering at the ingress ----

enum class SelectionMode : std::uint8_t { kBest, kWeighted };
enum class ScoreSource : std::uint8_t { kL2, kL1 };

struct ServiceClass {
  std::string name;
  double network_weight = 1;
  double compute_weight = 1;
  ScoreSource score = ScoreSource::kL2;
  std::vector<Category> l1_categories;  // kL1: the minimum of these
  std::uint8_t min_score = 1;
  std::uint8_t leave_threshold = 5;
  double margin = 1;
  std::chrono::seconds hold_down{30};
  SelectionMode mode = SelectionMode::kBest;
  std::uint8_t max_sites = 4;
  double weighted_band = 3;
  bool bgp_best_follows = false;
  bool operator==(const ServiceClass&) const = default;
};

// The classes that exist without configuration.
ServiceClass delay_sensitive_class();
ServiceClass delay_tolerant_class();

struct SteeringService {
  std::string name;
  std::vector<std::string> prefixes;
  std::optional<ServiceId> cs_id;
  std::string service_class;
  bool operator==(const SteeringService&) const = default;
};

struct NextHopCost {
  std::string address;  // canonical text
  std::optional<std::uint32_t> cost;
  std::optional<std::uint32_t> latency_ms;
  bool operator==(const NextHopCost&) const = default;
};

struct NetworkCost {
  bool igp = true;
  bool aigp = true;
  std::vector<NextHopCost> next_hops;
  bool operator==(const NetworkCost&) const = default;
};

struct Steering {
  std::string default_class = "delay-tolerant";
  std::vector<ServiceClass> classes{delay_sensitive_class(), delay_tolerant_class()};
  std::vector<SteeringService> services;
  std::vector<std::uint32_t> cloud_communities;
  std::vector<std::string> cloud_next_hops;  // canonical text
  std::optional<std::uint8_t> unknown_score;
  NetworkCost network_cost;
  bool next_hop_tracking = true;
  bool resolve_via_default = false;

  const ServiceClass* find_class(std::string_view name) const;
  bool operator==(const Steering&) const = default;
};

// ---- The kernel FIB ----

enum class FibScope : std::uint8_t { kServices, kAll, kNone };

struct Fib {
  std::optional<FibScope> scope;  // nullopt: services with the ingress role, none otherwise
  std::uint16_t buckets = 128;
  std::chrono::seconds idle_timer{120};
  bool retain = false;
  std::chrono::seconds stale_time{120};
  bool operator==(const Fib&) const = default;
};

// ---- The NETCONF server ----

struct NetconfUser {
  std::string name;
  std::optional<std::string> password;
  std::optional<std::string> authorized_key;  // a public key file, resolved against the configuration's directory
  bool operator==(const NetconfUser&) const = default;
};

struct Netconf {
  bool enabled = false;
  std::string address = "127.0.0.1";
  std::uint16_t port = 830;
  std::string host_key;  // as written; relative to the configuration file's directory
  std::vector<NetconfUser> users;
  bool operator==(const Netconf&) const = default;
};

// ---- The Prometheus metrics endpoint ----

struct MetricsEndpoint {
  bool enabled = false;  // the container is present
  std::string address = "127.0.0.1";
  std::uint16_t port = 9179;
  std::chrono::seconds cache_time{1};
  std::uint32_t site_series_limit = 20'000;  // candidates with per-site series; 0: no limit
  bool operator==(const MetricsEndpoint&) const = default;
};

// ---- Telemetry: BMP stations and MRT files ----

enum class BmpMonitoring : std::uint8_t { kPrePolicy, kPostPolicy, kLocRib };

struct BmpStation {
  std::string name;
  std::string address;
  std::uint16_t port = 11019;
  std::string source_address;             // empty: the kernel's choice
  std::vector<BmpMonitoring> monitoring;  // empty: pre-policy and loc-rib
  std::chrono::seconds statistics_interval{60};
  std::chrono::seconds retry_interval{30};
  bool monitors(BmpMonitoring m) const {
    if (monitoring.empty()) return m != BmpMonitoring::kPostPolicy;
    return std::find(monitoring.begin(), monitoring.end(), m) != monitoring.end();
  }
  bool operator==(const BmpStation&) const = default;
};

struct Bmp {
  std::vector<BmpStation> stations;
  bool operator==(const Bmp&) const = default;
};

struct MrtFiles {
  std::string file;  // strftime pattern; empty: off
  std::chrono::seconds interval{3600};
  bool operator==(const MrtFiles&) const = default;
};

struct Mrt {
  MrtFiles table_dump;
  MrtFiles updates{.file = {}, .interval = std::chrono::seconds{900}};
  bool operator==(const Mrt&) const = default;
};

// A configuration error: where (a data path of the module, or the file) and why.
struct ConfigError {
  std::string path;    // "/cats-bgp:bgp/global/router-id"; the file for file errors
  std::string reason;  // "router-id must not be 0.0.0.0"

  std::string message() const;  // "<path>: <reason>"
  bool operator==(const ConfigError&) const = default;
};
using ConfigErrors = std::vector<ConfigError>;

struct Config {
  Global global;
  std::vector<Neighbor> neighbors;
  std::vector<PrefixList> prefix_lists;
  std::vector<Service> services;
  std::vector<Profile> profiles;
  DamperConfig damper;
  Steering steering;
  Fib fib;

  FibScope fib_scope() const;  // with the default applied
  Collector collector;
  Netconf netconf;
  MetricsEndpoint metrics;
  Bmp bmp;
  Mrt mrt;

  const Neighbor* neighbor(std::string_view address) const;
  const PrefixList* prefix_list(std::string_view name) const;
  const Service* service(std::string_view name) const;
  const Profile* profile(std::uint16_t id) const;
  bool operator==(const Config&) const = default;
};

}  // namespace cats::config
