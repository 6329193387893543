package consenthttp

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ContentTypeProblem is the media type of RFC 9457 problem details in JSON.
const ContentTypeProblem = "application/problem+json"

// ProblemType is the type URI of every problem the handler answers with;
// Code tells them apart.
const ProblemType = "https://pkg.go.dev/github.com/yasam/privacy/policy/consenthttp#Problem"

// Problem is the body of every error answer: RFC 9457 problem details
// with a stable code and, for a request value at fault, the name of the
// field (never its value).
//
// The codes: user_unidentified (401), invalid_request (400: a user ID out
// of bounds, a term already over), unknown_purpose and unknown_recipient
// (400: not in the engine's catalog or registry; nothing stored),
// invalid_body (400), version_not_in_force (409: PUT /acceptance names a
// version other than the one in force), unsupported_media_type (415),
// body_too_large (413), cross_origin (403: refused as a possible
// cross-site request), method_not_allowed (405), not_found (404),
// consent_unavailable (503: the store failed or the request ended),
// internal_error (500: a fault in the host's options or an error the store
// did not classify).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	// Code is stable and machine-readable.
	Code string `json:"code"`
	// Field names the request value at fault: "purpose", "recipient",
	// "version", "until", "user".
	Field string `json:"field,omitempty"`
}

var titles = map[string]string{
	"user_unidentified":      "The signed-in user is not identified",
	"invalid_request":        "The request is outside what the consent service accepts",
	"unknown_purpose":        "The purpose is not in the catalog of the policy in force",
	"unknown_recipient":      "The recipient is not registered",
	"invalid_body":           "The request body is not what this route takes",
	"version_not_in_force":   "Only the policy version in force can be accepted",
	"unsupported_media_type": "The request body must be application/json",
	"body_too_large":         "The request body is too large",
	"cross_origin":           "Cross-origin request refused",
	"method_not_allowed":     "Method not allowed",
	"not_found":              "Not found",
	"consent_unavailable":    "Consent records are unavailable; try again later",
	"internal_error":         "The consent service failed",
}

func writeProblem(w http.ResponseWriter, status int, code, field string) {
	body, _ := json.Marshal(Problem{Type: ProblemType, Title: titles[code], Status: status, Code: code, Field: field})
	h := w.Header()
	h.Set("Content-Type", ContentTypeProblem)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
