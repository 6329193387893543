package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/yasam/privacy/subject"
)

// TestSubjectdesk runs the desk's day and checks what it tells and writes.
func TestSubjectdesk(t *testing.T) {
	// A Wednesday, so the 3 working days are plain.
	now := time.Date(2026, 2, 11, 15, 0, 0, 0, time.FixedZone("UTC+5", 5*60*60))
	for _, lang := range []subject.Lang{subject.Russian, subject.Kazakh, subject.English} {
		t.Run(string(lang), func(t *testing.T) {
			var log, page bytes.Buffer
			require.NoError(t, run(context.Background(), &log, &page, lang, now))
			out := log.String()
			assert.Contains(t, out, "receipt of the grant issued and verified")
			assert.Contains(t, out, "answer due 2026-03-13\n", "30 calendar days")
			assert.Contains(t, out, "answer due 2026-02-16 (3 working days)")
			assert.Contains(t, out, "2 consent events, 1 disclosures, 1 claims, 1 requests")
			assert.Contains(t, out, "evidence bundle shows 1 disclosures")
			html := page.String()
			assert.True(t, strings.HasPrefix(html, "<!DOCTYPE html>"))
			assert.Contains(t, html, `lang="`+string(lang)+`"`)
			assert.Contains(t, html, "halyk")
			assert.Contains(t, html, "180340021871")
		})
	}
}
