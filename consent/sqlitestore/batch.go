package sqlitestore

import (
	"context"
	"encoding/json"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/internal/sqlutil"
)

var _ consent.BatchReader = (*Store)(nil)

// States implements [consent.BatchReader]: the states of up to
// [consent.MaxBatch] subjects in one query, read from the file (not the
// cache), in the order given.
func (s *Store) States(ctx context.Context, subjects []string) ([]consent.State, error) {
	if err := s.check(ctx, "states"); err != nil {
		return nil, err
	}
	if err := s.health(); err != nil {
		return nil, err
	}
	if err := consent.CheckBatch(subjects); err != nil {
		return nil, err
	}
	list, err := json.Marshal(subjects)
	if err != nil {
		return nil, err
	}
	events, err := sqlutil.QueryAll(ctx, s.r, scanEvent, "SELECT "+columns+
		" FROM consent_events WHERE subject IN (SELECT value FROM json_each(?)) ORDER BY subject, at_us, at_ns, seq", string(list))
	if err != nil {
		return nil, s.wrap("states", ctx, err)
	}
	// Events come grouped by subject, each group in log order.
	by := make(map[string]*consent.Folder, len(subjects))
	for _, e := range events {
		f, ok := by[e.Subject]
		if !ok {
			nf := consent.NewFolder(consent.NewState(e.Subject))
			f = &nf
			by[e.Subject] = f
		}
		f.Apply(e)
	}
	out := make([]consent.State, len(subjects))
	for i, subj := range subjects {
		if f, ok := by[subj]; ok {
			out[i] = f.State()
		} else {
			out[i] = consent.NewState(subj)
		}
	}
	return out, nil
}
