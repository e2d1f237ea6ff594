#include "pg/http/http_auth.h"

#include <cstring>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <strings.h>

#include "core/common/base64.h"
#include "core/common/utf8.h"
#include "pg/border/border.h"
#include "pg/http/http_guc.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "port.h"
#include "libpq/crypt.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/syscache.h"
}

namespace observe::pg {

namespace {

[[noreturn]] void refuse(const char* why) {
  pg_guard([why] {
    ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION), errmsg("%s", why)));
  });
  throw std::logic_error("unreachable");
}

// A role that may open a session: LOGIN, and CONNECT on this database. The same failure text
// for every cause, as a password failure: the client learns nothing about roles.
Oid login_role(HeapTuple tuple) {
  return pg_guard([tuple] {
    if (!HeapTupleIsValid(tuple))
      ereport(ERROR, (errcode(ERRCODE_INVALID_PASSWORD), errmsg("HTTP authentication failed")));
    Form_pg_authid form = (Form_pg_authid)GETSTRUCT(tuple);
    Oid role = form->oid;
    bool can_login = form->rolcanlogin;
    ReleaseSysCache(tuple);
    if (!can_login || pg_database_aclcheck(MyDatabaseId, role, ACL_CONNECT) != ACLCHECK_OK)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PASSWORD), errmsg("HTTP authentication failed")));
    return role;
  });
}

Oid login_role(const char* user) {
  return login_role(pg_guard([user] { return SearchSysCache1(AUTHNAME, PointerGetDatum(user)); }));
}

Oid login_role(Oid role) {
  return login_role(pg_guard([role] { return SearchSysCache1(AUTHOID, ObjectIdGetDatum(role)); }));
}

// SHA-256 of the parts, one after another; empty when the hash cannot be computed.
std::string sha256(std::initializer_list<std::string_view> parts) {
  std::string out;
  pg_guard([&] {
    uint8 digest[PG_SHA256_DIGEST_LENGTH];
    pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA256);
    bool ok = ctx != nullptr && pg_cryptohash_init(ctx) == 0;
    for (std::string_view p : parts)
      ok = ok && pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(p.data()), p.size()) == 0;
    ok = ok && pg_cryptohash_final(ctx, digest, sizeof digest) == 0;
    if (ctx != nullptr) pg_cryptohash_free(ctx);
    if (ok) out.assign(reinterpret_cast<const char*>(digest), sizeof digest);
  });
  return out;
}

// Verified passwords, so that a client's every request does not pay SCRAM's 4,096 HMAC rounds
// (milliseconds): user -> (the stored secret it was verified against, SHA-256 of a per-process
// random salt and the password). A hit needs the same password and an unchanged secret (ALTER
// ROLE ... PASSWORD, or an expired VALID UNTIL, which makes get_role_password return NULL,
// invalidate it at once). Bounded; only in this worker's memory.
struct Verified {
  std::string secret;
  std::string digest;
};
std::map<std::string, Verified> verified_cache;
constexpr size_t kMaxCached = 256;

std::string salted_digest(const std::string& password) {
  static unsigned char salt[16];
  static bool have_salt = false;
  if (!have_salt) {
    if (!pg_strong_random(salt, sizeof salt)) return std::string();
    have_salt = true;
  }
  return sha256({std::string_view(reinterpret_cast<const char*>(salt), sizeof salt), password});
}

Oid basic_auth(const std::string& credentials) {
  std::string decoded;
  if (!observe::base64_decode(credentials, false, &decoded)) refuse("malformed basic authorization");
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) refuse("malformed basic authorization");
  std::string user = decoded.substr(0, colon);
  std::string password = decoded.substr(colon + 1);
  if (user.empty() || password.empty() || user.find('\0') != std::string::npos ||
      password.find('\0') != std::string::npos)
    refuse("HTTP authentication failed");
  const char* u = user.c_str();
  const char* p = password.c_str();
  std::string secret;
  bool have_secret = pg_guard([u, &secret] {
    const char* detail = nullptr;
    char* shadow = get_role_password(u, &detail);  // NULL: no role, no password, or expired
    if (shadow == nullptr) return false;
    secret = shadow;
    pfree(shadow);
    return true;
  });
  bool ok = false;
  std::string digest = have_secret ? salted_digest(password) : std::string();
  if (have_secret) {
    auto hit = verified_cache.find(user);
    ok = !digest.empty() && hit != verified_cache.end() && hit->second.secret == secret && hit->second.digest == digest;
    if (!ok) {
      const char* s = secret.c_str();
      ok = pg_guard([u, s, p] {
        const char* detail = nullptr;
        return plain_crypt_verify(u, s, p, &detail) == STATUS_OK;
      });
      if (ok && !digest.empty()) {
        if (verified_cache.size() >= kMaxCached) verified_cache.clear();
        verified_cache[user] = Verified{secret, digest};
      }
    }
  }
  if (!ok) {
    std::string shown = observe::quote_for_message(user, 128);  // any bytes: escaped, one line
    const char* who = shown.c_str();
    pg_guard([who] {
      ereport(LOG, (errmsg("pg_observe HTTP: password authentication failed for user %s", who)));
      ereport(ERROR, (errcode(ERRCODE_INVALID_PASSWORD), errmsg("HTTP authentication failed")));
    });
  }
  return login_role(u);
}

// A bearer token (observe.http_tokens, extension/0.4.0/45_http_tokens.sql): its SHA-256 looked
// up, unexpired, by this worker's superuser past the table's row-level security; then the
// token's role must log in as a password's would. Not cached: deleting the row revokes at once.
Oid bearer_auth(const std::string& token) {
  std::string digest = token.size() <= 1024 && token.find('\0') == std::string::npos ? sha256({token}) : "";
  if (digest.empty()) refuse("HTTP authentication failed");
  Oid role = pg_guard([&digest] {
    bytea* value = static_cast<bytea*>(palloc(VARHDRSZ + digest.size()));
    SET_VARSIZE(value, VARHDRSZ + digest.size());
    memcpy(VARDATA(value), digest.data(), digest.size());
    Oid types[1] = {BYTEAOID};
    Datum args[1] = {PointerGetDatum(value)};
    int rc = SPI_execute_with_args(
        "SELECT role::oid FROM observe.http_tokens WHERE token_sha256 = $1 "
        "AND (expires_at IS NULL OR expires_at > pg_catalog.now())",
        1, types, args, nullptr, true, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "could not read observe.http_tokens: %s", SPI_result_code_string(rc));
    bool isnull = true;
    Datum d = SPI_processed == 1 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : 0;
    return isnull ? InvalidOid : DatumGetObjectId(d);
  });
  if (!OidIsValid(role)) {
    pg_guard([] {
      ereport(LOG, (errmsg("pg_observe HTTP: bearer token authentication failed (unknown or expired token)")));
      ereport(ERROR, (errcode(ERRCODE_INVALID_PASSWORD), errmsg("HTTP authentication failed")));
    });
  }
  return login_role(role);
}

}  // namespace

Oid http_authenticate(const HttpRequest& req) {
  const std::string& a = req.authorization;
  if (a.size() > 6 && strncasecmp(a.c_str(), "Basic ", 6) == 0) return basic_auth(a.substr(6));
  if (a.size() > 7 && strncasecmp(a.c_str(), "Bearer ", 7) == 0) return bearer_auth(a.substr(7));
  if (!a.empty()) refuse("unsupported authorization scheme: use Basic or Bearer");
  const char* anonymous = guc_http_anonymous_role;
  if (anonymous == nullptr || anonymous[0] == '\0') refuse("authentication required");
  return pg_guard([anonymous] { return get_role_oid(anonymous, false); });
}

}  // namespace observe::pg
