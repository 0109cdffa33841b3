#include "metric-collector/score/sample.hpp"

namespace cats::score {

Sample to_sample(const SiteScore& site, bool drain) {
  Sample s;
  s.profile_id = site.profile_id;
  s.withdraw = site.verdict == Verdict::kWithdraw;
  s.drain = drain;
  s.l2 = site.l2.exact;
  for (Category c : kCategories) {
    if (site.l1[index(c)]) s.l1[index(c)] = site.l1[index(c)]->exact;
  }
  s.instances.reserve(site.instances.size());
  for (const InstanceScore& i : site.instances) {
    s.instances.push_back({i.instance, i.drained() || !i.l2, i.l2 ? i.l2->exact : 0.0});
  }
  return s;
}

}  // namespace cats::score
