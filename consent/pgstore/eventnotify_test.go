package pgstore

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/purpose"
)

// These tests need no database: they cover the sealed events that a
// transaction's notifications carry (see WithNotifyEvents).

func testSealer(t testing.TB) *sealer {
	t.Helper()
	return newSealer([]byte("the tables' notify key, 32 bytes"))
}

// testMark is a commit's mark: a sending Store's nonce and a sequence
// number.
const testMark = "/0123456789abcdef.7"

// mustSeal seals users for the commit marked mark.
func mustSeal(t testing.TB, s *sealer, mark string, users []userEvents) []string {
	t.Helper()
	out, err := s.seal(mark, users)
	require.NoError(t, err)
	return out
}

// fullEvent sets every field an event has, with instants that need
// every part of the encoding (before 1970, nanoseconds).
func fullEvent() consent.Event {
	e := consent.Grant("Пользователь-1", purpose.Payments, "bank \"quoted\"", time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC))
	e.PolicyVersion = "2024-06"
	e.Channel = consent.ChannelStateService
	e.Evidence = "egov request 17/Б"
	e.Until = time.Date(2262, 4, 11, 23, 47, 16, 854_775_807, time.UTC)
	e.Flags = consent.Flags{ThirdPartyTransfer: true, Publication: true}
	e.Operator = consent.Operator{Name: "ТОО «Ясам»", BIN: "123456789012"}
	e.Categories = []purpose.Category{"contact", "financial"}
	return e
}

// eventsEqual compares events as the store does (consent.Event.Equal:
// instants by Equal, not by location).
var eventsEqual = cmp.Comparer(func(a, b consent.Event) bool { return a.Equal(b) })

func TestSealedEventsRoundTrip(t *testing.T) {
	t.Parallel()
	s := testSealer(t)
	at := time.Date(2024, 6, 1, 9, 0, 0, 1, time.FixedZone("Almaty", 5*3600))
	tests := []struct {
		name   string
		events []consent.Event
	}{
		{"every field", []consent.Event{fullEvent()}},
		{"acceptance, no scope", []consent.Event{consent.AcceptPolicy("u-1", "v1", at)}},
		{"withdrawals", []consent.Event{consent.Withdraw("u-1", purpose.Feedback, "", at), consent.WithdrawAcceptance("u-1", at.Add(time.Second))}},
		{"users interleaved keep their order", []consent.Event{
			consent.Grant("u-1", purpose.Payments, "a", at), consent.Grant("u-2", purpose.Payments, "a", at),
			consent.Withdraw("u-1", purpose.Payments, "a", at.Add(time.Minute)), fullEvent(),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payloads := mustSeal(t, s, testMark, byUser(tt.events))
			require.Len(t, payloads, 1)
			assert.LessOrEqual(t, len(payloads[0]), maxPayload)
			users, err := s.open(payloads[0], testMark, nil)
			require.NoError(t, err)
			var got []consent.Event
			for _, u := range users {
				for _, e := range u.events {
					assert.Equal(t, u.subject, e.Subject)
				}
				got = append(got, u.events...)
			}
			var want []consent.Event
			for _, u := range byUser(tt.events) {
				want = append(want, u.events...)
			}
			if diff := cmp.Diff(want, got, eventsEqual); diff != "" {
				t.Errorf("events (-sealed +opened):\n%s", diff)
			}
		})
	}
}

// TestSealSplitsUnderTheLimit: many users go in as few notifications as
// fit under PostgreSQL's limit, each user whole in one of them, and a
// user whose events alone are too long in none (its tag tells of it).
func TestSealSplitsUnderTheLimit(t *testing.T) {
	t.Parallel()
	s := testSealer(t)
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	var events []consent.Event
	for i := range 300 {
		u := "user-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()
		events = append(events, consent.Grant(u, purpose.Payments, "bank", at), consent.Withdraw(u, purpose.Payments, "bank", at.Add(time.Hour)))
	}
	huge := consent.Grant("huge", purpose.Payments, "bank", at)
	huge.Evidence = strings.Repeat("e", maxPlain)
	events = append(events, huge)
	payloads := mustSeal(t, s, testMark, byUser(events))
	require.Greater(t, len(payloads), 1)
	seen := map[string]int{}
	for _, p := range payloads {
		require.LessOrEqual(t, len(p), maxPayload, "PostgreSQL refuses a payload of 8000 bytes or more")
		users, err := s.open(p, testMark, nil)
		require.NoError(t, err)
		for _, u := range users {
			seen[u.subject]++
			assert.Len(t, u.events, 2, "a user's events stay together")
		}
	}
	assert.Len(t, seen, 300)
	assert.Zero(t, seen["huge"], "a user too long for a notification is left to its tag")
	for u, n := range seen {
		assert.Equal(t, 1, n, u)
	}
	assert.Empty(t, mustSeal(t, s, testMark, nil))
	// Each payload of a commit has its own GCM nonce.
	nonces := map[string]bool{}
	for _, p := range payloads {
		raw, err := b64.DecodeString(p[len(eventsPrefix):])
		require.NoError(t, err)
		nonces[string(raw[:gcmNonce])] = true
	}
	assert.Len(t, nonces, len(payloads), "a GCM nonce repeated under one key")
}

func TestOpenRefusesWhatItDidNotSeal(t *testing.T) {
	t.Parallel()
	s := testSealer(t)
	good := mustSeal(t, s, testMark, byUser([]consent.Event{fullEvent()}))[0]
	raw, err := base64.RawURLEncoding.DecodeString(good[len(eventsPrefix):])
	require.NoError(t, err)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return eventsPrefix + base64.RawURLEncoding.EncodeToString(b)
	}
	other := newSealer([]byte("another key....................."))
	// sealedPlain seals plain as seal would, so that the decoder's
	// refusals are reached.
	sealedPlain := func(plain []byte) string {
		a, err := s.aead("0123456789abcdef")
		require.NoError(t, err)
		nonce := make([]byte, gcmNonce)
		return eventsPrefix + b64.EncodeToString(a.Seal(nonce, nonce, plain, []byte(eventsPrefix+testMark)))
	}
	canon := good[len(good)-1:]
	noncanon := map[string]string{"A": "B", "Q": "R", "g": "h", "w": "x"}[canon]
	dup := append([]byte{eventsFormat}, appendUser(nil, userEvents{subject: "u", events: []consent.Event{fullEvent()}})...)
	dup = append(dup, dup[1:]...)
	tests := map[string]string{
		"nonce changed":       flip(0),
		"ciphertext changed":  flip(gcmNonce + 3),
		"tag changed":         flip(len(raw) - 1),
		"truncated":           good[:len(good)-5],
		"not base64":          eventsPrefix + "!!!!" + good[6:],
		"empty":               eventsPrefix,
		"shorter than a tag":  eventsPrefix + base64.RawURLEncoding.EncodeToString(make([]byte, gcmNonce+gcmTag-1)),
		"another key":         mustSeal(t, other, testMark, byUser([]consent.Event{fullEvent()}))[0],
		"another store's key": mustSeal(t, s, "/fedcba9876543210.7", byUser([]consent.Event{fullEvent()}))[0],
		"another commit":      mustSeal(t, s, "/0123456789abcdef.8", byUser([]consent.Event{fullEvent()}))[0],
		"a subject twice":     sealedPlain(dup),
		"unknown format":      sealedPlain([]byte{2, 1, 'u', 0}),
		"no users":            sealedPlain([]byte{eventsFormat}),
		"user without events": sealedPlain([]byte{eventsFormat, 1, 'u', 0}),
		"count past the end":  sealedPlain([]byte{eventsFormat, 1, 'u', 200}),
		"string past the end": sealedPlain(append([]byte{eventsFormat, 1, 'u', 1, 50}, make([]byte, 14)...)),
	}
	if noncanon != "" {
		tests["base64 not in its one form"] = good[:len(good)-1] + noncanon
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			users, err := s.open(p, testMark, nil)
			assert.ErrorIs(t, err, errSealed)
			assert.Nil(t, users)
		})
	}
}

// FuzzDecodeEvents feeds arbitrary sealed text to the decoder: it never
// panics, and what it accepts encodes to text that decodes the same.
func FuzzDecodeEvents(f *testing.F) {
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, evs := range [][]consent.Event{
		{fullEvent()},
		{consent.AcceptPolicy("u", "v", at), consent.Grant("w", purpose.Payments, "", at)},
	} {
		plain := []byte{eventsFormat}
		for _, u := range byUser(evs) {
			plain = appendUser(plain, u)
		}
		f.Add(plain)
	}
	f.Add([]byte{eventsFormat, 1, 'u', 1})
	f.Add([]byte{eventsFormat, 1, 'u', 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, plain []byte) {
		var in interner
		users, err := decodeUsers(plain, &in)
		if err != nil {
			if users != nil {
				t.Fatal("refused with users")
			}
			return
		}
		again := []byte{eventsFormat}
		for _, u := range users {
			if u.subject == "" || len(u.events) == 0 {
				t.Fatal("accepted an empty user")
			}
			for _, e := range u.events {
				if e.Subject != u.subject {
					t.Fatal("event of another subject")
				}
			}
			again = appendUser(again, u)
		}
		users2, err := decodeUsers(again, nil)
		if err != nil {
			t.Fatalf("encoded again, refused: %v", err)
		}
		if diff := cmp.Diff(users, users2, eventsEqual, cmp.AllowUnexported(userEvents{})); diff != "" {
			t.Fatalf("decoded again differently:\n%s", diff)
		}
	})
}

// FuzzOpenEvents feeds arbitrary notification payloads to open: it never
// panics, and refuses everything it did not seal.
func FuzzOpenEvents(f *testing.F) {
	s := testSealer(f)
	f.Add(mustSeal(f, s, testMark, byUser([]consent.Event{fullEvent()}))[0])
	f.Add(eventsPrefix)
	f.Add(eventsPrefix + "AAAA")
	f.Fuzz(func(t *testing.T, payload string) {
		if !strings.HasPrefix(payload, eventsPrefix) {
			payload = eventsPrefix + payload
		}
		users, err := s.open(payload, testMark, nil)
		if err == nil && len(users) == 0 {
			t.Fatal("opened with no users")
		}
	})
}

func BenchmarkSealEvents(b *testing.B) {
	s := testSealer(b)
	at := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	var events []consent.Event
	for i := range 16 {
		events = append(events, consent.Grant("user-"+time.Duration(i).String(), purpose.Payments, "bank", at))
	}
	users := byUser(events)
	payload := mustSeal(b, s, testMark, users)[0]
	b.Run("seal16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.seal(testMark, users); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open16", func(b *testing.B) {
		var in interner
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.open(payload, testMark, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHeadMAC: a transaction's head names it as one of the store's only
// with the MAC of the notify key; the store's SQL computes the same MAC
// as the Go code (shown with a real server in
// TestForgedNotificationsAreIgnored).
func TestHeadMAC(t *testing.T) {
	t.Parallel()
	s := testSealer(t)
	const server = "1764500000000000.16385.16384"
	head := "o:4242" + testMark
	mac := s.headMAC(head, server)
	assert.Len(t, mac, macLen)
	got, ok, signed := s.checkHead(head+"/"+mac, server)
	assert.True(t, ok)
	assert.True(t, signed)
	assert.Equal(t, head, got)
	got, ok, _ = s.checkHead("o:4242/"+s.headMAC("o:4242", server), server)
	assert.True(t, ok, "a head without a mark (AppendTx)")
	assert.Equal(t, "o:4242", got)
	for _, p := range []string{head, "o:4242/0123456789abcdef.0123456789abcde", head + "/" + strings.ToUpper(mac)} {
		_, _, signed := s.checkHead(p, server)
		assert.False(t, signed, "%q counted as signed", p)
	}
	for name, p := range map[string]string{
		"no MAC":      head,
		"another xid": "o:4243" + testMark + "/" + mac,
		"another key": head + "/" + newSealer([]byte("another key.....................")).headMAC(head, server),
		// A failover, a restore, a restart, or a copy of the tables.
		"another server start": head + "/" + s.headMAC(head, "1764500000000001.16385.16384"),
		"another table":        head + "/" + s.headMAC(head, "1764500000000000.16385.16385"),
		"MAC cut short":        head + "/" + mac[:macLen-1],
		"MAC upper case":       head + "/" + strings.ToUpper(mac),
		"an earlier store":     "o:4242/0123456789abcdef.0123456789abcde",
		"another database":     head + "/" + s.headMAC(head, "1764500000000000.5.16384"),
	} {
		got, ok, _ := s.checkHead(p, server)
		assert.False(t, ok, name)
		assert.Equal(t, p, got, name+": a refused head is returned as it came")
	}
}

// byUser groups across batches, keeps first-appearance order of users and
// each user's order of events, and gives each user a slice of its own
// (appending to one does not write into the next).
func TestByUserAcrossBatches(t *testing.T) {
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	ev := func(user, id string) consent.Event {
		return consent.Grant(user, purpose.Payments, "bank", at, consent.WithID(id))
	}
	users := byUser(
		[]consent.Event{ev("a", "a1"), ev("b", "b1")},
		nil,
		[]consent.Event{ev("a", "a2"), ev("c", "c1")},
		[]consent.Event{ev("b", "b2")},
	)
	var got [][]string
	for _, u := range users {
		ids := []string{u.subject}
		for _, e := range u.events {
			ids = append(ids, e.ID)
		}
		got = append(got, ids)
	}
	want := [][]string{{"a", "a1", "a2"}, {"b", "b1", "b2"}, {"c", "c1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("byUser (-want +got):\n%s", diff)
	}
	_ = append(users[0].events, ev("a", "a3"))
	if users[1].events[0].ID != "b1" {
		t.Fatalf("appending to the first user's events wrote into the next: %q", users[1].events[0].ID)
	}
	if len(byUser()) != 0 {
		t.Fatal("byUser of nothing is not empty")
	}
}
