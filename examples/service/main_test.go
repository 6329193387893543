package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestService drives the service over real HTTP on each kind of store:
// a share is denied until the user accepts the policy and consents, and
// denied again once the consent is withdrawn.
func TestService(t *testing.T) {
	t.Parallel()
	// The host's OpenTelemetry setup: here an in-memory reader.
	reader := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	stores := map[string]func(t *testing.T) string{
		"memory": func(*testing.T) string { return "memory:" },
		"sqlite": func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "consent.db") },
		"postgres": func(t *testing.T) string {
			dsn := os.Getenv("PRIVACY_PG_DSN")
			if dsn == "" {
				if os.Getenv("PRIVACY_PG_REQUIRED") == "1" {
					t.Fatal("PRIVACY_PG_REQUIRED=1 but PRIVACY_PG_DSN is not set")
				}
				t.Skip("set PRIVACY_PG_DSN=postgres://... to run on PostgreSQL")
			}
			return pgSchema(t, dsn)
		},
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var decisions bytes.Buffer
			h, closeStore, err := newService(context.Background(), store(t), "recipients.json", testKey, slog.NewJSONHandler(&decisions, nil))
			require.NoError(t, err)
			t.Cleanup(func() { _ = closeStore() })
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)

			steps := []struct {
				method, path, body string
				want               int
				wantInBody         string
			}{
				{"GET", "/share/halyk", "", 403, `"clause":"2.1"`},
				{"PUT", "/privacy/consent/acceptance", `{"version": "2023-ru-1"}`, 200, `"current":true`},
				{"GET", "/share/halyk", "", 403, `"clause":"5.2"`},
				{"GET", "/share/kgd", "", 200, `"basis":["5.1"]`},
				{"PUT", "/privacy/consent/grants/payments/halyk", "", 200, `"active":true`},
				{"GET", "/share/halyk", "", 200, `"shared_with":"halyk"`},
				{"PUT", "/privacy/consent/grants/payments/not-registered", "", 400, `"unknown_recipient"`},
				{"GET", "/share/not-registered", "", 404, `"unknown_recipient"`},
				{"DELETE", "/privacy/consent/grants/payments/halyk", "", 200, `"active":false`},
				{"GET", "/share/halyk", "", 403, `"clause":"5.2"`},
				{"GET", "/privacy/consent/", "", 200, `"recipient":"halyk"`},
			}
			for _, s := range steps {
				var body io.Reader
				if s.body != "" {
					body = strings.NewReader(s.body)
				}
				req, err := http.NewRequest(s.method, srv.URL+s.path, body)
				require.NoError(t, err)
				req.Header.Set("X-User-ID", "user-1")
				if s.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := srv.Client().Do(req)
				require.NoError(t, err)
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				assert.Equal(t, s.want, resp.StatusCode, "%s %s: %s", s.method, s.path, b)
				assert.Contains(t, string(b), s.wantInBody, "%s %s", s.method, s.path)
				assert.NotContains(t, string(b), "user-1")
			}
			// Every denial of a share is in the decision log, with OPA's
			// fields and the user's pseudonym, never the user ID.
			log := decisions.String()
			assert.NotContains(t, log, "user-1")
			assert.Equal(t, 4, strings.Count(log, `"allowed":false`), log) // 2.1, 5.2, unknown recipient, 5.2
			assert.Contains(t, log, `"decision_id":"`)
			assert.Contains(t, log, `"path":"privacy/decision"`)
			assert.Contains(t, log, `"subject":"h1:`)
		})
	}
	t.Cleanup(func() {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		names := map[string]bool{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				names[m.Name] = true
			}
		}
		assert.True(t, names["privacy.decisions"], "OpenTelemetry metrics recorded")
		assert.True(t, names["privacy.check.duration"])
	})
}

// testKey is the pseudonym key; a real service reads it from its secrets.
var testKey = bytes.Repeat([]byte{0x5a}, 32)

func TestServiceConfigErrors(t *testing.T) {
	t.Parallel()
	discard := slog.NewJSONHandler(io.Discard, nil)
	_, _, err := newService(context.Background(), "memory:", "missing.json", testKey, discard)
	assert.ErrorContains(t, err, "missing.json")
	_, _, err = newService(context.Background(), "memory:", "recipients.json", nil, discard)
	assert.ErrorContains(t, err, "pseudonym key")
	_, _, err = newService(context.Background(), "mysql://u:secret@h/db", "recipients.json", testKey, discard)
	assert.ErrorContains(t, err, "unsupported")
	assert.NotContains(t, err.Error(), "secret")
}

// pgSchema makes a schema of its own for the test, dropped at its end, and
// returns a URL whose connections use it.
func pgSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(admin.Close)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "example_service_" + hex.EncodeToString(b[:])
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
