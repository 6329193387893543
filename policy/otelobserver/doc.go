// Package otelobserver records the policy engine's decisions as
// OpenTelemetry metrics and spans. It is the only package of the library
// that imports OpenTelemetry: package policy knows nothing of it and calls
// a small [policy.Observer] hook that this package implements.
//
//	obs, err := otelobserver.New() // the global meter and tracer providers
//	engine, err := policy.New(policy.WithObserver(obs), ...)
//
// Metrics (instrumentation scope "github.com/yasam/privacy/policy"):
//
//	privacy.decisions        counter   {outcome, purpose, recipient_kind}
//	privacy.decision.reasons counter   {outcome, code}: one per reason of a decision
//	privacy.check.duration   histogram seconds {outcome, cache_hit}
//	privacy.check.cache      counter   {hit}: hits over all is the cache hit ratio
//	privacy.store.errors     counter   consent store failures
//
// outcome is "allow", "deny" or "error" (a Check that failed, which also
// denies). Each Check becomes a span "privacy.Check", a child of the
// span in the Check's context, timed from the Check's start to its
// decision, with the decision's ID, purpose, recipient (withheld for an
// individual), outcome, reason codes and policy version as attributes. No
// attribute names the user: not even the pseudonym.
//
// An Observer is safe for concurrent use by multiple goroutines.
package otelobserver
