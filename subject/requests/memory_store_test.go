package requests_test

import (
	"testing"

	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/requests/requeststest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(*testing.T) requests.Store { return requests.NewMemoryStore() })
}

func TestZeroMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	requeststest.Run(t, func(*testing.T) requests.Store { return &requests.MemoryStore{} })
}
