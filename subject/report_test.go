package subject_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
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
	"github.com/yasam/privacy/purpose"
	"github.com/yasam/privacy/subject"
	"github.com/yasam/privacy/subject/breaches"
	"github.com/yasam/privacy/subject/claims"
	"github.com/yasam/privacy/subject/requests"
	"github.com/yasam/privacy/subject/workday"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var almaty = time.FixedZone("UTC+5", 5*60*60)

func at(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, almaty) }

// fakeLedger stands in for *ledger.Ledger: the report reads only Subject.
type fakeLedger struct {
	entries []ledger.Entry
	err     error
}

func (f fakeLedger) Subject(_ context.Context, s string, _ ...ledger.Head) ([]ledger.Entry, error) {
	var out []ledger.Entry
	for _, e := range f.entries {
		if e.Subject == s {
			out = append(out, e)
		}
	}
	return out, f.err
}

type world struct {
	consent  *consent.MemoryStore
	ledger   fakeLedger
	claims   *claims.Registry
	requests *requests.Registry
	breaches *breaches.Register
}

// fixture builds the registers of one subject's year with the operator,
// filled with the given strings where a host stores its own text.
func fixture(t *testing.T, recipient, evidence string) (world, string) {
	t.Helper()
	ctx := context.Background()
	const user = "user-42"
	cal, err := workday.Kazakhstan(workday.WithLocation(almaty))
	require.NoError(t, err)
	w := world{
		consent:  consent.NewMemoryStore(),
		claims:   claims.New(claims.NewMemoryStore(), claims.WithLocation(almaty)),
		requests: requests.New(requests.NewMemoryStore(), requests.WithCalendar(cal)),
		breaches: breaches.New(breaches.NewMemoryStore(), breaches.WithCalendar(cal)),
	}
	require.NoError(t, w.consent.Append(ctx,
		consent.AcceptPolicy(user, "2024-03-01", at(1, 10, 9), consent.WithChannel(consent.ChannelMobileApp), consent.WithEvidence(evidence)),
		consent.Grant(user, purpose.Payments, recipient, at(1, 10, 10), consent.WithChannel(consent.ChannelMobileApp),
			consent.WithTerm(at(12, 31, 23)), consent.WithFlags(consent.Flags{ThirdPartyTransfer: true})),
		consent.AcceptPolicy(user, "2025-02-01", at(2, 3, 9)),
		consent.Withdraw(user, purpose.Payments, recipient, at(4, 1, 12)),
	))
	w.ledger = fakeLedger{entries: []ledger.Entry{{
		Seq: 1, At: at(2, 14, 11).UTC(), Subject: user, Purpose: purpose.Payments, Recipient: recipient,
		RecipientKind: disclosure.ThirdParty, Categories: []purpose.Category{"identity", "payment"},
		Basis: []ledger.Basis{{Code: "consent_granted", Clause: "5.2"}}, PolicyVersion: "2025-02-01",
	}, {
		Seq: 2, At: at(5, 5, 11).UTC(), Subject: user, Purpose: purpose.Support, Recipient: "support-team",
		RecipientKind: disclosure.Employee, Categories: []purpose.Category{"contact"},
		Basis: []ledger.Basis{{Code: "confidentiality_on_record", Clause: "6.3"}}, PolicyVersion: "2025-02-01",
	}, {
		Seq: 3, At: at(5, 6, 11).UTC(), Subject: "someone-else", Purpose: purpose.Support, Recipient: "support-team",
		RecipientKind: disclosure.Employee, PolicyVersion: "2025-02-01",
	}}}
	c, err := w.claims.File(ctx, user, at(3, 3, 10), claims.WithTopic(claims.TopicDisclosure), claims.WithChannel(claims.ChannelEmail))
	require.NoError(t, err)
	require.NoError(t, w.claims.Answer(ctx, c.ID, at(4, 7, 10), "edo://out/1"))
	r, err := w.requests.File(ctx, user, requests.KindAccess, at(3, 20, 17), requests.WithChannel(requests.ChannelApp))
	require.NoError(t, err)
	require.NoError(t, w.requests.Answer(ctx, r.ID, at(3, 27, 12), "edo://out/2"))
	_, err = w.requests.File(ctx, user, requests.KindWithdrawal, at(4, 1, 12))
	require.NoError(t, err)
	i, err := w.breaches.Record(ctx, at(4, 15, 9), []string{user, "someone-else"})
	require.NoError(t, err)
	require.NoError(t, w.breaches.NotifySubjects(ctx, i.ID, at(4, 16, 9), "out://s"))
	return w, c.ID
}

func (w world) reporter(opts ...subject.ReporterOption) *subject.Reporter {
	return subject.NewReporter(append([]subject.ReporterOption{
		subject.WithOperator(subject.Operator{Name: "ТОО «Цифровые налоговые технологии»", BIN: "180340021871", PolicyURL: "https://example.kz/privacy"}),
		subject.WithConsent(w.consent), subject.WithDisclosures(w.ledger), subject.WithClaims(w.claims),
		subject.WithRequests(w.requests), subject.WithBreaches(w.breaches),
	}, opts...)...)
}

// stable replaces the random IDs, which differ on every run.
func stable(rep subject.Report) subject.Report {
	for k := range rep.Claims {
		rep.Claims[k].ID = "clm_" + strings.Repeat("X", 26)
	}
	for k := range rep.Requests {
		rep.Requests[k].ID = "req_" + strings.Repeat(string(rune('A'+k)), 26)
	}
	for k := range rep.Breaches {
		rep.Breaches[k].ID = "brc_" + strings.Repeat("Z", 26)
	}
	return rep
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got), "%s differs; run go test -update if the change is meant", name)
}

func TestReportGolden(t *testing.T) {
	t.Parallel()
	w, _ := fixture(t, "halyk", "egov://consent/771")
	rep, err := w.reporter().Build(context.Background(), "user-42", at(6, 1, 0))
	require.NoError(t, err)
	rep = stable(rep)

	assert.Equal(t, []string{"consent", "disclosures", "claims", "requests", "breaches"}, rep.Sources)
	require.Len(t, rep.VersionsAccepted, 2)
	assert.Equal(t, "2024-03-01", rep.VersionsAccepted[0].Version)
	assert.True(t, at(1, 10, 9).Equal(rep.VersionsAccepted[0].Accepted))
	assert.Equal(t, "2025-02-01", rep.VersionsAccepted[1].Version)
	assert.Len(t, rep.Consent, 4)
	assert.Len(t, rep.Disclosures, 2, "another subject's disclosure shown")
	require.Len(t, rep.Claims, 1)
	assert.Equal(t, "answered", rep.Claims[0].Status)
	require.Len(t, rep.Requests, 2)
	assert.True(t, time.Date(2025, 3, 28, 23, 59, 59, 999999999, almaty).Equal(rep.Requests[0].Due), "3 working days over Nauryz")
	require.Len(t, rep.Breaches, 1)

	js, err := json.MarshalIndent(rep, "", "  ")
	require.NoError(t, err)
	golden(t, "report.json", append(js, '\n'))
	assert.NotContains(t, string(js), "someone-else")
	assert.NotContains(t, string(js), "edo://out", "internal references in the report")

	var back subject.Report
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, rep.Subject, back.Subject)
	assert.Len(t, back.Disclosures, 2)

	for _, lang := range []subject.Lang{subject.Russian, subject.Kazakh, subject.English} {
		var buf bytes.Buffer
		require.NoError(t, rep.WriteHTML(&buf, lang, almaty))
		golden(t, "report."+string(lang)+".html", buf.Bytes())
	}
}

func TestReportEscapesHostileStrings(t *testing.T) {
	t.Parallel()
	const script = `<script>alert("x")</script>`
	const attr = `"><img src=x onerror=alert(1)>`
	w, _ := fixture(t, script, attr)
	rep, err := w.reporter(subject.WithOperator(subject.Operator{
		Name: "<b>Op</b>", BIN: attr, PolicyURL: "javascript:alert(1)",
	})).Build(context.Background(), "user-42", at(6, 1, 0))
	require.NoError(t, err)
	rep.Subject = `user-42</p><script>steal()</script>`
	for _, lang := range []subject.Lang{subject.Russian, subject.Kazakh, subject.English} {
		var buf bytes.Buffer
		require.NoError(t, rep.WriteHTML(&buf, lang, nil))
		page := buf.String()
		assert.NotContains(t, page, "<script>", lang)
		assert.NotContains(t, page, "<img", lang)
		assert.NotContains(t, page, "<b>Op", lang)
		assert.NotContains(t, page, `href="javascript:`, lang)
		assert.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", lang)
		assert.Contains(t, page, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", lang)
	}
	assert.ErrorIs(t, rep.WriteHTML(&bytes.Buffer{}, "fr", nil), subject.ErrInvalid)
}

func TestReportAsOf(t *testing.T) {
	t.Parallel()
	w, claimID := fixture(t, "halyk", "ev")
	rep, err := w.reporter().Build(context.Background(), "user-42", at(3, 25, 0))
	require.NoError(t, err)
	assert.Len(t, rep.Consent, 3, "the withdrawal of 1 April is later")
	assert.Len(t, rep.Disclosures, 1)
	require.Len(t, rep.Claims, 1)
	assert.Equal(t, "received", rep.Claims[0].Status, "answered on 7 April, after the moment")
	assert.True(t, rep.Claims[0].Answered.IsZero())
	require.Len(t, rep.Requests, 1)
	assert.Equal(t, "received", rep.Requests[0].Status)
	assert.Empty(t, rep.Breaches)

	ev, err := w.reporter().Evidence(context.Background(), claimID)
	require.NoError(t, err)
	assert.Equal(t, "answered", ev.Claim.Status, "the claim as it stands")
	assert.True(t, at(3, 3, 10).Equal(ev.Report.AsOf), "the report as of the receipt")
	assert.Len(t, ev.Report.Consent, 3)
	assert.Len(t, ev.Report.Disclosures, 1)
	assert.Len(t, ev.Report.Claims, 1)
	assert.Equal(t, "received", ev.Report.Claims[0].Status)
	_, err = w.reporter().Evidence(context.Background(), "clm_nope")
	assert.ErrorIs(t, err, subject.ErrSource)
	assert.ErrorIs(t, err, claims.ErrNotFound)
}

func TestReportFailsClosed(t *testing.T) {
	t.Parallel()
	w, _ := fixture(t, "halyk", "ev")
	boom := errors.New("disk on fire")
	w.ledger.err = boom
	_, err := w.reporter().Build(context.Background(), "user-42", at(6, 1, 0))
	require.ErrorIs(t, err, subject.ErrSource)
	assert.ErrorIs(t, err, boom)
	assert.NotContains(t, err.Error(), "user-42")

	tampered := &ledger.TamperError{Seq: 2, Reason: ledger.ReasonHash}
	w.ledger.err = tampered
	_, err = w.reporter().Build(context.Background(), "user-42", at(6, 1, 0))
	var te *ledger.TamperError
	assert.ErrorAs(t, err, &te)

	_, err = (&subject.Reporter{}).Build(context.Background(), "user-42", at(6, 1, 0))
	assert.ErrorIs(t, err, subject.ErrNotConfigured)
	var nilRep *subject.Reporter
	_, err = nilRep.Evidence(context.Background(), "clm_x")
	assert.ErrorIs(t, err, subject.ErrNotConfigured)
	_, err = subject.NewReporter().Build(context.Background(), "", at(6, 1, 0))
	assert.ErrorIs(t, err, subject.ErrInvalid)
	_, err = subject.NewReporter().Evidence(context.Background(), "clm_x")
	assert.ErrorIs(t, err, subject.ErrNotConfigured)

	rep, err := subject.NewReporter().Build(context.Background(), "user-42", at(6, 1, 0))
	require.NoError(t, err)
	assert.Empty(t, rep.Sources, "a source not given is not read")
}

// otherSubject answers with the events of someone else, as a broken or
// hostile store might.
type otherSubject struct{ *consent.MemoryStore }

func (o otherSubject) History(ctx context.Context, _ string) ([]consent.Event, error) {
	return o.MemoryStore.History(ctx, "user-42")
}

func TestReportRefusesAnotherSubjectsRecords(t *testing.T) {
	t.Parallel()
	w, _ := fixture(t, "halyk", "ev")
	_, err := w.reporter(subject.WithConsent(otherSubject{w.consent})).Build(context.Background(), "user-7", at(6, 1, 0))
	require.ErrorIs(t, err, subject.ErrSource)
	_, err = subject.NewReporter(subject.WithDisclosures(unfiltered{w.ledger.entries})).Build(context.Background(), "user-42", at(6, 1, 0))
	require.ErrorIs(t, err, subject.ErrSource, "a ledger that returned someone else's disclosure")
}

type unfiltered struct{ entries []ledger.Entry }

func (u unfiltered) Subject(context.Context, string, ...ledger.Head) ([]ledger.Entry, error) {
	return u.entries, nil
}

func TestReportPageUsesTheOperatorsCatalog(t *testing.T) {
	t.Parallel()
	js := strings.Replace(string(purpose.DefaultJSON()), "Processing payments", "Taking <money>", 1)
	cat, err := purpose.Parse([]byte(js))
	require.NoError(t, err)
	w, _ := fixture(t, "halyk", "ev")
	rep, err := w.reporter(subject.WithCatalog(cat)).Build(context.Background(), "user-42", at(6, 1, 0))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteHTML(&buf, subject.English, nil))
	assert.Contains(t, buf.String(), "Taking &lt;money&gt;")
	assert.NotContains(t, buf.String(), "Processing payments")
}
