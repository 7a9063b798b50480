// A platform project's first lines against the installed package: write a
// command, then audit the ledger through the installed ledger/replay.h
// (proof that it needs no header that is not installed).
#include <iostream>
#include "ledger/ledger.h"
#include "ledger/replay.h"
int main(int argc, char** argv) {
  auto db = ledger::Ledger::Open(ledger::Options(), argv[1]);
  if (!db.ok()) return 1;
  auto r = (*db)->SubmitJson(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
  std::cout << (r.ok() && r->outcome == ledger::Outcome::kAccepted ? "accepted" : "failed") << "\n";
  if (!r.ok() || r->outcome != ledger::Outcome::kAccepted) return 1;
  db->reset();  // closes the ledger, so that replay reads what it wrote
  auto replayed = ledger::ReplayLedger(argv[1]);
  std::cout << "replay " << (replayed.ok() && replayed->ok ? "ok" : "failed") << "\n";
  return replayed.ok() && replayed->ok ? 0 : 1;
}
