// A platform project's first ten lines against the installed package.
#include <iostream>
#include "ledger/ledger.h"
int main(int argc, char** argv) {
  auto db = ledger::Ledger::Open(ledger::Options(), argv[1]);
  if (!db.ok()) return 1;
  auto r = (*db)->SubmitJson(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
  std::cout << (r.ok() && r->outcome == ledger::Outcome::kAccepted ? "accepted" : "failed") << "\n";
  return r.ok() && r->outcome == ledger::Outcome::kAccepted ? 0 : 1;
}
