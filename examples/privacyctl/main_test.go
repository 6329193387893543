package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/claims/sqliteclaims"
)

const subject = "subject-7f3a9c-secret"

var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func ctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func() time.Time { return t0 })
	assert.NotContains(t, out.String(), subject, "output never names a subject")
	assert.NotContains(t, errOut.String(), subject)
	return code, out.String(), errOut.String()
}

// ledgerWith records n disclosures in a new SQLite ledger and returns its
// URL.
func ledgerWith(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
	store := consent.NewMemoryStore()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy(subject, policy.DefaultVersion.ID, t0)))
	engine, err := policy.New(policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}))
	require.NoError(t, err)
	d, err := engine.Check(ctx, subject, purpose.Payments, "kgd", policy.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)
	require.True(t, d.Allowed)
	ls, err := storeurl.OpenLedger(ctx, url)
	require.NoError(t, err)
	defer ls.Close()
	l := ledger.New(ls, ledger.WithClock(func() time.Time { return t0 }), ledger.WithResolver(engine))
	for range n {
		_, err := l.Record(ctx, subject, d, ledger.WithCategories(purpose.PaymentDetails))
		require.NoError(t, err)
	}
	return url
}

func TestHeadAndVerify(t *testing.T) {
	t.Parallel()
	url := ledgerWith(t, 3)
	code, out, errOut := ctl(t, "head", "-ledger", url)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, `"seq":3`)

	dir := t.TempDir()
	anchors := filepath.Join(dir, "anchors.jsonl")
	require.NoError(t, os.WriteFile(anchors, []byte("# published 2026-01-05\n"+out), 0o600))
	code, out, errOut = ctl(t, "verify", "-ledger", url, "-anchors", anchors)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "ok: 3 entries, 1 anchors held")

	// An anchor the chain does not hold: a head published from another
	// history, or a chain cut short.
	forged := filepath.Join(dir, "forged.jsonl")
	require.NoError(t, os.WriteFile(forged, []byte(`{"seq":2,"hash":"`+strings.Repeat("ab", 32)+`"}`+"\n"), 0o600))
	code, out, _ = ctl(t, "verify", "-ledger", url, "-anchors", forged)
	assert.Equal(t, exitFinding, code)
	assert.Contains(t, out, "TAMPERED at entry 2")

	ahead := filepath.Join(dir, "ahead.jsonl")
	require.NoError(t, os.WriteFile(ahead, []byte(`{"seq":9,"hash":"`+strings.Repeat("cd", 32)+`"}`+"\n"), 0o600))
	code, out, _ = ctl(t, "verify", "-ledger", url, "-anchors", ahead)
	assert.Equal(t, exitFinding, code)
	assert.Contains(t, out, "TAMPERED at entry 4")

	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("seq=2\n"), 0o600))
	code, _, errOut = ctl(t, "verify", "-ledger", url, "-anchors", bad)
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut, "bad.jsonl:1")
}

func TestExplain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "consent.db")
	s, err := storeurl.OpenConsent(ctx, url)
	require.NoError(t, err)
	require.NoError(t, s.Append(ctx, consent.AcceptPolicy(subject, policy.DefaultVersion.ID, t0)))
	require.NoError(t, s.Close())
	recipients := filepath.Join(dir, "recipients.json")
	require.NoError(t, os.WriteFile(recipients, []byte(`{"recipients": [
		{"id": "halyk", "kind": "third_party"}, {"id": "kgd", "kind": "state_body"}]}`), 0o600))

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"allowed 5.1 with obligations", []string{"-recipient", "kgd", "-categories", "payment_details"}, exitOK,
			[]string{"allowed (payments → kgd, 2023-ru-1)", "exclude_commercial_secret", "record_disclosure", "legal basis"}},
		{"denied 5.2", []string{"-recipient", "halyk"}, exitFinding, []string{"denied", "[clause 5.2] consent_required"}},
		{"denied 5.1 commercial secret", []string{"-recipient", "kgd", "-categories", "commercial_secret"}, exitFinding, []string{"[clause 5.1] commercial_secret"}},
		{"unknown recipient", []string{"-recipient", "nobody"}, exitFinding, []string{"error: policy: unknown recipient"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"explain", "-store", url, "-recipients", recipients, "-user", subject, "-purpose", "payments", "-lang", "en"}, tt.args...)
			code, out, errOut := ctl(t, args...)
			assert.Equal(t, tt.wantCode, code, out+errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "claims.db")
	store, err := sqliteclaims.Open(ctx, path)
	require.NoError(t, err)
	reg := claims.New(store)
	late, err := reg.File(ctx, subject, t0.AddDate(0, 0, -45))
	require.NoError(t, err)
	_, err = reg.File(ctx, subject, t0.AddDate(0, 0, -3)) // not due yet
	require.NoError(t, err)
	answered, err := reg.File(ctx, subject, t0.AddDate(0, 0, -60))
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, answered.ID, t0.AddDate(0, 0, -40), "letter-1"))
	require.NoError(t, store.Close())

	code, out, errOut := ctl(t, "overdue", "-claims", path)
	require.Equal(t, exitFinding, code, errOut)
	assert.Contains(t, out, "1 claims overdue")
	assert.Contains(t, out, late.ID)
	assert.NotContains(t, out, answered.ID)

	code, out, _ = ctl(t, "overdue", "-claims", path, "-now", t0.AddDate(0, 0, -30).Format(time.RFC3339))
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "no claim is overdue")
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage: privacyctl"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"missing flag", []string{"verify"}, "-ledger is required"},
		{"missing user", []string{"explain", "-purpose", "payments"}, "-user is required"},
		{"help", []string{"explain", "-h"}, "-recipient"},
		{"missing claims file", []string{"overdue", "-claims", "/nonexistent/claims.db"}, "no such file"},
		{"bad ledger URL", []string{"head", "-ledger", "mysql://u:hunter2@h/db"}, "unsupported"},
		{"extra argument", []string{"head", "-ledger", "memory:", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := ctl(t, tt.args...)
			assert.Equal(t, exitError, code)
			assert.Contains(t, errOut, tt.want)
			assert.NotContains(t, errOut, "hunter2")
		})
	}
}
