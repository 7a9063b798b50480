// Kind checks of the commands that spend or reserve credits: use, hold,
// capture, release.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "ledger/base/check.h"
#include "ledger/rules/rules.h"
#include "ledger/time_util.h"
#include "projections/consumption_order.h"

namespace ledger::rules {
namespace {

std::optional<Decision> DuplicateUsage(const Context& ctx, const std::string& id) {
  const v1::UsageState* usage = ctx.customer.FindUsage(id);
  if (usage == nullptr) return std::nullopt;
  return Reject(v1::DUPLICATE_ID,
                absl::StrCat("usage id ", id, " is already used by ", Who(ctx),
                             " (", usage->credits(), " credits at ",
                             FormatTimeUs(usage->at_us()), ")"));
}

// Counts only the lots that apply to `category` (docs/contract.md section
// 11); CATEGORY_UNSPECIFIED is a hold without one: unscoped lots only.
std::optional<Decision> Insufficient(const Context& ctx, int64_t credits,
                                     v1::Category category) {
  int64_t available = AvailableFor(ctx.customer, ctx.at_us, category);
  if (available >= credits) return std::nullopt;
  return Reject(v1::INSUFFICIENT_CREDITS,
                absl::StrCat(Who(ctx), " has ", available, " credits available at ",
                             FormatTimeUs(ctx.at_us),
                             category == v1::CATEGORY_UNSPECIFIED
                                 ? " in lots that apply to every category"
                                 : absl::StrCat(" for ", v1::Category_Name(category)),
                             ", ", credits, " needed"));
}

// A validated category name (absent: CATEGORY_UNSPECIFIED).
v1::Category CategoryOf(const std::string& name) {
  v1::Category c = v1::CATEGORY_UNSPECIFIED;
  if (name.empty()) return c;
  bool known = v1::Category_Parse(name, &c);
  LEDGER_CHECK(known) << "category " << name << " passed validation but is no Category";
  return c;
}

// Names were checked by ValidateAndCanonicalize; absent provider stays
// UNSPECIFIED.
v1::UsageState NewUsage(const Context& ctx, const std::string& usage_id,
                        const std::string& category, int64_t credits,
                        const std::string& provider, const std::string& campaign_id,
                        const std::string& call_id) {
  v1::UsageState u;
  u.set_usage_id(usage_id);
  u.set_category(CategoryOf(category));
  u.set_credits(credits);
  u.set_at_us(ctx.at_us);
  v1::Provider p = v1::PROVIDER_UNSPECIFIED;
  if (!provider.empty()) v1::Provider_Parse(provider, &p);
  u.set_provider(p);
  u.set_campaign_id(campaign_id);
  u.set_call_id(call_id);
  return u;
}

void AddDraws(const std::vector<v1::Draw>& draws,
              google::protobuf::RepeatedPtrField<v1::Draw>* out) {
  for (const v1::Draw& d : draws) *out->Add() = d;
}

// UNKNOWN_HOLD, shared by capture and release.
std::optional<Decision> UnknownHold(const Context& ctx, const std::string& id,
                                    const v1::HoldState* hold) {
  if (hold != nullptr) return std::nullopt;
  return Reject(v1::UNKNOWN_HOLD, absl::StrCat(Who(ctx), " has no hold ", id));
}

std::optional<Decision> HoldNotPending(const Context& ctx, const v1::HoldState& hold) {
  if (hold.status() == v1::HOLD_PENDING) return std::nullopt;
  return Reject(v1::HOLD_NOT_PENDING,
                absl::StrCat("hold ", hold.hold_id(), " of ", Who(ctx), " is already ",
                             hold.status() == v1::HOLD_CAPTURED ? "captured" : "released"));
}

}  // namespace

Decision Use(const Context& ctx, Effects& effects) {
  const v1::Use& k = ctx.command.use();
  if (auto d = DuplicateUsage(ctx, k.usage_id())) return *d;
  const v1::Category category = CategoryOf(k.category());
  if (auto d = Insufficient(ctx, k.credits(), category)) return *d;
  v1::UsageRecorded& r = *effects.Add()->mutable_usage_recorded();
  *r.mutable_usage() = NewUsage(ctx, k.usage_id(), k.category(), k.credits(),
                                k.provider(), k.campaign_id(), k.call_id());
  AddDraws(PlanDraws(ctx.customer, ctx.at_us, k.credits(), category), r.mutable_draws());
  return Accept();
}

Decision Hold(const Context& ctx, Effects& effects) {
  const v1::Hold& k = ctx.command.hold();
  if (const v1::HoldState* old = ctx.customer.FindHold(k.hold_id())) {
    return Reject(v1::DUPLICATE_ID,
                  absl::StrCat("hold id ", k.hold_id(), " is already used by ", Who(ctx),
                               " (placed ", FormatTimeUs(old->placed_at_us()), ")"));
  }
  const v1::Category category = CategoryOf(k.category());
  if (auto d = Insufficient(ctx, k.credits(), category)) return *d;
  absl::StatusOr<int64_t> expires = ParseTimeUs(k.expires_at());
  LEDGER_CHECK(expires.ok()) << "hold " << k.hold_id()
                             << ": a validated expires_at does not parse: " << expires.status();
  v1::HoldState& h = *effects.Add()->mutable_hold_placed()->mutable_hold();
  h.set_hold_id(k.hold_id());
  h.set_credits(k.credits());
  h.set_placed_at_us(ctx.at_us);
  h.set_expires_at_us(*expires);
  AddDraws(PlanDraws(ctx.customer, ctx.at_us, k.credits(), category),
           h.mutable_portions());
  h.set_status(v1::HOLD_PENDING);
  h.set_category(category);
  return Accept();
}

Decision Capture(const Context& ctx, Effects& effects) {
  const v1::Capture& k = ctx.command.capture();
  const v1::HoldState* hold = ctx.customer.FindHold(k.hold_id());
  if (auto d = UnknownHold(ctx, k.hold_id(), hold)) return *d;
  if (auto d = DuplicateUsage(ctx, k.usage_id())) return *d;
  if (auto d = HoldNotPending(ctx, *hold)) return *d;
  if (hold->expires_at_us() <= ctx.at_us) {
    return Reject(v1::HOLD_EXPIRED,
                  absl::StrCat("hold ", k.hold_id(), " expired ",
                               FormatTimeUs(hold->expires_at_us()), ", capture at ",
                               FormatTimeUs(ctx.at_us)));
  }
  if (hold->category() != v1::CATEGORY_UNSPECIFIED &&
      hold->category() != CategoryOf(k.category())) {
    return Reject(v1::CATEGORY_MISMATCH,
                  absl::StrCat("hold ", k.hold_id(), " was placed for ",
                               v1::Category_Name(hold->category()), ": a capture of it "
                               "must name that category, got ", k.category()));
  }
  if (k.credits() > hold->credits()) {
    return Reject(v1::CAPTURE_EXCEEDS_HOLD,
                  absl::StrCat("capture of ", k.credits(), " credits exceeds hold ",
                               k.hold_id(), " of ", hold->credits()));
  }
  v1::HoldCaptured& c = *effects.Add()->mutable_hold_captured();
  c.set_hold_id(k.hold_id());
  *c.mutable_usage() = NewUsage(ctx, k.usage_id(), k.category(), k.credits(),
                                k.provider(), k.campaign_id(), k.call_id());
  c.mutable_usage()->set_hold_id(k.hold_id());
  // Spend the portions in the order the hold took them; the rest of each
  // goes back to its own lot.
  int64_t needed = k.credits();
  for (const v1::Draw& portion : hold->portions()) {
    int64_t spend = std::min(portion.credits(), needed);
    needed -= spend;
    if (spend > 0) {
      v1::Draw& spent = *c.add_spent();
      spent.set_lot_id(portion.lot_id());
      spent.set_credits(spend);
    }
    if (portion.credits() > spend) {
      v1::Draw& back = *c.add_returned();
      back.set_lot_id(portion.lot_id());
      back.set_credits(portion.credits() - spend);
    }
  }
  LEDGER_CHECK(needed == 0) << "capture of hold " << k.hold_id() << " left " << needed
                            << " credits not drawn from its portions";
  return Accept();
}

Decision Release(const Context& ctx, Effects& effects) {
  const v1::Release& k = ctx.command.release();
  const v1::HoldState* hold = ctx.customer.FindHold(k.hold_id());
  if (auto d = UnknownHold(ctx, k.hold_id(), hold)) return *d;
  if (auto d = HoldNotPending(ctx, *hold)) return *d;
  v1::HoldReleased& r = *effects.Add()->mutable_hold_released();
  r.set_hold_id(k.hold_id());
  r.set_cause(v1::RELEASE_REQUESTED);
  *r.mutable_returned() = hold->portions();
  return Accept();
}

}  // namespace ledger::rules
