package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/disclosure"
	"github.com/yasam/privacy/disclosure/ledger"
	"github.com/yasam/privacy/policy"
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/storeurl"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
)

const subjectID = "subject-7f3a9c-secret"

var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func ctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func() time.Time { return t0 })
	assert.NotContains(t, out.String(), subjectID, "output never names a subject")
	assert.NotContains(t, errOut.String(), subjectID)
	return code, out.String(), errOut.String()
}

// ledgerWith records n disclosures in a new SQLite ledger and returns its
// URL.
func ledgerWith(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
	store := consent.NewMemoryStore()
	require.NoError(t, store.Append(ctx, consent.AcceptPolicy(subjectID, policy.DefaultVersion.ID, t0)))
	engine, err := policy.New(policy.WithConsentStore(store),
		policy.WithRecipients(disclosure.Recipient{ID: "kgd", Kind: disclosure.StateBody}))
	require.NoError(t, err)
	d, err := engine.Check(ctx, subjectID, purpose.Payments, "kgd", policy.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)
	require.True(t, d.Allowed)
	ls, err := storeurl.OpenLedger(ctx, url)
	require.NoError(t, err)
	defer ls.Close()
	l := ledger.New(ls, ledger.WithClock(func() time.Time { return t0 }), ledger.WithResolver(engine))
	for range n {
		_, err := l.Record(ctx, subjectID, d, ledger.WithCategories(purpose.PaymentDetails))
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
	require.NoError(t, s.Append(ctx, consent.AcceptPolicy(subjectID, policy.DefaultVersion.ID, t0)))
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
			args := append([]string{"explain", "-store", url, "-recipients", recipients, "-user", subjectID, "-purpose", "payments", "-lang", "en"}, tt.args...)
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
	store, err := storeurl.OpenClaims(ctx, "sqlite://"+path)
	require.NoError(t, err)
	reg := claims.New(store)
	late, err := reg.File(ctx, subjectID, t0.AddDate(0, 0, -45))
	require.NoError(t, err)
	_, err = reg.File(ctx, subjectID, t0.AddDate(0, 0, -3)) // not due yet
	require.NoError(t, err)
	answered, err := reg.File(ctx, subjectID, t0.AddDate(0, 0, -60))
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
		{"missing requests file", []string{"overdue", "-requests", "/nonexistent/requests.db"}, "no such file"},
		{"no register", []string{"overdue"}, "one of -claims, -requests or -breaches is required"},
		{"report without user", []string{"report", "-store", "memory:"}, "-user is required"},
		{"report bad format", []string{"report", "-user", subjectID, "-format", "xml"}, "neither json nor html"},
		{"report bad lang", []string{"report", "-user", subjectID, "-lang", "de"}, "not ru, kk or en"},
		{"report missing requests file", []string{"report", "-user", subjectID, "-requests", "/nonexistent/requests.db"}, "no such file"},
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

// registers is a service's records on temporary SQLite files: the
// subject accepted the policy and consented, a real engine decision made
// for the subject let their data go to halyk and the disclosure is in the
// ledger, and the subject filed a claim and a request and was hit by a
// breach.
type registers struct {
	store, ledger, claims, requests, breaches string

	claimID, requestID, incidentID string
}

func newRegisters(t *testing.T) registers {
	t.Helper()
	dir := t.TempDir()
	return newRegistersAt(t, dir, filepath.Join(dir, "claims.db"), filepath.Join(dir, "requests.db"), filepath.Join(dir, "breaches.db"))
}

// newRegistersAt is newRegisters with the consent store and the ledger in
// dir and the registers where their flags (a file name or a store URL)
// say; a PostgreSQL register is migrated first.
func newRegistersAt(t *testing.T, dir, claimsFlag, requestsFlag, breachesFlag string) registers {
	t.Helper()
	ctx := context.Background()
	r := registers{
		store:    "sqlite://" + filepath.Join(dir, "consent.db"),
		ledger:   "sqlite://" + filepath.Join(dir, "ledger.db"),
		claims:   claimsFlag,
		requests: requestsFlag,
		breaches: breachesFlag,
	}
	open := func(flag string) string {
		u, err := registerURL(flag)
		require.NoError(t, err)
		return u
	}
	cs, err := storeurl.OpenConsent(ctx, r.store)
	require.NoError(t, err)
	defer cs.Close()
	require.NoError(t, cs.Append(ctx, consent.AcceptPolicy(subjectID, policy.DefaultVersion.ID, t0.AddDate(0, 0, -40))))
	require.NoError(t, cs.Append(ctx, consent.Grant(subjectID, purpose.Payments, "halyk", t0.AddDate(0, 0, -40))))
	engine, err := policy.New(policy.WithConsentStore(cs),
		policy.WithRecipients(disclosure.Recipient{ID: "halyk", Kind: disclosure.ThirdParty}))
	require.NoError(t, err)
	d, err := engine.Check(ctx, subjectID, purpose.Payments, "halyk", policy.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)
	require.True(t, d.Allowed, d.Explain("en"))
	ls, err := storeurl.OpenLedger(ctx, r.ledger)
	require.NoError(t, err)
	defer ls.Close()
	l := ledger.New(ls, ledger.WithClock(func() time.Time { return t0.AddDate(0, 0, -39) }), ledger.WithResolver(engine))
	_, err = l.Record(ctx, subjectID, d, ledger.WithCategories(purpose.PaymentDetails))
	require.NoError(t, err)

	cls, err := storeurl.OpenClaims(ctx, open(r.claims), storeurl.WithMigrate())
	require.NoError(t, err)
	defer cls.Close()
	c, err := claims.New(cls).File(ctx, subjectID, t0.AddDate(0, 0, -20))
	require.NoError(t, err)
	r.claimID = c.ID

	rqs, err := storeurl.OpenRequests(ctx, open(r.requests), storeurl.WithMigrate())
	require.NoError(t, err)
	defer rqs.Close()
	rq, err := requests.New(rqs).File(ctx, subjectID, requests.KindAccess, t0.AddDate(0, 0, -20))
	require.NoError(t, err)
	r.requestID = rq.ID

	bs, err := storeurl.OpenBreaches(ctx, open(r.breaches), storeurl.WithMigrate())
	require.NoError(t, err)
	defer bs.Close()
	inc, err := breaches.New(bs).Record(ctx, t0.AddDate(0, 0, -10), []string{subjectID, "someone-else"})
	require.NoError(t, err)
	r.incidentID = inc.ID
	return r
}

func TestReport(t *testing.T) {
	t.Parallel()
	r := newRegisters(t)
	sources := []string{"-user", subjectID, "-store", r.store, "-ledger", r.ledger,
		"-claims", r.claims, "-requests", r.requests, "-breaches", r.breaches, "-operator", "Yasam LLP", "-bin", "123456789012"}

	t.Run("json to a file", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "report.json")
		code, stdout, errOut := ctl(t, append([]string{"report", "-out", out}, sources...)...)
		require.Equal(t, exitOK, code, errOut)
		assert.Empty(t, stdout, "the report goes only where asked")
		fi, err := os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		var rep struct {
			Subject     string
			Operator    struct{ Name, BIN string }
			Disclosures []map[string]any
			Claims      []map[string]any
			Requests    []map[string]any
			Breaches    []map[string]any
		}
		require.NoError(t, json.Unmarshal(b, &rep), string(b))
		assert.Equal(t, subjectID, rep.Subject)
		assert.Equal(t, "Yasam LLP", rep.Operator.Name)
		require.Len(t, rep.Disclosures, 1)
		assert.Contains(t, string(b), `"halyk"`)
		require.Len(t, rep.Claims, 1)
		assert.Contains(t, string(b), r.claimID)
		require.Len(t, rep.Requests, 1)
		assert.Contains(t, string(b), r.requestID)
		require.Len(t, rep.Breaches, 1)
	})

	for _, lang := range []string{"ru", "kk", "en"} {
		t.Run("html "+lang+" to stdout", func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"report", "-format", "html", "-lang", lang}, sources...),
				&out, &errOut, func() time.Time { return t0 })
			require.Equal(t, exitOK, code, errOut.String())
			assert.Contains(t, out.String(), "<html")
			assert.Contains(t, out.String(), `lang="`+lang+`"`)
			assert.Contains(t, out.String(), "halyk")
			assert.Contains(t, out.String(), subjectID)
			assert.Empty(t, errOut.String())
		})
	}

	t.Run("as of before the claim", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"report", "-as-of", t0.AddDate(0, 0, -30).Format(time.RFC3339)}, sources...),
			&out, &errOut, func() time.Time { return t0 })
		require.Equal(t, exitOK, code, errOut.String())
		assert.NotContains(t, out.String(), r.claimID)
		assert.Contains(t, out.String(), "halyk")
	})
}

func TestOverdueRequestsAndNotices(t *testing.T) {
	t.Parallel()
	r := newRegisters(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		notWant  []string
	}{
		{"request overdue at t0", []string{"-requests", r.requests}, exitFinding,
			[]string{"1 requests overdue", r.requestID, "access"}, nil},
		{"request not yet due", []string{"-requests", r.requests, "-now", t0.AddDate(0, 0, -19).Format(time.RFC3339)}, exitOK,
			[]string{"no request is overdue"}, []string{r.requestID}},
		{"notices overdue at t0", []string{"-breaches", r.breaches}, exitFinding,
			[]string{"breach notices overdue", r.incidentID}, nil},
		{"all three", []string{"-claims", r.claims, "-requests", r.requests, "-breaches", r.breaches}, exitFinding,
			[]string{"no claim is overdue", "1 requests overdue", "breach notices overdue"}, []string{r.claimID}},
		{"all three as sqlite URLs", []string{"-claims", "sqlite://" + r.claims, "-requests", "sqlite://" + r.requests, "-breaches", "sqlite://" + r.breaches}, exitFinding,
			[]string{"no claim is overdue", "1 requests overdue", "breach notices overdue"}, []string{r.claimID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := ctl(t, append([]string{"overdue"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, code, out+errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, out, w)
			}
		})
	}
}

// TestRegistersOnPostgres: report and overdue read the registers from
// PostgreSQL through a store URL as they do from SQLite files.
func TestRegistersOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("PRIVACY_PG_DSN")
	if dsn == "" {
		if os.Getenv("PRIVACY_PG_REQUIRED") == "1" {
			t.Fatal("PRIVACY_PG_REQUIRED=1 but PRIVACY_PG_DSN is not set")
		}
		t.Skip("set PRIVACY_PG_DSN=postgres://... to run the PostgreSQL test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "privacyctl_" + hex.EncodeToString(b[:])
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err, "PostgreSQL at PRIVACY_PG_DSN")
	defer func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") }()
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	url := dsn + sep + "search_path=" + schema
	r := newRegistersAt(t, t.TempDir(), url, url, url)

	code, out, errOut := ctl(t, "overdue", "-claims", url, "-requests", url, "-breaches", url)
	assert.Equal(t, exitFinding, code, out+errOut)
	for _, w := range []string{"no claim is overdue", "1 requests overdue", r.requestID, "breach notices overdue", r.incidentID} {
		assert.Contains(t, out, w)
	}
	assert.NotContains(t, errOut, "privacy:privacy", "errors never quote the URL")

	var rep, errBuf bytes.Buffer
	code = run(context.Background(), []string{"report", "-user", subjectID, "-store", r.store, "-ledger", r.ledger,
		"-claims", url, "-requests", url, "-breaches", url}, &rep, &errBuf, func() time.Time { return t0 })
	require.Equal(t, exitOK, code, errBuf.String())
	for _, w := range []string{r.claimID, r.requestID, r.incidentID} {
		assert.Contains(t, rep.String(), w)
	}
}
