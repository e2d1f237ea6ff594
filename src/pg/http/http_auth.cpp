#include "pg/http/http_auth.h"

#include <map>
#include <string>
#include <strings.h>

#include "core/common/base64.h"
#include "pg/border/border.h"
#include "pg/http/http_guc.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
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
Oid login_role(const char* user) {
  return pg_guard([user] {
    HeapTuple tuple = SearchSysCache1(AUTHNAME, PointerGetDatum(user));
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
  std::string out;
  pg_guard([&] {
    uint8 digest[PG_SHA256_DIGEST_LENGTH];
    pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA256);
    bool ok = ctx != nullptr && pg_cryptohash_init(ctx) == 0 && pg_cryptohash_update(ctx, salt, sizeof salt) == 0 &&
              pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(password.data()), password.size()) == 0 &&
              pg_cryptohash_final(ctx, digest, sizeof digest) == 0;
    if (ctx != nullptr) pg_cryptohash_free(ctx);
    if (ok) out.assign(reinterpret_cast<const char*>(digest), sizeof digest);
  });
  return out;
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
    pg_guard([u] {
      ereport(LOG, (errmsg("pg_observe HTTP: password authentication failed for user \"%s\"", u)));
      ereport(ERROR, (errcode(ERRCODE_INVALID_PASSWORD), errmsg("HTTP authentication failed")));
    });
  }
  return login_role(u);
}

}  // namespace

Oid http_authenticate(const HttpRequest& req) {
  const std::string& a = req.authorization;
  if (a.size() > 6 && strncasecmp(a.c_str(), "Basic ", 6) == 0) return basic_auth(a.substr(6));
  if (!a.empty()) refuse("unsupported authorization scheme: use Basic");
  const char* anonymous = guc_http_anonymous_role;
  if (anonymous == nullptr || anonymous[0] == '\0') refuse("authentication required");
  return pg_guard([anonymous] { return get_role_oid(anonymous, false); });
}

}  // namespace observe::pg
