package sqlitestore

import (
	"context"
	"encoding/json"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/foldset"
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
	if err := s.health(false); err != nil {
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
	set := foldset.New(subjects)
	for _, e := range events {
		set.Apply(e)
	}
	return set.States(subjects), nil
}
