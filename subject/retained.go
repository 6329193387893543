package subject

import (
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
)

// retainedSentinels are the registers' own refusals to erase.
var retainedSentinels = []error{claims.ErrRetained, requests.ErrRetained, breaches.ErrRetained}

var (
	_ Register = (*claims.Registry)(nil)
	_ Register = (*requests.Registry)(nil)
	_ Register = (*breaches.Register)(nil)
)
