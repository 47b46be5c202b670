// A small JSON reader and string writer for the monitor documents (no JSON library is among the
// project's dependencies). Numbers are doubles: byte counts stay exact below 2^53.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lsof::json {

struct Value {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;

  const Value* find(std::string_view key) const;  // nullptr if absent or not an object
  // Typed member access with a default for absent or mistyped members.
  std::string text(std::string_view key, std::string fallback = {}) const;
  double num(std::string_view key, double fallback = 0) const;
  bool flag(std::string_view key, bool fallback = false) const;
};

// Parses one document (surrounding white space allowed). On failure returns nullopt and sets
// error to a one-line reason with the byte offset.
std::optional<Value> parse(std::string_view text, std::string& error);

// Appends s as a JSON string literal (quotes, escapes for " \ and control characters).
void appendString(std::string& out, std::string_view s);

}  // namespace lsof::json
