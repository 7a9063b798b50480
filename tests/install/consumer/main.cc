// A platform project's first lines against the installed package: submit a
// command, then print the customer's statement with the audit library.
#include <iostream>
#include "ledger/ledger.h"
#include "ledger/statement.h"
int main(int argc, char** argv) {
  auto db = ledger::Ledger::Open(ledger::Options(), argv[1]);
  if (!db.ok()) return 1;
  auto r = (*db)->SubmitJson(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
  std::cout << (r.ok() && r->outcome == ledger::Outcome::kAccepted ? "accepted" : "failed") << "\n";
  auto s = ledger::BuildStatement(**db, "c1", {});
  if (s.ok()) std::cout << ledger::RenderStatement(*s, ledger::StatementFormat::kText);
  return r.ok() && r->outcome == ledger::Outcome::kAccepted && s.ok() ? 0 : 1;
}
