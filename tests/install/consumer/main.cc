// A platform project's first ten lines against the installed package.
#include <iostream>
#include "ledger/ledger.h"
int main(int argc, char** argv) {
  auto db = ledger::Ledger::Open(ledger::Options(), argv[1]);
  if (!db.ok()) return 1;
  auto r = (*db)->SubmitJson(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
  const bool accepted = r.ok() && r->outcome == ledger::Outcome::kAccepted;
  const bool closed = (*db)->Close().ok();
  std::cout << (accepted && closed ? "accepted" : "failed") << "\n";
  return accepted && closed ? 0 : 1;
}
