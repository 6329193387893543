package pgstore

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yasam/privacy/internal/pgmigrate"
)

// The notifications of a transaction are "o:<xid>[/<mark>]", then its
// subjects' tags, then "x:<xid>". The tags go one per notification (the
// format every version reads), or, once the fleet is finalized (see
// [FinalizeNotifyUpgrade]), many per notification: batchPrefix, then tags
// separated by batchSep, each payload shorter than PostgreSQL's limit.
const (
	// batchPrefix starts a notification of many tags. A tag is hex, so
	// it never contains ':', and the other payloads start "o:", "x:" or
	// are "*".
	batchPrefix = "t:"
	// batchSep separates the tags of a batch; not a hex digit.
	batchSep = ','
	// tagLen is the length of a tag: 16 bytes of HMAC in hex.
	tagLen = 32
	// maxPayload is PostgreSQL's limit on a NOTIFY payload ("must be
	// shorter than 8000 bytes"), less one.
	maxPayload = 7999
	// batchTags is how many tags one batch notification carries at
	// most: len(batchPrefix) + batchTags*(tagLen+1) - 1 <= maxPayload.
	batchTags = (maxPayload - len(batchPrefix) + 1) / (tagLen + 1)
)

// notifyFormat names the consent_meta row that finalizes the batched
// notification format, and notifyBatched its value.
const (
	notifyFormat  = "notify_format"
	notifyBatched = "batch"
)

// payloads returns the notifications that carry tags: the tags as they
// are, or, when batched, in as few batch notifications as fit.
func payloads(tags []string, batched bool) []string {
	if !batched || len(tags) == 0 {
		return tags
	}
	out := make([]string, 0, (len(tags)+batchTags-1)/batchTags)
	var b strings.Builder
	for len(tags) > 0 {
		n := min(len(tags), batchTags)
		b.Grow(len(batchPrefix) + n*(tagLen+1))
		b.WriteString(batchPrefix)
		for i, t := range tags[:n] {
			if i > 0 {
				b.WriteByte(batchSep)
			}
			b.WriteString(t)
		}
		out = append(out, b.String())
		b.Reset()
		tags = tags[n:]
	}
	return out
}

// parseBatch returns the tags of a batch notification (payload starts
// with batchPrefix). ok is false when the payload is not exactly
// batchPrefix and one or more tags (tagLen lower-case hex digits each)
// separated by batchSep: a listener must then assume any user changed.
func parseBatch(payload string) (tags []string, ok bool) {
	rest, ok := strings.CutPrefix(payload, batchPrefix)
	if !ok || (len(rest)+1)%(tagLen+1) != 0 {
		return nil, false
	}
	tags = make([]string, 0, (len(rest)+1)/(tagLen+1))
	for i := 0; i < len(rest); i += tagLen + 1 {
		if i+tagLen < len(rest) && rest[i+tagLen] != batchSep {
			return nil, false
		}
		t := rest[i : i+tagLen]
		if !isTag(t) {
			return nil, false
		}
		tags = append(tags, t)
	}
	return tags, true
}

// isTag reports whether t is lower-case hex.
func isTag(t string) bool {
	for i := range len(t) {
		if c := t[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// FinalizeNotifyUpgrade declares that every instance sharing the consent
// tables (in [WithSchema]'s schema, or the connections' current one) runs
// this version of the package or a later one. Stores then send a
// transaction's subject tags many to a notification instead of one to a
// notification, which makes group commits cheaper (fewer NOTIFYs).
//
// Run it only when every instance runs this version or later: an
// instance of an earlier version does not understand the batched
// notifications, and would keep serving cached states that another
// instance's Append (a withdrawal) changed. It cannot be undone: the
// setting is a row of consent_meta, which refuses UPDATE and DELETE.
//
// It is not part of [Migrate] or [Migrations], which run while a rolling
// deploy still has instances of the earlier version: upgrade in two
// steps, deploy everywhere, then finalize. Instances see the setting at
// [New], when their listener reconnects, and within about a heartbeat
// interval ([WithHeartbeat]) otherwise; a store without a cache
// ([WithCacheSize] 0) sees it at New only. Until an instance sees it, it
// sends one tag per notification, which every version reads.
//
// It needs INSERT on consent_meta, which the application role does not
// have: run it as the role that migrates. Calling it again is a no-op.
// The options other than [WithSchema] are ignored.
func FinalizeNotifyUpgrade(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	cfg := newConfig(opts)
	const op = "finalize notify upgrade"
	if err := pgmigrate.Check(ctx, pool, cfg.schema, "consent", SchemaVersion, ErrSchemaBehind); err != nil {
		if errors.Is(err, ErrSchemaBehind) {
			return err
		}
		return errs.Wrap(ctx, op, false, err)
	}
	if _, err := pool.Exec(ctx, newQueries(cfg.schema).finalize, notifyFormat, notifyBatched); err != nil {
		return errs.Wrap(ctx, op, false, err)
	}
	return nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// readFormat reads the notification format setting through q (see
// setFormat).
func (s *Store) readFormat(ctx context.Context, q rowQuerier) error {
	var v []byte
	err := q.QueryRow(ctx, s.sql.format, notifyFormat).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	s.setFormat(v)
	return nil
}

// setFormat switches the store to batched notifications when v, the
// notify_format setting, finalizes them. It never switches back (the
// setting cannot be undone); a value this version does not know keeps
// the format every version reads.
func (s *Store) setFormat(v []byte) {
	if string(v) == notifyBatched {
		s.batched.Store(true)
	}
}
