// tests/loader/json.hpp: just enough JSON to read gort-exec --inspect --json
// (objects, arrays, strings, numbers as uint64/int64, true, false, null).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tjson {

struct value {
  enum kind { null, boolean, number, string, array, object } k = null;
  bool b = false;
  int64_t n = 0;
  std::string s;
  std::vector<value> a;
  std::map<std::string, value> o;
  const value& operator[](const std::string& key) const {
    auto it = o.find(key);
    if (k != object || it == o.end()) throw std::runtime_error("no key " + key);
    return it->second;
  }
  const value& operator[](size_t i) const { return a.at(i); }
  bool has(const std::string& key) const { return k == object && o.count(key) != 0; }
};

struct parser {
  const std::string& t;
  size_t i = 0;
  void ws() {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) i++;
  }
  char peek() {
    ws();
    if (i >= t.size()) throw std::runtime_error("unexpected end");
    return t[i];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected ") + c + " at " + std::to_string(i));
    i++;
  }
  std::string str() {
    expect('"');
    std::string r;
    while (i < t.size() && t[i] != '"') {
      if (t[i] == '\\') {
        i++;
        if (t[i] == 'u') {
          r += char(std::stoi(t.substr(i + 1, 4), nullptr, 16));
          i += 5;
          continue;
        }
        r += t[i] == 'n' ? '\n' : t[i];
        i++;
      } else {
        r += t[i++];
      }
    }
    i++;
    return r;
  }
  value parse() {
    value v;
    char c = peek();
    if (c == '{') {
      v.k = value::object;
      i++;
      if (peek() == '}') return i++, v;
      for (;;) {
        std::string key = str();
        expect(':');
        v.o[key] = parse();
        if (peek() == ',') {
          i++;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.k = value::array;
      i++;
      if (peek() == ']') return i++, v;
      for (;;) {
        v.a.push_back(parse());
        if (peek() == ',') {
          i++;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.k = value::string;
      v.s = str();
      return v;
    }
    if (t.compare(i, 4, "true") == 0) return i += 4, v.k = value::boolean, v.b = true, v;
    if (t.compare(i, 5, "false") == 0) return i += 5, v.k = value::boolean, v;
    if (t.compare(i, 4, "null") == 0) return i += 4, v;
    size_t end = i;
    while (end < t.size() && (t[end] == '-' || (t[end] >= '0' && t[end] <= '9'))) end++;
    if (end == i) throw std::runtime_error("bad value at " + std::to_string(i));
    v.k = value::number;
    v.n = int64_t(std::stoull(t.substr(t[i] == '-' ? i + 1 : i, end - i)));
    if (t[i] == '-') v.n = -v.n;
    i = end;
    return v;
  }
};

inline value parse(const std::string& text) {
  parser p{text};
  value v = p.parse();
  p.ws();
  if (p.i != text.size()) throw std::runtime_error("trailing text");
  return v;
}

}  // namespace tjson
