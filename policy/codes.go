package policy

// Code is the stable, machine-readable code of a [Reason] or an
// [Obligation]. The constants below are every code the embedded policy and
// the engine emit; a host's own Rego may add others (give their texts with
// [WithMessages]).
type Code string

// String returns the code itself.
func (c Code) String() string { return string(c) }

// Grounds of an allow: what the decision rests on, one code per basis, so
// that the disclosure ledger can record it (7.1).
const (
	CodeOperatorProcessing    Code = "operator_processing"    // 2.1: acceptance of the policy
	CodeSharedWithAffiliated  Code = "shared_with_affiliated" // 5.1
	CodeConsentGranted        Code = "consent_granted"        // 5.2: the user's grant
	CodeConfidentialityAgreed Code = "confidentiality_agreed" // 6.3
	CodeCrossBorderConsented  Code = "cross_border_consented" // 4.1; 94-V art. 16: the user's grant for a transfer abroad
	CodeLawBasis              Code = "law_basis"              // 4.1; 94-V art. 9 (unconf.): a basis the host named
)

// Reasons of a denial by the policy's rules.
const (
	CodeAcceptanceMissing          Code = "acceptance_missing"            // 2.1
	CodeAcceptanceWithdrawn        Code = "acceptance_withdrawn"          // 9.3
	CodeAcceptanceUnknown          Code = "acceptance_unknown"            // 2.1
	CodeExplicitConsentRequired    Code = "explicit_consent_required"     // 4.1
	CodeUnknownPurpose             Code = "unknown_purpose"               // 3
	CodeCategoryNotPermitted       Code = "category_not_permitted"        // 3.2
	CodeRetentionExpired           Code = "retention_expired"             // 4.2
	CodeCommercialSecret           Code = "commercial_secret"             // 5.1
	CodeConsentRequired            Code = "consent_required"              // 5.2
	CodeConfidentialityRequired    Code = "confidentiality_required"      // 6.3
	CodeUnknownRecipientKind       Code = "unknown_recipient_kind"        // 5
	CodeCrossBorderConsentRequired Code = "cross_border_consent_required" // 4.1; 94-V art. 16
	CodeNoRule                     Code = "no_rule"
)

// Reasons of a denial the engine gives before or instead of asking the
// rules; each comes with an error.
const (
	CodeUnknownRecipient   Code = "unknown_recipient"   // ErrUnknownRecipient
	CodeInvalidRequest     Code = "invalid_request"     // ErrInvalidRequest, ErrUnknownCategory
	CodeConsentUnavailable Code = "consent_unavailable" // ErrConsentUnavailable
	CodeRequestCancelled   Code = "request_cancelled"   // the context's error
	CodePolicyError        Code = "policy_error"        // ErrEvaluation, ErrInvalidConfig
	CodeNoVersionInForce   Code = "no_version_in_force" // 9.2, ErrInvalidConfig
)

// Reasons of a denial by the HTTP middleware (policy/httpguard), given
// before or instead of a Check; each comes with an error.
const (
	CodeUserUnidentified  Code = "user_unidentified"   // the request names no user
	CodeRecipientNotNamed Code = "recipient_not_named" // 5: the request names no recipient
	CodeCheckFailed       Code = "check_failed"        // the Checker panicked
)

// Obligations that come with an allow.
const (
	CodeShowCurrentVersion      Code = "show_current_version"      // 9.5
	CodeExcludeCommercialSecret Code = "exclude_commercial_secret" // 5.1
	CodeRecordDisclosure        Code = "record_disclosure"         // 7.1
	CodeCrossBorderTransfer     Code = "cross_border_transfer"     // 4.1; 94-V art. 16
	CodeDepersonalise           Code = "depersonalise"             // 4.1; 94-V art. 17 (unconf.)
)

// codes lists every constant above, for the test that keeps them and
// messages.json in step.
var codes = []Code{
	CodeOperatorProcessing, CodeSharedWithAffiliated, CodeConsentGranted, CodeConfidentialityAgreed,
	CodeCrossBorderConsented, CodeLawBasis,
	CodeAcceptanceMissing, CodeAcceptanceWithdrawn, CodeAcceptanceUnknown, CodeExplicitConsentRequired,
	CodeUnknownPurpose, CodeCategoryNotPermitted, CodeRetentionExpired, CodeCommercialSecret,
	CodeConsentRequired, CodeConfidentialityRequired, CodeUnknownRecipientKind,
	CodeCrossBorderConsentRequired, CodeNoRule,
	CodeUnknownRecipient, CodeInvalidRequest, CodeConsentUnavailable, CodeRequestCancelled,
	CodePolicyError, CodeNoVersionInForce,
	CodeUserUnidentified, CodeRecipientNotNamed, CodeCheckFailed,
	CodeShowCurrentVersion, CodeExcludeCommercialSecret, CodeRecordDisclosure, CodeCrossBorderTransfer,
	CodeDepersonalise,
}
