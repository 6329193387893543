// Package consenthttp is an http.Handler a host mounts to let the signed-in
// user accept the policy, grant and withdraw consent per purpose and
// recipient, and read their current consent, with JSON in and out. It
// records [consent.Event]s in the host's consent store, so the next
// policy check sees them.
//
// # Usage
//
//	capture := consenthttp.New(engine, store, consenthttp.Options{
//		User: func(r *http.Request) (string, error) { return session.UserID(r) },
//	})
//	mux.Handle("/privacy/consent/", http.StripPrefix("/privacy/consent", capture))
//
// The routes, relative to where it is mounted:
//
//	GET    /                                read the user's consent ([State])
//	GET    /purposes                        the catalog in force, for a consent screen
//	PUT    /acceptance                      accept the policy: {"version": "2023-ru-1"} (2.1, 9.2)
//	DELETE /acceptance                      withdraw acceptance (9.3)
//	PUT    /grants/{purpose}/{recipient}    grant consent (5.2); optional body
//	                                        {"until": RFC 3339 time, "flags": {"third_party_transfer": true, ...}}
//	DELETE /grants/{purpose}/{recipient}    withdraw it
//
// Every answer that succeeds is the user's [State] after the change, as
// JSON. A failure is an RFC 9457 [Problem] with a stable code, naming the
// field at fault, never its value.
//
// # Validation
//
// The user comes from Options.User (the host's session), never from the
// request body. A grant's purpose must be in the engine's catalog and its
// recipient registered with the engine (or policy.Operator): otherwise
// the answer is 400 unknown_purpose or unknown_recipient and nothing is
// stored. A withdrawal is never refused for its scope (a user may always
// take back what they gave, also from a recipient unregistered since),
// only for a purpose or recipient over [consent.MaxScopeLen]. Only the
// version in force can be accepted (409 version_not_in_force otherwise).
// Bodies are at most [MaxBodySize] bytes of application/json with no
// unknown members. Every event records the channel (Options.Channel: web
// for a browser, api otherwise, by default), the evidence reference
// (Options.Evidence: the X-Request-Id header by default) and the policy
// version in force.
//
// # CSRF
//
// A browser sends the user's cookies with a request another site makes it
// send, so a consent change must not be makeable from another site. The
// handler is safe for browser use in three layers:
//
//   - changes are made only with PUT and DELETE, which an HTML form cannot
//     send and which a script on another origin can send only after a
//     CORS preflight, which fails unless the host answers it (do not
//     enable CORS with credentials for these routes);
//   - every PUT and DELETE passes net/http's CrossOriginProtection, which
//     refuses (403 cross_origin) a request whose Sec-Fetch-Site header
//     says cross-site or whose Origin header names another host, so older
//     browsers without Sec-Fetch-Site are covered by Origin; origins the
//     host trusts go in Options.TrustedOrigins;
//   - a body must be application/json, a type a cross-site form cannot
//     produce.
//
// Requests without either header (non-browser clients) are allowed:
// they carry no ambient browser credentials, and their authentication is
// Options.User's concern.
//
// # Concurrency
//
// The handler is safe for concurrent use by multiple goroutines, provided
// the Engine, the Store and the Options' functions are.
package consenthttp
