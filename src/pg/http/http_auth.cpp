#include "pg/http/http_auth.h"

#include <string>
#include <strings.h>

#include "core/common/base64.h"
#include "pg/border/border.h"
#include "pg/http/http_guc.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_authid.h"
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
  bool ok = pg_guard([u, p] {
    const char* detail = nullptr;
    char* shadow = get_role_password(u, &detail);  // NULL: no role, no password, or expired
    if (shadow == nullptr) return false;
    bool verified = plain_crypt_verify(u, shadow, p, &detail) == STATUS_OK;
    pfree(shadow);
    return verified;
  });
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
