#include "tools/ledgerctl/table_output.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/base/csv_field.h"
#include "ledger/base/json_writer.h"

namespace ledger::tools {
namespace {

std::string CellText(const Cell& cell) {
  if (const int64_t* n = std::get_if<int64_t>(&cell)) return absl::StrCat(*n);
  return std::get<std::string>(cell);
}

void WriteRow(JsonWriter& w, const Table& table, const std::vector<Cell>& row) {
  w.BeginObject();
  for (size_t i = 0; i < table.columns.size(); ++i) {
    w.Key(table.columns[i]);
    if (const int64_t* n = std::get_if<int64_t>(&row[i])) {
      w.Int(*n);
    } else {
      w.String(std::get<std::string>(row[i]));
    }
  }
  w.EndObject();
}

std::string RenderText(const Table& table, std::string_view empty_text) {
  if (table.rows.empty()) return std::string(empty_text) + "\n";
  std::vector<size_t> width(table.columns.size(), 0);
  auto shown = [](const Cell& cell) {
    std::string text = CellText(cell);
    return text.empty() ? std::string("-") : text;
  };
  for (size_t i = 0; i < table.columns.size(); ++i) {
    width[i] = table.columns[i].size();
    for (const auto& row : table.rows) width[i] = std::max(width[i], shown(row[i]).size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      // The last column is not padded: no trailing blanks.
      if (i + 1 < cells.size()) text += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    absl::StrAppend(&out, text, "\n");
  };
  line(table.columns);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const Cell& cell : row) cells.push_back(shown(cell));
    line(cells);
  }
  return out;
}

}  // namespace

std::string RenderTable(const Table& table, Format format, std::string_view name,
                        std::string_view empty_text) {
  switch (format) {
    case Format::kText:
      return RenderText(table, empty_text);
    case Format::kCsv: {
      std::string out;
      for (size_t i = 0; i < table.columns.size(); ++i) {
        absl::StrAppend(&out, i == 0 ? "" : ",", CsvField(table.columns[i]));
      }
      out += "\r\n";
      for (const auto& row : table.rows) {
        for (size_t i = 0; i < row.size(); ++i) {
          absl::StrAppend(&out, i == 0 ? "" : ",", CsvField(CellText(row[i])));
        }
        out += "\r\n";
      }
      return out;
    }
    case Format::kJsonl: {
      std::string out;
      for (const auto& row : table.rows) {
        JsonWriter w;
        WriteRow(w, table, row);
        absl::StrAppend(&out, w.str(), "\n");
      }
      return out;
    }
    case Format::kJson: {
      JsonWriter w;
      w.BeginObject();
      w.Key(name).BeginArray();
      for (const auto& row : table.rows) WriteRow(w, table, row);
      w.EndArray();
      w.EndObject();
      return w.str() + "\n";
    }
  }
  return std::string();
}

}  // namespace ledger::tools
