#include "tools/workload/command_builders.h"

namespace ledger::workload {
namespace {

v1::Command Header(const std::string& key, const std::string& customer,
                   const std::string& at) {
  v1::Command cmd;
  cmd.set_key(key);
  cmd.set_customer(customer);
  cmd.set_at(at);
  return cmd;
}

}  // namespace

v1::Command Purchase(const PurchaseArgs& args) {
  v1::Command cmd = Header(args.key, args.customer, args.at);
  v1::Purchase* p = cmd.mutable_purchase();
  p->set_purchase_id(args.purchase_id);
  p->set_credits(args.credits);
  p->set_amount_minor(args.amount_minor);
  p->set_currency(args.currency);
  if (!args.expires_at.empty()) p->set_expires_at(args.expires_at);
  return cmd;
}

v1::Command Use(const UseArgs& args) {
  v1::Command cmd = Header(args.key, args.customer, args.at);
  v1::Use* u = cmd.mutable_use();
  u->set_usage_id(args.usage_id);
  u->set_category(args.category);
  u->set_credits(args.credits);
  if (!args.provider.empty()) u->set_provider(args.provider);
  if (!args.campaign_id.empty()) u->set_campaign_id(args.campaign_id);
  return cmd;
}

}  // namespace ledger::workload
