// Checks of the scoring model. Errors are data: each names where (profile and
// service, or damper), the field, and why, for the operator to read.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "yang/config/scoring.hpp"

namespace cats::config {

struct FieldError {
  std::string where;   // "profile 3", "profile 3, service \"chat\"", "damper"
  std::string field;   // "zero-point of queue"
  std::string reason;  // "must exceed full-point (full 16, zero 4)"

  std::string message() const;  // "profile 3: zero-point of queue must exceed full-point (...)"
  bool operator==(const FieldError&) const = default;
};

std::vector<FieldError> validate(const Profile& p);
// Each profile, and that no two share an id (the id is all a receiver sees).
std::vector<FieldError> validate(std::span<const Profile> profiles);
std::vector<FieldError> validate(const DamperConfig& c);

}  // namespace cats::config
