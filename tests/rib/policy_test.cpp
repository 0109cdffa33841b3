// Per-neighbor policy: prefix-list matching (FRR/Cisco semantics), compile
// errors, and the attribute actions checked on the wire: every applied set is
// encoded, compared byte for byte with the expected attributes, and decoded back.
#include "rib-adapter/rib/policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cats::rib {
namespace {

using config::PrefixList;
using config::PrefixListEntry;
using config::Verdict;
constexpr Verdict P = Verdict::kPermit;
constexpr Verdict D = Verdict::kDeny;

constexpr std::uint32_t community(std::uint32_t asn, std::uint32_t value) {
  return asn << 16 | value;
}

wire::Prefix pfx(std::string_view text) {
  auto p = wire::Prefix::parse(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p.value_or(wire::Prefix{});
}

PrefixList list_of(std::vector<PrefixListEntry> entries) {
  return PrefixList{"L", std::move(entries)};
}

// ---------------------------------------------------------------- matching

struct MatchRow {
  const char* name;
  std::vector<PrefixListEntry> entries;
  const char* prefix;
  bool permits;
};

// gtest prints a failing row by its name rather than its bytes.
void PrintTo(const MatchRow& row, std::ostream* os) {
  *os << row.name;
}

std::vector<MatchRow> match_rows() {
  const std::nullopt_t no = std::nullopt;
  const std::vector<PrefixListEntry> exact = {{10, P, "10.0.0.0/8", no, no}};
  const std::vector<PrefixListEntry> le24 = {{10, P, "10.0.0.0/8", no, 24}};
  const std::vector<PrefixListEntry> ge16 = {{10, P, "10.0.0.0/8", 16, no}};
  const std::vector<PrefixListEntry> ge16le24 = {{10, P, "10.0.0.0/8", 16, 24}};
  const std::vector<PrefixListEntry> any_v4 = {{10, P, "0.0.0.0/0", no, 32}};
  const std::vector<PrefixListEntry> any_v6 = {{10, P, "::/0", no, 128}};
  // Listed out of order: seq 10 must be tried first.
  const std::vector<PrefixListEntry> by_seq = {{20, P, "10.0.0.0/8", no, 32}, {10, D, "10.1.0.0/16", no, no}};
  const std::vector<PrefixListEntry> deny_then_all = {{10, D, "10.1.0.0/16", no, 32}, {20, P, "0.0.0.0/0", no, 32}};
  const std::vector<PrefixListEntry> host4 = {{10, P, "203.0.113.10/32", no, no}};
  const std::vector<PrefixListEntry> host6 = {{10, P, "2001:db8::1/128", no, no}};
  const std::vector<PrefixListEntry> v6le48 = {{10, P, "2001:db8::/32", no, 48}};
  const std::vector<PrefixListEntry> odd_len = {{10, P, "10.128.0.0/9", no, 32}};
  const std::vector<PrefixListEntry> ge_is_len = {{10, P, "10.0.0.0/8", 8, no}};
  const std::vector<PrefixListEntry> le_is_len = {{10, P, "10.0.0.0/8", no, 8}};
  return {
      {"ExactSame", exact, "10.0.0.0/8", true},
      {"ExactLongerMisses", exact, "10.1.0.0/16", false},
      {"ExactShorterMisses", exact, "10.0.0.0/7", false},
      {"ExactOtherAddressMisses", exact, "11.0.0.0/8", false},
      {"HostBitsInEntryCleared", {{10, P, "10.1.2.3/8", no, no}}, "10.0.0.0/8", true},
      {"LeIncludesLen", le24, "10.0.0.0/8", true},
      {"LeUpToLe", le24, "10.1.2.0/24", true},
      {"LeBeyondMisses", le24, "10.1.2.0/25", false},
      {"LeOtherAddressMisses", le24, "11.1.0.0/16", false},
      {"LeEqualLenIsExact", le_is_len, "10.1.0.0/16", false},
      {"GeExcludesLen", ge16, "10.0.0.0/8", false},
      {"GeBelowMisses", ge16, "10.0.0.0/15", false},
      {"GeAtGe", ge16, "10.1.0.0/16", true},
      {"GeUpToHost", ge16, "10.1.2.3/32", true},
      {"GeEqualLenUpToHost", ge_is_len, "10.1.2.0/24", true},
      {"GeLeBelowMisses", ge16le24, "10.0.0.0/15", false},
      {"GeLeLow", ge16le24, "10.1.0.0/16", true},
      {"GeLeHigh", ge16le24, "10.1.2.0/24", true},
      {"GeLeAboveMisses", ge16le24, "10.1.2.0/25", false},
      {"GeLeOtherAddressMisses", ge16le24, "12.1.0.0/16", false},
      {"CatchAllDefault", any_v4, "0.0.0.0/0", true},
      {"CatchAllHost", any_v4, "203.0.113.10/32", true},
      {"CatchAllMid", any_v4, "192.168.0.0/16", true},
      {"DefaultOnlyWithoutLe", {{10, P, "0.0.0.0/0", no, no}}, "10.0.0.0/8", false},
      {"V4EntryNeverMatchesV6Default", any_v4, "::/0", false},
      {"V4EntryNeverMatchesV6", any_v4, "2001:db8::/32", false},
      {"V6EntryNeverMatchesV4", any_v6, "10.0.0.0/8", false},
      {"V6CatchAll", any_v6, "2001:db8::/32", true},
      {"V6Le", v6le48, "2001:db8:1::/48", true},
      {"V6LeBeyondMisses", v6le48, "2001:db8:1::/64", false},
      {"V6OtherAddressMisses", v6le48, "2001:db9::/48", false},
      {"NonOctetLenInside", odd_len, "10.200.0.0/16", true},
      {"NonOctetLenOutside", odd_len, "10.100.0.0/16", false},
      {"SeqOrderLowerSeqWins", by_seq, "10.1.0.0/16", false},
      {"SeqOrderLaterEntry", by_seq, "10.2.0.0/16", true},
      {"FirstMatchDeny", deny_then_all, "10.1.5.0/24", false},
      {"FirstMatchFallsThrough", deny_then_all, "10.2.0.0/16", true},
      {"ImplicitDeny", exact, "192.168.0.0/16", false},
      {"EmptyListDenies", {}, "10.0.0.0/8", false},
      {"DenyOnlyListDeniesRest", {{10, D, "10.0.0.0/8", no, no}}, "11.0.0.0/8", false},
      {"HostRoute", host4, "203.0.113.10/32", true},
      {"HostRouteNeighbourMisses", host4, "203.0.113.11/32", false},
      {"HostRouteCoveringMisses", host4, "203.0.113.0/24", false},
      {"HostRouteV6", host6, "2001:db8::1/128", true},
      {"HostRouteV6NeighbourMisses", host6, "2001:db8::2/128", false},
  };
}

class PrefixFilterMatch : public ::testing::TestWithParam<MatchRow> {};

TEST_P(PrefixFilterMatch, Permits) {
  const MatchRow& row = GetParam();
  auto compiled = PrefixFilter::compile(list_of(row.entries));
  ASSERT_TRUE(std::holds_alternative<PrefixFilter>(compiled)) << std::get<std::string>(compiled);
  EXPECT_EQ(std::get<PrefixFilter>(compiled).permits(pfx(row.prefix)), row.permits) << row.prefix;
}

INSTANTIATE_TEST_SUITE_P(Rows, PrefixFilterMatch, ::testing::ValuesIn(match_rows()),
                         [](const ::testing::TestParamInfo<MatchRow>& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- compile errors

struct ErrorRow {
  const char* name;
  config::PolicyActions actions;
  std::vector<PrefixList> lists;
  const char* error;  // the whole message
};

void PrintTo(const ErrorRow& row, std::ostream* os) {
  *os << row.name;
}

std::vector<ErrorRow> error_rows() {
  const std::nullopt_t no = std::nullopt;
  auto with = [](std::vector<PrefixListEntry> entries) { return std::vector<PrefixList>{list_of(std::move(entries))}; };
  config::PolicyActions use_l;
  use_l.prefix_list = "L";
  config::PolicyActions use_nope;
  use_nope.prefix_list = "nope";
  return {
      {"UnknownListName", use_nope, with({{10, P, "10.0.0.0/8", no, no}}), "prefix-list nope is not defined"},
      {"UnknownListNoLists", use_nope, {}, "prefix-list nope is not defined"},
      {"GeBelowLen", use_l, with({{10, P, "10.0.0.0/16", 8, no}}),
       "prefix-list L seq 10: ge 8 is below the prefix length 16"},
      {"LeBelowLen", use_l, with({{10, P, "10.0.0.0/16", no, 12}}),
       "prefix-list L seq 10: le 12 is below the prefix length 16"},
      {"LeBelowGe", use_l, with({{10, P, "10.0.0.0/8", 24, 20}}), "prefix-list L seq 10: le 20 is below ge 24"},
      {"GeBeyondV4", use_l, with({{10, P, "10.0.0.0/8", 33, no}}),
       "prefix-list L seq 10: ge 33 exceeds 32 for an IPv4 prefix"},
      {"LeBeyondV4", use_l, with({{10, P, "10.0.0.0/8", no, 64}}),
       "prefix-list L seq 10: le 64 exceeds 32 for an IPv4 prefix"},
      {"LeBeyondV6", use_l, with({{10, P, "2001:db8::/32", no, 129}}),
       "prefix-list L seq 10: le 129 exceeds 128 for an IPv6 prefix"},
      {"BadPrefixText", use_l, with({{10, P, "banana", no, no}}),
       "prefix-list L seq 10: 'banana' is not an IPv4 or IPv6 prefix"},
      {"PrefixWithoutLength", use_l, with({{10, P, "10.0.0.0", no, no}}),
       "prefix-list L seq 10: '10.0.0.0' is not an IPv4 or IPv6 prefix"},
      {"PrefixLengthTooLong", use_l, with({{10, P, "10.0.0.0/33", no, no}}),
       "prefix-list L seq 10: '10.0.0.0/33' is not an IPv4 or IPv6 prefix"},
      {"ShortAddress", use_l, with({{10, P, "10.0.0/8", no, no}}),
       "prefix-list L seq 10: '10.0.0/8' is not an IPv4 or IPv6 prefix"},
      {"NamesTheBadEntry", use_l, with({{10, P, "10.0.0.0/8", no, no}, {20, D, "10.0.0.0/8", 4, no}}),
       "prefix-list L seq 20: ge 4 is below the prefix length 8"},
      {"SeqTwice", use_l, with({{10, P, "10.0.0.0/8", no, no}, {10, D, "11.0.0.0/8", no, no}}),
       "prefix-list L seq 10: seq appears twice"},
  };
}

class PolicyCompileError : public ::testing::TestWithParam<ErrorRow> {};

TEST_P(PolicyCompileError, Names) {
  const ErrorRow& row = GetParam();
  auto compiled = Policy::compile(row.actions, row.lists, true);
  ASSERT_TRUE(std::holds_alternative<std::string>(compiled));
  EXPECT_EQ(std::get<std::string>(compiled), row.error);
}

INSTANTIATE_TEST_SUITE_P(Rows, PolicyCompileError, ::testing::ValuesIn(error_rows()),
                         [](const ::testing::TestParamInfo<ErrorRow>& info) { return std::string(info.param.name); });

TEST(PolicyCompile, KeepsActionsWithCommunitiesSortedOnce) {
  config::PolicyActions a;
  a.prefix_list = "L";
  a.set_local_pref = 200;
  a.set_med = 7;
  a.add_communities = {config::kNoExport, community(65000, 2), community(65000, 1), community(65000, 2)};
  const std::vector<PrefixList> lists = {PrefixList{"other", {}}, list_of({{10, P, "10.0.0.0/8", std::nullopt, 24}})};
  auto compiled = Policy::compile(a, lists, false);
  ASSERT_TRUE(std::holds_alternative<Policy>(compiled)) << std::get<std::string>(compiled);
  const Policy& p = std::get<Policy>(compiled);
  ASSERT_TRUE(p.filter.has_value());
  EXPECT_EQ(p.filter->name(), "L");
  EXPECT_TRUE(p.permits(pfx("10.1.0.0/16")));
  EXPECT_FALSE(p.permits(pfx("10.1.2.0/25")));
  EXPECT_EQ(p.set_local_pref, 200u);
  EXPECT_EQ(p.set_med, 7u);
  EXPECT_EQ(p.add_communities,
            (std::vector<std::uint32_t>{community(65000, 1), community(65000, 2), config::kNoExport}));
  EXPECT_FALSE(p.allow_cats);
}

TEST(PolicyCompile, WithoutPrefixListEverythingPasses) {
  auto compiled = Policy::compile(config::PolicyActions{}, {}, true);
  ASSERT_TRUE(std::holds_alternative<Policy>(compiled));
  const Policy& p = std::get<Policy>(compiled);
  EXPECT_FALSE(p.filter.has_value());
  EXPECT_TRUE(p.permits(pfx("10.0.0.0/8")));
  EXPECT_TRUE(p.permits(pfx("2001:db8::/32")));
  EXPECT_FALSE(p.modifies());
}

struct ModifiesRow {
  const char* name;
  Policy policy;
  bool modifies;
};

void PrintTo(const ModifiesRow& row, std::ostream* os) {
  *os << row.name;
}

std::vector<ModifiesRow> modifies_rows() {
  Policy filter_only;
  filter_only.filter = std::get<PrefixFilter>(PrefixFilter::compile(list_of({})));
  Policy lp;
  lp.set_local_pref = 0;  // zero is a value, not "unset"
  Policy med;
  med.set_med = 0;
  Policy comms;
  comms.add_communities = {config::kNoExport};
  Policy strip;
  strip.allow_cats = false;
  return {{"Default", Policy{}, false}, {"FilterOnly", filter_only, false}, {"LocalPref", lp, true},
          {"Med", med, true},           {"Communities", comms, true},       {"StripCats", strip, true}};
}

class PolicyModifies : public ::testing::TestWithParam<ModifiesRow> {};

TEST_P(PolicyModifies, Says) {
  EXPECT_EQ(GetParam().policy.modifies(), GetParam().modifies);
}

INSTANTIATE_TEST_SUITE_P(Rows, PolicyModifies, ::testing::ValuesIn(modifies_rows()),
                         [](const ::testing::TestParamInfo<ModifiesRow>& info) {
                           return std::string(info.param.name);
                         });

TEST(NeighborPolicy, CatsDirectionsFollowTheNeighbor) {
  config::Neighbor n;
  n.ibgp = true;
  n.cats.receive = false;
  n.cats.send = true;
  n.import_policy.set_local_pref = 50;
  n.export_policy.set_local_pref = 300;
  auto compiled = NeighborPolicy::compile(n, {});
  ASSERT_TRUE(std::holds_alternative<NeighborPolicy>(compiled)) << std::get<std::string>(compiled);
  const auto& np = std::get<NeighborPolicy>(compiled);
  EXPECT_FALSE(np.import_policy.allow_cats);
  EXPECT_TRUE(np.export_policy.allow_cats);
  EXPECT_EQ(np.import_policy.set_local_pref, 50u);
  EXPECT_EQ(np.export_policy.set_local_pref, 300u);
}

TEST(NeighborPolicy, ErrorsNameTheDirection) {
  config::Neighbor n;
  n.ibgp = true;
  n.import_policy.prefix_list = "in";
  auto compiled = NeighborPolicy::compile(n, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(compiled));
  EXPECT_EQ(std::get<std::string>(compiled), "import-policy: prefix-list in is not defined");

  n.import_policy.prefix_list.reset();
  n.export_policy.prefix_list = "out";
  compiled = NeighborPolicy::compile(n, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(compiled));
  EXPECT_EQ(std::get<std::string>(compiled), "export-policy: prefix-list out is not defined");
}

TEST(NeighborPolicy, LocalPrefOnEbgpExportIsRejected) {
  config::Neighbor n;
  n.ibgp = false;
  n.import_policy.set_local_pref = 120;  // fine: it ranks the neighbor's routes here
  n.export_policy.set_local_pref = 120;
  auto compiled = NeighborPolicy::compile(n, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(compiled));
  EXPECT_EQ(std::get<std::string>(compiled).rfind("export-policy: set-local-pref", 0), 0u);
  n.export_policy.set_local_pref.reset();
  EXPECT_TRUE(std::holds_alternative<NeighborPolicy>(NeighborPolicy::compile(n, {})));
}

// ---------------------------------------------------------------- apply, on the wire

// Whole attributes, hex (flags, type, length, value).
const std::string kOrigin = "40010100";
const std::string kAsPath = "400200";
const std::string kNextHop = "400304c0000201";
const std::string kMed50 = "80040400000032";
const std::string kMed7 = "80040400000007";
const std::string kLp100 = "40050400000064";
const std::string kLp200 = "400504000000c8";
// CATS-EXP value of spec vector TV1 (site score 8), under type 255 and 254.
const std::string kCats255 = "c0ff0c010000000200050103810008";
const std::string kCats254 = "c0fe0c010000000200050103810008";
const std::string kBase = kOrigin + kAsPath + kNextHop;

struct Received {
  wire::Bytes bytes;  // the set borrows from it
  wire::AttributeSet set;
  std::vector<wire::DecodeError> errors;
};

wire::DecodeContext context(bool ebgp, std::uint8_t cats_type) {
  wire::DecodeContext ctx;
  ctx.as4 = true;
  ctx.ebgp = ebgp;
  ctx.cats_type = cats_type;
  return ctx;
}

// On the heap so the views stay put whatever happens to the handle.
std::unique_ptr<Received> decode(const std::string& hex, bool ebgp, std::uint8_t cats_type) {
  auto r = std::make_unique<Received>();
  auto b = wire::from_hex(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  r->bytes = b.value_or(wire::Bytes{});
  wire::decode_path_attributes(r->bytes, context(ebgp, cats_type), r->set, r->errors);
  return r;
}

wire::Bytes encode(const wire::AttributeSet& set) {
  wire::Bytes out;
  wire::Writer w(out);
  wire::encode_path_attributes(w, set, wire::EncodeContext{});
  return out;
}

// Designated initializers name what a row sets; the rest keep these defaults.
struct ApplyRow {
  const char* name = "";
  std::string input = {};
  bool ebgp = false;             // LOCAL_PREF arrives discarded
  std::uint8_t cats_type = 255;  // for decoding and apply()
  std::optional<std::uint32_t> lp = {};
  std::optional<std::uint32_t> med = {};
  std::vector<std::uint32_t> communities = {};
  bool allow_cats = true;
  std::string want = {};  // the encoded result
};

void PrintTo(const ApplyRow& row, std::ostream* os) {
  *os << row.name;
}

std::vector<ApplyRow> apply_rows() {
  const std::uint32_t c1 = community(65000, 1);
  const std::uint32_t c10 = community(65000, 10);
  const std::uint32_t c20 = community(65000, 20);
  return {
      {.name = "LocalPrefReplacedOnIbgpSet",
       .input = kBase + kLp100 + kCats255,
       .lp = 200,
       .want = kBase + kLp200 + kCats255},
      {.name = "LocalPrefInsertedInTypeOrder",
       .input = kBase + kMed50 + kCats255,
       .lp = 200,
       .want = kBase + kMed50 + kLp200 + kCats255},
      {.name = "LocalPrefReplacesDiscardedEbgpOne",
       .input = kBase + kLp100 + kCats255,
       .ebgp = true,
       .lp = 200,
       .want = kBase + kLp200 + kCats255},
      {.name = "LocalPrefZero", .input = kBase + kLp100, .lp = 0, .want = kBase + "40050400000000"},
      {.name = "MedReplaced", .input = kBase + kMed50 + kLp100, .med = 7, .want = kBase + kMed7 + kLp100},
      {.name = "MedAdded", .input = kBase + kLp100, .med = 7, .want = kBase + kMed7 + kLp100},
      {.name = "MedDuplicateDropped",
       .input = kBase + kMed50 + kLp100 + "80040400000063",
       .med = 7,
       .want = kBase + kMed7 + kLp100},
      {.name = "CommunitiesAddedToSetWithout",
       .input = kBase + kLp100 + kCats255,
       .communities = {c10, c20},
       .want = kBase + kLp100 + "c00808fde8000afde80014" + kCats255},
      {.name = "CommunitiesMergedSortedDeduplicated",
       .input = kBase + kLp100 + "c00808ffffff01fde80014",
       .communities = {c10, c20},
       .want = kBase + kLp100 + "c0080cfde8000afde80014ffffff01"},
      {.name = "CommunitiesNothingNewLeftAsReceived",
       .input = kBase + "c00808ffffff01fde80001",
       .communities = {c1, config::kNoExport},
       .want = kBase + "c00808ffffff01fde80001"},
      {.name = "CommunitiesPartialBitKept",
       .input = kBase + "e00804fde80014",
       .communities = {c10},
       .want = kBase + "e00808fde8000afde80014"},
      {.name = "CommunitiesExtendedLengthDropped",
       .input = kBase + "d0080004fde80014",
       .communities = {c10},
       .want = kBase + "c00808fde8000afde80014"},
      {.name = "CommunitiesDiscardedDuplicateDropped",
       .input = kBase + "c00804fde80014" + kLp100 + "c00804fde80001",
       .communities = {c10},
       .want = kBase + "c00808fde8000afde80014" + kLp100},
      {.name = "NoExport",
       .input = kBase + kLp100,
       .communities = {config::kNoExport},
       .want = kBase + kLp100 + "c00804ffffff01"},
      {.name = "WellKnownSortLast",
       .input = kBase,
       .communities = {config::kNoPeer, config::kNoAdvertise, config::kNoExportSubconfed, c1},
       .want = kBase + "c00810fde80001ffffff02ffffff03ffffff04"},
      {.name = "StripCats255", .input = kBase + kLp100 + kCats255, .allow_cats = false, .want = kBase + kLp100},
      {.name = "StripConfigured254KeepsForeign255",
       .input = kBase + kLp100 + kCats254 + kCats255,
       .cats_type = 254,
       .allow_cats = false,
       .want = kBase + kLp100 + kCats255},
      {.name = "StripWithoutCatsIsNoChange", .input = kBase + kLp100, .allow_cats = false, .want = kBase + kLp100},
      {.name = "KeepCats", .input = kBase + kLp100 + kCats255, .lp = 200, .want = kBase + kLp200 + kCats255},
      {.name = "Everything",
       .input = kBase + kMed50 + kLp100 + "c00804fde80014" + kCats255,
       .lp = 200,
       .med = 7,
       .communities = {config::kNoExport, c10},
       .allow_cats = false,
       .want = kBase + kMed7 + kLp200 + "c0080cfde8000afde80014ffffff01"},
  };
}

class PolicyApply : public ::testing::TestWithParam<ApplyRow> {};

TEST_P(PolicyApply, EncodesAndDecodesBack) {
  const ApplyRow& row = GetParam();
  auto in = decode(row.input, row.ebgp, row.cats_type);
  for (const auto& e : in->errors) ASSERT_EQ(e.action, wire::Action::kAttributeDiscard) << e.reason;
  Policy policy;
  policy.set_local_pref = row.lp;
  policy.set_med = row.med;
  policy.add_communities = row.communities;
  policy.allow_cats = row.allow_cats;
  ASSERT_TRUE(policy.modifies());

  const wire::AttributeSet out = policy.apply(in->set, row.cats_type);
  const wire::Bytes got = encode(out);
  EXPECT_EQ(wire::to_hex(got), row.want);

  // Decoded back as an iBGP peer would: clean, the actions visible, byte-identical again.
  auto back = decode(wire::to_hex(got), false, row.cats_type);
  EXPECT_TRUE(back->errors.empty()) << back->errors.front().reason;
  EXPECT_EQ(encode(back->set), got);
  if (row.lp) {
    const auto* lp = back->set.get<wire::LocalPref>(wire::attr::kLocalPref);
    ASSERT_NE(lp, nullptr);
    EXPECT_EQ(lp->value, *row.lp);
  }
  if (row.med) {
    const auto* med = back->set.get<wire::Med>(wire::attr::kMed);
    ASSERT_NE(med, nullptr);
    EXPECT_EQ(med->value, *row.med);
  }
  if (!row.communities.empty()) {
    const auto* c = back->set.get<wire::Communities>(wire::attr::kCommunities);
    ASSERT_NE(c, nullptr);
    for (auto v : row.communities) EXPECT_NE(std::ranges::find(c->values, v), c->values.end()) << v;
  }
  if (!row.allow_cats) {
    EXPECT_EQ(back->set.find(row.cats_type), nullptr);
  }
  // The input is a value: apply() leaves it alone.
  EXPECT_EQ(wire::to_hex(encode(in->set)), wire::to_hex(encode(decode(row.input, row.ebgp, row.cats_type)->set)));
}

INSTANTIATE_TEST_SUITE_P(Rows, PolicyApply, ::testing::ValuesIn(apply_rows()),
                         [](const ::testing::TestParamInfo<ApplyRow>& info) { return std::string(info.param.name); });

TEST(PolicyApplyCopy, NoActionsLeaveTheSetIdentical) {
  auto in = decode(kBase + kMed50 + kLp100 + "c00808ffffff01fde80001" + kCats255, false, 255);
  Policy p;
  p.filter = std::get<PrefixFilter>(PrefixFilter::compile(list_of({{10, P, "0.0.0.0/0", std::nullopt, 32}})));
  ASSERT_FALSE(p.modifies());
  const wire::AttributeSet out = p.apply(in->set, 255);
  ASSERT_EQ(out.list().size(), in->set.list().size());
  for (std::size_t i = 0; i < out.list().size(); ++i) {
    const auto& a = out.list()[i];
    const auto& b = in->set.list()[i];
    EXPECT_EQ(a.flags, b.flags);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.raw.data(), b.raw.data());
    EXPECT_EQ(a.raw.size(), b.raw.size());
  }
  EXPECT_EQ(encode(out), encode(in->set));
  EXPECT_EQ(encode(out), in->bytes);
}

TEST(PolicyApplyCopy, CopyBorrowsFromTheInputBuffer) {
  auto in = decode(kBase + kLp100 + kCats255, false, 255);
  Policy p;
  p.set_local_pref = 200;
  const wire::AttributeSet out = p.apply(in->set, 255);
  const auto* cats = out.find(255);
  ASSERT_NE(cats, nullptr);
  ASSERT_NE(cats->as<wire::CatsExp>(), nullptr);
  // Untouched attributes point into the received bytes; the built one has no raw bytes.
  EXPECT_GE(cats->raw.data(), in->bytes.data());
  EXPECT_LT(cats->raw.data(), in->bytes.data() + in->bytes.size());
  const auto* lp = out.find(wire::attr::kLocalPref);
  ASSERT_NE(lp, nullptr);
  EXPECT_TRUE(lp->raw.empty());
  EXPECT_EQ(lp->flags, wire::attr::kTransitive);
}

TEST(PolicyApplyCopy, ManyCommunitiesTakeExtendedLength) {
  auto in = decode(kBase, false, 255);
  Policy p;
  for (std::uint32_t i = 0; i < 64; ++i) p.add_communities.push_back(community(65000, i));
  const wire::Bytes got = encode(p.apply(in->set, 255));
  // 64 * 4 = 256 octets: one more than a one-octet length holds.
  const std::string hex = wire::to_hex(got);
  ASSERT_GT(hex.size(), kBase.size() + 8);
  EXPECT_EQ(hex.substr(kBase.size(), 8), "d0080100");
  auto back = decode(hex, false, 255);
  EXPECT_TRUE(back->errors.empty());
  const auto* c = back->set.get<wire::Communities>(wire::attr::kCommunities);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->values.size(), 64u);
  EXPECT_TRUE(std::ranges::is_sorted(c->values));
}

}  // namespace
}  // namespace cats::rib
