// Who an HTTP request is, as a PostgreSQL role: basic auth checked with PostgreSQL's own
// password verification (the role's SCRAM or md5 secret in pg_authid, its VALID UNTIL), a role
// that may log in and connect to the database; or a bearer token of observe.http_tokens acting
// as such a role; without credentials the role named by observe.http_anonymous_role, if any.
// Call inside a transaction with SPI connected.
#pragma once

#include "pg/border/pg_headers.h"
#include "pg/http/http_request.h"

namespace observe::pg {

// The role's OID; a failure is a PostgreSQL error of class 28 (the API answers 401).
Oid http_authenticate(const HttpRequest& req);

}  // namespace observe::pg
