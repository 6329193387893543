package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/yasam/privacy/consent"
	"github.com/yasam/privacy/consent/internal/foldset"
	"github.com/yasam/privacy/internal/sqlutil"
)

var _ consent.BatchReader = (*Store)(nil)

// States implements [consent.BatchReader]: the states of up to
// [consent.MaxBatch] subjects in one query, read from the database (not
// the cache), in the order given.
func (s *Store) States(ctx context.Context, subjects []string) ([]consent.State, error) {
	if err := s.check(ctx, "states"); err != nil {
		return nil, err
	}
	if err := consent.CheckBatch(subjects); err != nil {
		return nil, err
	}
	// Events come grouped by subject, each group in log order.
	set := foldset.New(subjects)
	rows, err := s.pool.Query(ctx, s.sql.bySubjects, set.Subjects())
	if err != nil {
		return nil, s.wrap("states", ctx, err)
	}
	if err := scanEvents(rows, nil, set.Apply); err != nil {
		return nil, s.wrap("states", ctx, err)
	}
	return set.States(subjects), nil
}

// FilterSQL turns f (a policy Plan's Filter) into a boolean SQL expression
// over subject, the host's SQL expression naming the subject of a row of
// its own query (for example "u.id"): true exactly for the subjects whose
// consent in this store meets one of f.Allow, which is to say those a
// Check of the plan's purpose and recipient at f.At would allow. Join it
// into a nightly export:
//
//	where, args, err := store.FilterSQL(plan.Filter, "u.id", 0)
//	rows, err := pool.Query(ctx, "SELECT u.id, u.email FROM users u WHERE "+where, args...)
//
// Its placeholders are numbered from argOffset+1, so that the host's own
// come first. When f.AtLeast holds a token (a Plan made with the policy's
// WithAtLeast), the query fails unless its snapshot reflects the token's
// transaction: call [Store.Await] with the token first. A token of
// another store fails FilterSQL with [consent.ErrTokenInvalid]; so does, with an error
// of its own, a Filter built by hand that names a
// condition no subject can be in (one not in [consent.Conditions]). A subject with no events has no consent and is selected
// only when the plan allows that (a basis, say). subject is pasted into
// the SQL as it is: it must be the host's code, never a request value.
//
// The expression mirrors [consent.Filter.Classify] over this store's log
// (log order: at_time, at_ns, seq); TestFilterSQLAgreesWithCheck compares
// the two on random data.
func (s *Store) FilterSQL(f consent.Filter, subject string, argOffset int) (string, []any, error) {
	if argOffset < 0 {
		return "", nil, fmt.Errorf("pgstore: filter: negative argument offset")
	}
	if strings.TrimSpace(subject) == "" {
		return "", nil, fmt.Errorf("pgstore: filter: empty subject expression")
	}
	var xid uint64
	if f.AtLeast != "" {
		var err error
		if xid, err = s.parseToken("filter", f.AtLeast); err != nil {
			return "", nil, err
		}
	}
	// The conditions as a set, each one a subject can be in: a Filter
	// built by hand may repeat one, or name one Classify never yields.
	all := consent.Conditions()
	var allow []consent.Condition
	for _, c := range f.Allow {
		if !slices.Contains(all, c) {
			return "", nil, fmt.Errorf("pgstore: filter: a condition no subject can be in (standing %d, grant %t, cross-border %t)", c.Standing, c.Grant, c.CrossBorder)
		}
		if !slices.Contains(allow, c) {
			allow = append(allow, c)
		}
	}
	switch len(allow) {
	case 0:
		return "FALSE", nil, nil
	case len(all):
		return "TRUE", nil, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(argOffset+len(args))
	}
	ev := s.sql.events
	at, atNS := sqlutil.SplitTime(f.At)
	known := f.Known
	if known == nil {
		known = []string{}
	}
	strict := "FALSE"
	if f.Strict {
		strict = "TRUE"
	}
	// Acceptance: the latest of the subject's acceptances and withdrawals
	// of acceptance decides (at one instant, a withdrawal); a withdrawal counts as "withdrawn" only after
	// an acceptance of some version, and an acceptance whose term has
	// ended at f.At is none.
	tArg, tnsArg := arg(at), arg(atNS)
	standing := `COALESCE((SELECT CASE
		WHEN a.action = 'withdraw_acceptance' THEN
			CASE WHEN COALESCE((SELECT p.policy_version FROM ` + ev + ` p
				WHERE p.subject = a.subject AND p.action = 'accept_policy'
				ORDER BY p.at_time DESC, p.at_ns DESC, p.seq DESC LIMIT 1), '') <> ''
			THEN 1 ELSE 0 END
		WHEN a.policy_version = '' THEN 0
		WHEN a.until_time IS NOT NULL AND (a.until_time, COALESCE(a.until_ns, 0)) <= (` + tArg + `::timestamptz, ` + tnsArg + `::smallint) THEN 0
		WHEN a.policy_version = ` + arg(f.Current) + ` THEN 2
		WHEN ` + strict + ` AND NOT (a.policy_version = ANY(` + arg(known) + `::text[])) THEN 0
		ELSE 3 END
	FROM ` + ev + ` a
	WHERE a.subject = (` + subject + `) AND a.action IN ('accept_policy', 'withdraw_acceptance')
	ORDER BY a.at_time DESC, a.at_ns DESC, (a.action = 'withdraw_acceptance') DESC, a.seq DESC LIMIT 1), 0)`
	categories := make([]string, len(f.Categories))
	for i, c := range f.Categories {
		categories[i] = string(c)
	}
	// Grant: the latest grant or withdrawal for the scope (at one instant,
	// a withdrawal); a grant counts when no withdrawal of acceptance is
	// dated at or after it (9.3), it lists no data or all the data asked
	// about (art. 8 p.4), and its term, if any, has not ended at f.At. 2
	// when it allows a transfer abroad.
	grant := `COALESCE((SELECT CASE
		WHEN g.action = 'grant'
			AND NOT EXISTS (SELECT 1 FROM ` + ev + ` w
				WHERE w.subject = g.subject AND w.action = 'withdraw_acceptance'
				AND (w.at_time, w.at_ns) >= (g.at_time, g.at_ns))
			AND (g.until_time IS NULL OR (g.until_time, COALESCE(g.until_ns, 0)) > (` + tArg + `::timestamptz, ` + tnsArg + `::smallint))
			AND (cardinality(g.categories) = 0 OR g.categories @> ` + arg(categories) + `::text[])
		THEN CASE WHEN g.cross_border_transfer THEN 2 ELSE 1 END
		ELSE 0 END
	FROM ` + ev + ` g
	WHERE g.subject = (` + subject + `) AND g.action IN ('grant', 'withdraw')
		AND g.purpose = ` + arg(string(f.Scope.Purpose)) + ` AND g.recipient = ` + arg(f.Scope.Recipient) + `
	ORDER BY g.at_time DESC, g.at_ns DESC, (g.action = 'withdraw') DESC, g.seq DESC LIMIT 1), 0)`
	// One number per subject, standing*3 + grant, so that each part is
	// computed once.
	var codes []string
	for _, c := range allow {
		g := 0
		if c.Grant {
			g = 1
			if c.CrossBorder {
				g = 2
			}
		}
		codes = append(codes, strconv.Itoa(int(c.Standing)*3+g))
	}
	expr := "((" + standing + ") * 3 + (" + grant + ")) IN (" + strings.Join(codes, ", ") + ")"
	if f.AtLeast == "" {
		return expr, args, nil
	}
	// The query must see the token's transaction: a snapshot taken
	// before it committed (an AppendTx whose host has not committed yet)
	// would judge consent without the write. One test per query (an
	// uncorrelated subquery runs once); when it fails, the query fails
	// with the message below, made at run time only (random() keeps the
	// planner from folding the cast, and so from failing every query).
	x := arg(strconv.FormatUint(xid, 10)) + "::text::xid8"
	// The host's own transaction (it appended under the token) sees its
	// write though its snapshot does not count it as visible.
	visible := "(SELECT pg_visible_in_snapshot(" + x + ", pg_current_snapshot()) OR " + x + " IS NOT DISTINCT FROM pg_current_xact_id_if_assigned())"
	refuse := "CAST(CASE WHEN random() >= 0 THEN " + arg(errTokenNotVisible) + "::text END AS integer) = 0"
	return "(CASE WHEN " + visible + " THEN " + expr + " ELSE " + refuse + " END)", args, nil
}

// errTokenNotVisible is the text of the error a FilterSQL query under a
// token fails with when its snapshot does not reflect the token's write;
// PostgreSQL reports it as invalid input for type integer (SQLSTATE
// 22P02).
const errTokenNotVisible = "pgstore: the consent token's transaction is not visible to this query; call Store.Await with the token before the query"
