// The console's files as the build embedded them (embed_files.cmake writes
// the definitions). Only console_assets.cc reads this table; everything else
// asks FindConsoleAsset.
#ifndef CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_EMBEDDED_FILES_H_
#define CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_EMBEDDED_FILES_H_

#include <cstddef>

namespace ledger::console {

struct EmbeddedFile {
  const char* name;           // relative to tools/ledgerd/console/files/
  const unsigned char* data;  // `size` bytes, then a zero not counted
  size_t size;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

}  // namespace ledger::console

#endif  // CREDIT_LEDGER_TOOLS_LEDGERD_CONSOLE_EMBEDDED_FILES_H_
