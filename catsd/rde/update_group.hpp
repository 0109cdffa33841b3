// Export at scale: update groups and the pull-based production of UPDATEs.
//
// Neighbors whose export parameters are equal (ExportParams: the rewrite
// target, the export policy as configured, the encode context, the
// negotiated families) form an UpdateGroup, as FRR's update groups. The group
// computes what a prefix looks like towards them once (exported attributes
// cached per source attribute set), packs UPDATEs once and hands the same
// octets (shared buffers) to every member at the same position.
//
// Nothing is pushed: a member's UPDATEs are produced when its session has
// room (SessionEvents::session_writable), at most kChunkOctets at a time, as
// BIRD's export and OpenBGPD's up_generate do. What a member still has to get
// is described by its position (ExportPosition):
//  * a walk over the table's entry numbers (RibEntry::self, dense) for the
//    initial table and route refresh; once finished it keeps going past the
//    end, so prefixes new to the table are sent by the walk, logged nowhere;
//  * a position in the group's log of changes to entries some member has
//    walked past (entry number and its generation; the prefix itself for
//    entries freed since, which cannot be looked up any more). The log is
//    processed before the walk goes on, so the final state is right.
// A produced part (Chunk) is kept in a small ring keyed by the position it
// starts from: members in lockstep take it from there. A member that lags
// too far behind the log (kLogBound) gets the withdrawals it missed as a
// backlog and walks the table again.
//
// Per member the Adj-RIB-Out is one bit per entry number (adj_rib_out.hpp):
// whether the neighbor has something of that prefix, which decides
// withdrawals. Per group and entry, what the group exports of it is one
// 32-bit serial of (exported attribute set, member whose own path it is),
// interned with a reference so the set cannot be freed and its address
// reused meanwhile: a change that exports the same thing (a path refreshed,
// another best path with the same outgoing attributes) sends nothing, as
// the per-neighbor Adj-RIB-Out did. ADD-PATH groups keep per entry the
// (path id, serial) of each path advertised; a path id belongs to a source
// path (peer, its path id) group-wide while any prefix advertises it, as
// BIRD's route source ids, so ids are stable per (prefix, source path).
// All of it is RIB-thread state.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "bgp-ext/wire/update.hpp"
#include "catsd/rde/adj_rib_out.hpp"
#include "catsd/rde/export.hpp"
#include "catsd/rde/export_selection.hpp"
#include "catsd/rde/session_port.hpp"
#include "rib-adapter/rib/loc_rib.hpp"

namespace cats::rde {

// The size an array indexed by entry number grows to so that `n` fits: by a
// quarter, so arrays that follow a table stay close to its size (every
// element written is resident).
inline std::size_t grown(std::size_t size, std::size_t n) {
  return std::max(n + 1, size + size / 4 + 4096);
}

// Families an export covers, as bits: IPv4 unicast 1, IPv6 unicast 2.
inline constexpr std::uint8_t kFamilyBits = 3;
// 0 for IPv4 unicast, 1 for IPv6 unicast, -1 for anything else (never exported).
int family_index(const wire::Family& f);

// Entry numbers to entries, for walks and logs that outlive a round of
// events. Learned from the Loc-RIB's events: the table's entries live in
// chunks of kChunk that never move while one of them is in use
// (rib_table.hpp), so one address per chunk is enough; a chunk whose entries
// are all gone may be unmapped and is forgotten. Each number also has a
// generation, bumped when its entry is freed, so a logged number that was
// freed and reused is recognized.
class EntryIndex {
 public:
  // RibTable's chunk size (rib_table.hpp, docs/ARCHITECTURE.md); the export
  // test holds the two to the same layout.
  static constexpr std::uint32_t kChunk = 1024;

  // Entry `e` is in use (an event saw it).
  void live(const rib::RibEntry& e);
  // Entry number `n` was freed.
  void freed(std::uint32_t n);
  // The entry numbered `n` while it is in use; nullptr otherwise.
  const rib::RibEntry* at(std::uint32_t n) const;
  // Whether any entry of n's chunk is in use (walks skip whole chunks).
  bool chunk_used(std::uint32_t n) const {
    const std::size_t c = n / kChunk;
    return c < base_.size() && base_[c] != 0;
  }
  std::uint16_t gen(std::uint32_t n) const { return n < gen_.size() ? gen_[n] : 0; }
  std::uint32_t end() const { return end_; }  // past the highest number seen
  std::size_t size() const { return live_; }
  // Forgets everything and learns the table again from a full walk, every
  // generation bumped (numbers seen before are stale).
  void rebuild(const rib::LocRib& rib);

 private:
  std::vector<std::uintptr_t> base_;  // per chunk: address of its entry 0, 0 when none in use
  std::vector<std::uint32_t> used_;   // per chunk: entries in use
  std::vector<std::uint16_t> gen_;
  std::vector<std::uint64_t> known_;  // bit per number: in use
  std::uint32_t end_ = 0;
  std::size_t live_ = 0;
};

// What makes two neighbors' exports the same. The target's policy pointer is
// one member's compiled policy; the configuration it came from is compared.
struct ExportParams {
  ExportTarget target;
  config::PolicyActions policy;
  bool cats_send = true;
  wire::EncodeContext ectx;
  std::uint8_t families = 0;      // kFamilyBits
  bool export_selection = false;  // service prefixes: the CATS selection (export_selection.hpp)
  bool same(const ExportParams& o) const;
};

// One produced part of a group's export: the UPDATEs from one position to the
// next. Announcements are encoded once and shared; withdrawals depend on what
// each member has (its bits), so they are candidates, packed per distinct
// selection.
struct Chunk {
  struct Withdrawal {
    int family = 0;
    wire::Prefix prefix;
    std::uint32_t n = 0;          // entry number (the member's bit)
    rib::PeerId only = 0;         // nonzero: for this member alone (the path it sent us is best)
    bool clears = true;           // the member has nothing left of the prefix afterwards
    std::uint32_t ids_begin = 0;  // ADD-PATH: ids_[ids_begin, ids_end) as (id, source peer)
    std::uint32_t ids_end = 0;
  };
  struct Block {  // announcements sharing attributes
    session::SharedBytes bytes;
    std::size_t messages = 0;
    int family = 0;
    rib::PeerId except = 0;            // the member whose own path this is: it skips the block
    std::uint32_t begin = 0, end = 0;  // its entries: runs[begin, end)
  };
  ExportPosition from, to;
  bool completes_walk = false;        // End-of-RIB / EoRR after it
  std::uint8_t walked = 0;            // families of the walk it completes
  std::vector<rib::PeerId> eligible;  // members at `from` when produced: whose bits the candidates were filtered by
  std::vector<Withdrawal> withdrawals;
  std::vector<std::pair<std::uint32_t, rib::PeerId>> ids;
  std::vector<Block> blocks;
  // Entry numbers announced, as runs (first, count): a walk's are mostly consecutive.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  std::size_t octets = 0;  // announcements, encoded
  // Withdrawals packed for one selection of candidates (members in lockstep share it).
  mutable std::vector<std::pair<std::vector<bool>, std::vector<Outgoing::Buffer>>> packed;
  mutable std::size_t renders = 0;  // members that took it
};

// The engine's side of a group's export, for the group's calls.
struct ExportEnv {
  const EntryIndex& index;
  rib::AttrStore& store;
  std::function<ExportSource(rib::PeerId)> source_of;
  const rib::LocRib* rib = nullptr;
  const steer::CatsRib* cats = nullptr;  // the selection, for groups with export_selection
};

class UpdateGroup {
 public:
  // At most this much of announcements per produced part (and so per pull).
  static constexpr std::size_t kChunkOctets = std::size_t{256} * 1024;
  // Entries looked at per part, exported or not (bounds the RIB thread's work per pull).
  static constexpr std::size_t kChunkVisits = 1 << 17;
  // Parts kept for members in lockstep.
  static constexpr std::size_t kRing = 6;
  // A member further behind in the log than max(this, half the table) stops
  // holding it: it gets the withdrawals it missed and walks again (lag()).
  static constexpr std::uint64_t kLogFloor = 1 << 16;

  explicit UpdateGroup(ExportParams params);
  UpdateGroup(const UpdateGroup&) = delete;
  UpdateGroup& operator=(const UpdateGroup&) = delete;

  const ExportParams& params() const { return params_; }
  // The export policy of a member about to join: the group's own copy takes
  // its content (equal for every member by ExportParams::same, except a
  // prefix list whose entries a reload changed).
  void refresh_policy(const rib::Policy* p);
  const std::vector<AdjRibOut*>& members() const { return members_; }
  bool add_path(int family) const { return family == 0 ? params_.ectx.add_path.ipv4 : params_.ectx.add_path.ipv6; }

  // A new session: an empty Adj-RIB-Out that walks the whole table.
  void join(AdjRibOut& m, rib::PeerId peer);
  void leave(AdjRibOut& m);
  // Leaves, keeping what m has: the withdrawals it has not had yet become its
  // backlog (for a move to another group, UpdateGroups::regroup).
  void depart(AdjRibOut& m, const ExportEnv& env);
  // Walk the families again (route refresh, soft out): everything is re-sent.
  void rewalk(AdjRibOut& m, std::uint8_t families);

  // One round of Loc-RIB events (the index has seen them already).
  void begin_round();
  void on_event(const rib::RibEvent& ev, std::uint32_t n, bool freed, const ExportEnv& env);
  void end_round(const ExportEnv& env);
  // Every log item and walk position is stale (EntryIndex::rebuild): members walk again.
  void reset_all();

  bool has_work(const AdjRibOut& m, const EntryIndex& index) const;
  // m is at the end of its log and walk.
  bool caught_up(const AdjRibOut& m, const EntryIndex& index) const;
  // The next part for m: taken from the ring, or produced now.
  std::shared_ptr<const Chunk> next(AdjRibOut& m, const ExportEnv& env);
  // m's UPDATEs for part c (appended to `out`); m moves to c.to. Returns the
  // number of UPDATE messages.
  std::size_t render(const Chunk& c, AdjRibOut& m, Outgoing& out);
  // A member's backlog of withdrawals, up to kChunkOctets of them.
  std::size_t render_backlog(AdjRibOut& m, Outgoing& out);

  std::uint64_t head() const { return head_; }
  std::size_t log_items() const { return head_ - base_; }
  // Path ids in use (ADD-PATH groups); distinct exported sets in use.
  std::size_t sources() const { return sources_.size(); }
  std::size_t serials() const { return serial_of_.size(); }
  // Members that fell kLogFloor behind and walked again.
  std::uint64_t lags() const { return lags_; }

 private:
  // 20 octets per change to an entry some member has walked past.
  struct LogItem {
    std::uint32_t n = 0;        // entry number
    std::uint16_t gen = 0;      // its generation (EntryIndex::gen) when logged
    std::uint8_t freed = 0;     // the entry was freed: the prefix is at keys_[key]
    std::uint16_t removed = 0;  // ADD-PATH: ids withdrawn, at ids_[ids]
    std::uint16_t changed = 0;  // ADD-PATH: ids (re)announced, after them
    std::uint32_t key = 0;      // low 32 bits of the offset in keys_
    std::uint32_t ids = 0;      // low 32 bits of the offset in ids_
  };

  // Serials: 0 unknown (never computed since the last change), 1 nothing exported.
  static constexpr std::uint32_t kUnknown = 0;
  static constexpr std::uint32_t kNothing = 1;
  struct Serial {
    rib::AttrsRef attrs;  // held: the address cannot be reused while interned
    rib::PeerId except = 0;
    std::uint32_t uses = 0;
  };
  struct SerialKey {
    const rib::StoredAttrs* attrs;
    rib::PeerId except;
    bool operator==(const SerialKey&) const = default;
  };
  struct SerialHash {
    std::size_t operator()(const SerialKey& k) const {
      return std::hash<const void*>()(k.attrs) ^ (std::size_t{k.except} * 0x9e3779b97f4a7c15ull);
    }
  };
  struct Source {
    std::uint32_t id = 0;
    std::uint32_t refs = 0;  // entries advertising it
  };
  struct CacheSlot {
    rib::AttrsRef source;  // held: the pointer cannot be reused while cached
    rib::Neighbor kind = rib::Neighbor::kLocal;
    rib::RouterId router_id = 0;
    int family = 0;
    rib::AttrsRef out;  // nullptr: not advertised
  };
  // Without ADD-PATH: per entry number, its serial, in the narrowest width
  // (1, 2 or 4 octets) every serial so far fits in: a table's handful of
  // outgoing sets costs one octet per prefix.
  class Narrow {
   public:
    std::uint32_t get(std::uint32_t n) const;
    void set(std::uint32_t n, std::uint32_t v);
    std::size_t size() const { return size_; }

   private:
    std::vector<std::uint8_t> b8_;
    std::vector<std::uint16_t> b16_;
    std::vector<std::uint32_t> b32_;
    int width_ = 1;
    std::size_t size_ = 0;
  };
  // ADD-PATH: per entry number, its paths as (path id << 32 | serial) in id
  // order. One word per entry: up to four paths inline while ids stay below
  // 16 and serials below 2048, else a reference to an array from a pool per
  // power-of-two size.
  class Slots {
   public:
    void get(std::uint32_t n, std::vector<std::uint64_t>& out) const;
    bool empty(std::uint32_t n) const { return n >= word_.size() || word_[n] == 0; }
    void set(std::uint32_t n, std::span<const std::uint64_t> v);

   private:
    void release(std::uint64_t word);
    std::vector<std::uint64_t> word_;
    std::array<std::vector<std::uint64_t>, 14> pools_;
    std::array<std::vector<std::uint32_t>, 14> free_;
  };
  // One path of an entry as the group exports it.
  struct Exported {
    std::uint32_t id = 0;
    std::uint32_t serial = 0;
    const rib::AdjRoute* path = nullptr;
  };
  class Builder;

  // The exported attributes of one path towards the group (cached); nullptr if not advertised.
  rib::AttrsRef exported(const rib::AdjRoute& path, const wire::Prefix& prefix, int family, const ExportEnv& env);
  bool member(rib::PeerId p) const;
  std::uint32_t intern(const rib::AttrsRef& attrs, rib::PeerId except);  // a use of the serial
  void release(std::uint32_t serial);
  const Serial& serial(std::uint32_t s) const { return serials_[s]; }
  // The paths of e the group exports instead of the best (heaviest first),
  // when it exports the CATS selection and e is a service prefix.
  std::optional<std::vector<SelectedPath>> selection(const rib::RibEntry& e, const ExportEnv& env) const;
  // Without ADD-PATH: the serial of what the group exports of e now (a use of it).
  std::uint32_t best_serial(const rib::RibEntry& e, int family, const ExportEnv& env);
  void set_best(std::uint32_t n, std::uint32_t serial);
  std::uint32_t best(std::uint32_t n) const { return n < best_.size() ? best_.get(n) : kUnknown; }
  // ADD-PATH: brings entry n's paths up to date (e nullptr: freed); ids
  // withdrawn as (id, source peer) into `removed`, ids new or with other
  // attributes into `changed`, every path exported now into `current`.
  void sync_paths(std::uint32_t n, const rib::RibEntry* e, int family, const ExportEnv& env,
                  std::vector<std::pair<std::uint32_t, rib::PeerId>>& removed, std::vector<std::uint32_t>* changed,
                  std::vector<Exported>* current);
  std::uint32_t id_of(std::uint64_t source);
  void release_id(std::uint32_t id);

  std::shared_ptr<const Chunk> produce(const ExportPosition& from, const ExportEnv& env);
  void add_entry(Builder& b, const rib::RibEntry& e, std::uint32_t n, bool fresh_walk, const ExportEnv& env);
  void announce_id(Builder& b, const rib::RibEntry& e, std::uint32_t n, std::uint32_t id, const ExportEnv& env);
  const LogItem& item(std::uint64_t pos) const { return log_[pos - base_]; }
  wire::Prefix stored_prefix(std::uint64_t offset) const;
  std::uint64_t widen(std::uint32_t low, std::uint64_t base) const;
  void trim();
  void lag(AdjRibOut& m, const ExportEnv& env);
  void forget_rendered();

  ExportParams params_;
  // params_.target.policy points here, not at a member's policy: a member can
  // leave, change its policy or be freed while the group goes on.
  std::optional<rib::Policy> policy_;
  std::vector<AdjRibOut*> members_;
  // The log: items at positions [base_, head_).
  std::vector<LogItem> log_;
  std::uint64_t base_ = 0, head_ = 0;
  std::vector<std::uint8_t> keys_;  // freed prefixes: family, length, address octets
  std::uint64_t keys_base_ = 0;
  std::vector<std::pair<std::uint32_t, rib::PeerId>> ids_;  // removed ADD-PATH ids
  std::uint64_t ids_base_ = 0;
  // Per round: the furthest walk per family over members and kept parts, and
  // whether any of them may have something past its walk.
  std::array<std::uint64_t, 2> horizon_{};
  bool any_stale_ = false;
  std::vector<std::shared_ptr<const Chunk>> ring_;
  std::vector<CacheSlot> cache_;
  // What the group exports per entry.
  std::unordered_map<SerialKey, std::uint32_t, SerialHash> serial_of_;
  std::vector<Serial> serials_;
  std::vector<std::uint32_t> free_serials_;
  Narrow best_;                                        // without ADD-PATH: per entry number
  Slots slots_;                                        // ADD-PATH
  std::unordered_map<std::uint64_t, Source> sources_;  // (peer << 32 | path id) -> id
  std::vector<std::uint64_t> source_of_id_;            // id -> source
  std::set<std::uint32_t> free_ids_;
  std::uint32_t next_id_ = 1;
  std::uint64_t lags_ = 0;
  std::vector<std::pair<std::uint32_t, rib::PeerId>> scratch_removed_;
  std::vector<std::uint32_t> scratch_changed_;
};

// Every group and the entry index, owned by the engine.
class UpdateGroups {
 public:
  // The group for these parameters, created when new (empty ones go first).
  UpdateGroup& group_for(ExportParams params);
  // A member whose export parameters changed (policy, next hop self, CATS):
  // it moves to the group of its new parameters and walks the table again
  // there, which withdraws what it has and may no longer have.
  void regroup(AdjRibOut& m, ExportParams params, const ExportEnv& env);
  // A round of Loc-RIB events: `numbers[i]` is the entry number events[i]
  // had before the decision (empty: only live entries can be in `events`).
  void dispatch(std::span<const rib::RibEvent> events, std::span<const std::uint32_t> numbers, const ExportEnv& env);
  EntryIndex& index() { return index_; }
  const EntryIndex& index() const { return index_; }
  const std::vector<std::unique_ptr<UpdateGroup>>& groups() const { return groups_; }

 private:
  EntryIndex index_;
  std::vector<std::unique_ptr<UpdateGroup>> groups_;
};

}  // namespace cats::rde
