#pragma once
// Small RAII and call helpers over libpq for store/postgres: a result that
// clears itself, and a parameterised command with text and binary values.

#include "store/record_store.hpp"

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

namespace parley::store::pg {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// One parameter: its bytes, and whether they are binary (bytea) or text.
struct Param {
  std::string value;
  bool binary = false;
};
inline Param text(std::string v) { return {std::move(v), false}; }
inline Param integer(std::int64_t v) { return {std::to_string(v), false}; }
inline Param bytes(std::string v) { return {std::move(v), true}; }

// The three parallel arrays libpq takes for parameters.
struct ParamArrays {
  explicit ParamArrays(const std::vector<Param>& params) {
    for (const auto& p : params) {
      values.push_back(p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

// Runs `sql` with `params`; results in binary form (bytea columns come back raw).
inline Result exec(PGconn* conn, const char* sql, const std::vector<Param>& params = {}) {
  const ParamArrays a(params);
  return Result(PQexecParams(conn, sql, a.count(), nullptr, a.values.data(), a.lengths.data(), a.formats.data(), 1));
}

// Several statements in one string (a migration), without parameters.
inline Result exec_script(PGconn* conn, const char* sql) { return Result(PQexec(conn, sql)); }

inline bool ok(const Result& r) {
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Throws StoreError with the server's message unless the command succeeded.
inline Result checked(PGconn* conn, Result r) {
  if (!ok(r)) {
    std::string reason = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw StoreError("postgres: " + reason);
  }
  return r;
}
inline Result checked(PGconn* conn, const char* sql, const std::vector<Param>& params = {}) {
  return checked(conn, exec(conn, sql, params));
}

inline std::string column(const Result& r, int row, int col) {
  return std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col)));
}

// A binary-format int4/int8 column.
inline std::int64_t column_int(const Result& r, int row, int col) {
  const auto raw = column(r, row, col);
  std::int64_t v = 0;
  for (unsigned char c : raw) v = (v << 8) | c;
  if (raw.size() == 4) v = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return v;
}

}  // namespace parley::store::pg
