package sqlutil

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"syscall"
)

// RedactConnect returns err with the text of a PostgreSQL driver's connect
// error (pgx's *pgconn.ConnectError) in its chain replaced by one that
// says only "failed to connect" and the class of the failure: the network
// error (connection refused, timeout, ...) or the server's SQLSTATE. The
// driver's text names the connection's user, database and host, and the
// server's message may name the user again, none of which an error of the
// library may carry. The result unwraps to err, so errors.Is and errors.As
// reach everything they did, the connect error included.
//
// An err without such a connect error is returned as it is, nil as nil.
//
// The connect error is found by its type's package path and name, not by
// importing the driver, so that the SQLite stores, which share this
// package, do not link PostgreSQL's; TestRedactConnect fails if pgx
// renames it.
func RedactConnect(err error) error {
	if err == nil {
		return nil
	}
	ce := findConnect(err)
	if ce == nil {
		return err
	}
	safe := connectText(ce)
	msg := strings.ReplaceAll(err.Error(), ce.Error(), safe)
	for _, name := range connectNames(ce) {
		if strings.Contains(msg, name) {
			// The connect error's text was reworded on the way, or
			// repeated in part; no part of the message can be trusted
			// not to hold it.
			msg = safe
			break
		}
	}
	return &redacted{msg: msg, err: err}
}

// redacted is an error chain with a connect error's text replaced; see
// [RedactConnect].
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// findConnect returns the first error in err's tree (depth first, as
// errors.As goes) that is a driver's connect error, or nil. It does not
// look behind a chain already redacted, whose text is safe.
func findConnect(err error) error {
	for err != nil {
		if _, ok := err.(*redacted); ok {
			return nil
		}
		if isConnectError(err) {
			return err
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if ce := findConnect(e); ce != nil {
					return ce
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// isConnectError reports whether err is a *pgconn.ConnectError of any
// pgx major version (github.com/jackc/pgx/vN/pgconn).
func isConnectError(err error) bool {
	t := reflect.TypeOf(err)
	if t.Kind() != reflect.Pointer {
		return false
	}
	t = t.Elem()
	path := t.PkgPath()
	return t.Name() == "ConnectError" && strings.HasPrefix(path, "github.com/jackc/pgx/") && strings.HasSuffix(path, "/pgconn")
}

// connectNames returns what a connect error's configuration holds that an
// error must not name: the user, password, database and host (each
// non-empty one). A configuration it cannot read gives none.
func connectNames(ce error) []string {
	v := reflect.ValueOf(ce).Elem()
	if v.Kind() != reflect.Struct {
		return nil
	}
	c := v.FieldByName("Config")
	if c.Kind() == reflect.Pointer {
		if c.IsNil() {
			return nil
		}
		c = c.Elem()
	}
	if c.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for _, f := range []string{"User", "Password", "Database", "Host"} {
		if fv := c.FieldByName(f); fv.Kind() == reflect.String && fv.String() != "" {
			names = append(names, fv.String())
		}
	}
	return names
}

// connectText is what an error may say of a failed connection: the class
// of the failure, in words of a fixed list, or the server's SQLSTATE.
func connectText(err error) string {
	return "failed to connect: " + connectClass(err)
}

func connectClass(err error) string {
	var (
		state  interface{ SQLState() string }
		dns    *net.DNSError
		errno  syscall.Errno
		netErr net.Error
		opErr  *net.OpError
	)
	switch {
	case errors.As(err, &state):
		if code := state.SQLState(); isSQLState(code) {
			return "server error (SQLSTATE " + code + ")"
		}
		return "server error"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "host not found"
		}
		return "host lookup failed"
	case errors.As(err, &errno):
		// The system's fixed text: "connection refused", "network is
		// unreachable", ...
		return errno.Error()
	case errors.As(err, &opErr):
		return "network error"
	}
	// TLS and protocol failures among others: their texts may name the
	// host (a certificate's names), so none is quoted.
	return "connection not made"
}

// isSQLState reports whether code has the form of a SQLSTATE: five
// digits or upper-case letters.
func isSQLState(code string) bool {
	if len(code) != 5 {
		return false
	}
	for _, c := range []byte(code) {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
