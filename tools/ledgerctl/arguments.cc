// ledgerctl's argument parser (tools/ledgerctl/arguments.h).
#include "tools/ledgerctl/arguments.h"

#include <cstdio>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ledger::tools {

std::string Args::Get(std::string_view name, std::string_view fallback) const {
  auto it = options.find(name);
  return it == options.end() ? std::string(fallback) : it->second;
}

int UsageError(const CommandSpec& spec, std::string_view message) {
  const std::string name(spec.name);
  std::fprintf(stderr,
               "ledgerctl %s: %s\nRun `ledgerctl %s --help` for its usage.\n",
               name.c_str(), std::string(message).c_str(), name.c_str());
  return kExitUsage;
}

namespace {

// Reads --format into *format: `fallback` when not given, else one of
// `allowed`; on any other name reports bad usage and returns false with
// *exit_code set.
bool ParseFormatOption(const CommandSpec& spec, const Args& args,
                       const std::vector<Format>& allowed, Format fallback,
                       Format* format, int* exit_code) {
  if (!args.Has("format")) {
    *format = fallback;
    return true;
  }
  const std::string name = args.Get("format");
  std::string names;
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (FormatName(allowed[i]) == name) {
      *format = allowed[i];
      return true;
    }
    absl::StrAppend(&names, i == 0 ? "" : (i + 1 == allowed.size() ? " or " : ", "),
                    std::string(FormatName(allowed[i])));
  }
  *exit_code = UsageError(
      spec, absl::StrCat("--format must be ", names, ", not '", name, "'"));
  return false;
}

}  // namespace

bool ParseArgs(const CommandSpec& spec, std::span<char* const> args,
               Args* parsed, int* exit_code) {
  const auto listed = [](const std::vector<std::string_view>& names,
                          std::string_view name) {
    for (std::string_view n : names) {
      if (n == name) return true;
    }
    return false;
  };
  const auto known = [&](std::string_view name) {
    return listed(spec.options, name);
  };
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_done || arg == "-" || !arg.starts_with("-")) {
      parsed->positionals.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed->help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      *exit_code = UsageError(spec, absl::StrCat("unknown option '", std::string(arg), "'"));
      return false;
    }
    std::string_view name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
      has_value = true;
    }
    if (listed(spec.flags, name)) {
      if (has_value) {
        *exit_code = UsageError(
            spec, absl::StrCat("--", std::string(name), " takes no value"));
        return false;
      }
      parsed->options[std::string(name)] = "";
      continue;
    }
    if (!known(name)) {
      *exit_code = UsageError(spec, absl::StrCat("unknown option '--", std::string(name), "'"));
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        *exit_code = UsageError(spec, absl::StrCat("--", std::string(name), " needs a value"));
        return false;
      }
      value = args[++i];
    }
    parsed->options[std::string(name)] = std::move(value);
  }
  if (parsed->help) {
    std::fputs(std::string(spec.usage).c_str(), stdout);
    *exit_code = kExitOk;
    return false;
  }
  for (std::string_view name : spec.required) {
    if (!parsed->Has(name)) {
      *exit_code = UsageError(spec, absl::StrCat("--", std::string(name), " is required"));
      return false;
    }
  }
  if (parsed->positionals.size() > spec.max_positionals) {
    *exit_code = UsageError(
        spec, absl::StrCat("unexpected argument '",
                           parsed->positionals[spec.max_positionals], "'"));
    return false;
  }
  if (!spec.formats.empty() &&
      !ParseFormatOption(spec, *parsed, spec.formats, spec.formats.front(),
                         &parsed->format, exit_code)) {
    return false;
  }
  return true;
}

bool ParseIntOption(const CommandSpec& spec, const Args& args,
                    std::string_view name, int64_t fallback, int64_t min,
                    int64_t max, int64_t* value, int* exit_code) {
  if (!args.Has(name)) {
    *value = fallback;
    return true;
  }
  const std::string text = args.Get(name);
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(absl::string_view(text), &parsed) || parsed < min ||
      parsed > max) {
    *exit_code = UsageError(
        spec, absl::StrCat("--", std::string(name), " must be a whole number in ", min,
                           "..", max, ", not '", text, "'"));
    return false;
  }
  *value = parsed;
  return true;
}

bool ParseTimeOption(const CommandSpec& spec, const Args& args,
                     std::string_view name, std::optional<int64_t>* us,
                     int* exit_code) {
  if (!args.Has(name)) return true;
  absl::StatusOr<int64_t> t = ParseTimeArgument(args.Get(name));
  if (!t.ok()) {
    *exit_code = UsageError(spec, absl::StrCat("--", std::string(name), ": ",
                                               t.status().message()));
    return false;
  }
  *us = *t;
  return true;
}

bool ParsePeriodOptions(const CommandSpec& spec, const Args& args,
                        std::optional<int64_t>* from_us,
                        std::optional<int64_t>* to_us, int* exit_code) {
  if (!ParseTimeOption(spec, args, "from", from_us, exit_code) ||
      !ParseTimeOption(spec, args, "to", to_us, exit_code)) {
    return false;
  }
  if (*from_us && *to_us && **from_us > **to_us) {
    *exit_code = UsageError(spec, "--from is later than --to");
    return false;
  }
  return true;
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kText:
      return "text";
    case Format::kJson:
      return "json";
    case Format::kJsonl:
      return "jsonl";
    case Format::kCsv:
      return "csv";
  }
  return "text";
}

}  // namespace ledger::tools
