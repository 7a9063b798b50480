// A platform project's first lines against the installed package: write a
// command and print its outcome's name, print the customer's statement,
// close the ledger, then replay it through the installed ledger/replay.h
// (proof that the audit headers need nothing that is not installed). Built
// both with CMake and with pkg-config (check_install.sh).
#include <iostream>
#include "ledger/ledger.h"
#include "ledger/replay.h"
#include "ledger/statement.h"
int main(int argc, char** argv) {
  auto db = ledger::Ledger::Open(ledger::Options(), argv[1]);
  if (!db.ok()) return 1;
  auto r = (*db)->SubmitJson(R"({"key":"k1","customer":"c1","at":"2026-03-08T10:00:00Z","purchase":{"purchase_id":"p1","credits":10,"amount_minor":100,"currency":"USD"}})");
  const bool accepted = r.ok() && r->outcome == ledger::Outcome::kAccepted;
  if (r.ok()) std::cout << "k1: " << ledger::OutcomeName(r->outcome) << "\n";
  auto s = ledger::BuildStatement(**db, "c1", {});
  if (s.ok()) std::cout << ledger::RenderStatement(*s, ledger::StatementFormat::kText);
  const bool closed = (*db)->Close().ok();
  std::cout << (accepted && s.ok() && closed ? "accepted" : "failed") << "\n";
  if (!accepted || !s.ok() || !closed) return 1;
  db->reset();
  auto replayed = ledger::ReplayLedger(argv[1]);
  std::cout << "replay " << (replayed.ok() && replayed->ok ? "ok" : "failed") << "\n";
  return replayed.ok() && replayed->ok ? 0 : 1;
}
