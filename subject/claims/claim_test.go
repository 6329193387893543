package claims_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject/claims"
)

var plus5 = time.FixedZone("UTC+5", 5*60*60)

func TestLogValueHidesSubject(t *testing.T) {
	t.Parallel()
	reg := claims.New(claims.NewMemoryStore(), claims.WithLocation(plus5))
	ctx := context.Background()
	received := time.Date(2024, 6, 1, 10, 0, 0, 0, plus5)
	c, err := reg.File(ctx, "iin-901123300258", received, claims.WithTextRef("scans/ivanov-claim.pdf"))
	require.NoError(t, err)
	require.NoError(t, reg.Answer(ctx, c.ID, received.AddDate(0, 0, 40), "out/ivanov-answer.pdf"))
	c, err = reg.Get(ctx, c.ID)
	require.NoError(t, err)

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("claim", "claim", c)
	out := buf.String()
	assert.NotContains(t, out, "901123300258")
	assert.NotContains(t, out, "ivanov")
	var rec struct {
		Claim map[string]any `json:"claim"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	assert.Equal(t, c.ID, rec.Claim["id"])
	assert.Equal(t, "answered", rec.Claim["status"])
	assert.Equal(t, true, rec.Claim["late"])
	assert.Contains(t, rec.Claim, "due")
}

func TestErrorsHideSubject(t *testing.T) {
	t.Parallel()
	reg := claims.New(claims.NewMemoryStore())
	long := string(bytes.Repeat([]byte("9"), claims.MaxSubjectLen+1))
	_, err := reg.File(context.Background(), long, time.Now())
	require.ErrorIs(t, err, claims.ErrInvalid)
	assert.NotContains(t, err.Error(), "999999")
	_, err = reg.File(context.Background(), "iin-901123300258", time.Now(), claims.WithChannel("fax"))
	require.ErrorIs(t, err, claims.ErrInvalid)
	assert.NotContains(t, err.Error(), "901123300258")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	received := time.Date(2024, 6, 1, 10, 0, 0, 0, plus5)
	ok := claims.Claim{
		ID: "clm_x", Subject: "u", Received: received, Due: claims.DueDate(received, plus5),
		Channel: claims.ChannelApp, Topic: claims.TopicAccess, Status: claims.StatusReceived,
	}
	require.NoError(t, ok.Validate())
	tests := []struct {
		name   string
		mutate func(*claims.Claim)
	}{
		{"control char in id", func(c *claims.Claim) { c.ID = "clm\n" }},
		{"long id", func(c *claims.Claim) { c.ID = string(bytes.Repeat([]byte("a"), claims.MaxIDLen+1)) }},
		{"long text ref", func(c *claims.Claim) { c.TextRef = string(bytes.Repeat([]byte("a"), claims.MaxRefLen+1)) }},
		{"long answer ref", func(c *claims.Claim) {
			c.Status, c.Answered, c.AnswerRef = claims.StatusAnswered, received, string(bytes.Repeat([]byte("a"), claims.MaxRefLen+1))
		}},
		{"received with answer", func(c *claims.Claim) { c.Answered, c.AnswerRef = received, "r" }},
		{"withdrawn without time", func(c *claims.Claim) { c.Status = claims.StatusWithdrawn }},
		{"withdrawn and answered", func(c *claims.Claim) {
			c.Status, c.Withdrawn, c.Answered, c.AnswerRef = claims.StatusWithdrawn, received, received, "r"
		}},
		{"escalated without time", func(c *claims.Claim) { c.Status = claims.StatusEscalated }},
		{"escalated before answer", func(c *claims.Claim) {
			c.Status, c.Answered, c.AnswerRef, c.Escalated = claims.StatusEscalated, received.Add(time.Hour), "r", received
		}},
		{"escalated and withdrawn", func(c *claims.Claim) {
			c.Status, c.Escalated, c.Withdrawn = claims.StatusEscalated, received, received
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tt.mutate(&c)
			assert.ErrorIs(t, c.Validate(), claims.ErrInvalid)
		})
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := claims.NewID()
		assert.Regexp(t, `^clm_[A-Z2-7]{26}$`, id)
		assert.False(t, seen[id])
		seen[id] = true
	}
}

func TestNewPanicsOnNilStore(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "claims: New with a nil Store", func() { claims.New(nil) })
}

func TestWithLocation(t *testing.T) {
	t.Parallel()
	assert.Equal(t, claims.DefaultLocation(), claims.New(claims.NewMemoryStore(), claims.WithLocation(nil)).Location())
	utc := claims.New(claims.NewMemoryStore(), claims.WithLocation(time.UTC))
	c, err := utc.File(context.Background(), "u", time.Date(2024, 5, 31, 20, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 6, 30, 23, 59, 59, 999999999, time.UTC), c.Due)
}

func TestZeroRegistryFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	for name, reg := range map[string]*claims.Registry{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := reg.File(ctx, "user-1", now)
			assert.ErrorIs(t, err, claims.ErrNotConfigured)
			assert.ErrorIs(t, reg.Answer(ctx, "clm_x", now, "ref"), claims.ErrNotConfigured)
			assert.ErrorIs(t, reg.Withdraw(ctx, "clm_x", now), claims.ErrNotConfigured)
			assert.ErrorIs(t, reg.Escalate(ctx, "clm_x", now), claims.ErrNotConfigured)
			_, err = reg.Get(ctx, "clm_x")
			assert.ErrorIs(t, err, claims.ErrNotConfigured)
			_, err = reg.BySubject(ctx, "user-1")
			assert.ErrorIs(t, err, claims.ErrNotConfigured)
			_, err = reg.Overdue(ctx, now)
			assert.ErrorIs(t, err, claims.ErrNotConfigured)
			_, err = reg.DueBefore(ctx, now)
			assert.ErrorIs(t, err, claims.ErrNotConfigured)
			assert.NotNil(t, reg.Location())
		})
	}
}

func TestZeroMemoryStoreWorks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := claims.New(&claims.MemoryStore{})
	c, err := reg.File(ctx, "user-1", time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	got, err := reg.BySubject(ctx, "user-1")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, c.ID, got[0].ID)
}
