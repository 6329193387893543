package subject

import (
	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/keyring"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
)

// retainedSentinels are the registers' own refusals to erase; the consent
// log and the ledger (with a keyring) refuse with keyring.ErrRetained. The
// ledger's entries recorded before it had its keyring, which name the
// subject in clear (ledger.ErrInClear), are kept for good: the other
// registers still erase, and the subject is not reported erased.
var retainedSentinels = []error{claims.ErrRetained, requests.ErrRetained, breaches.ErrRetained, keyring.ErrRetained, ledger.ErrInClear}

var (
	_ Register = (*claims.Registry)(nil)
	_ Register = (*requests.Registry)(nil)
	_ Register = (*breaches.Register)(nil)
	_ Register = (*consent.KeyedStore)(nil)
	_ Register = (*ledger.Ledger)(nil)
)
